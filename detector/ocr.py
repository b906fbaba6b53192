"""The project's own plate reader: a Dutch plate crop in, the plate's text and a confidence out.

Two uses. The blur pipeline's plate check (:mod:`detector.blur`): a region stays sharp as
a plate only when it reads as a Dutch plate (one of the 14 RDW side-codes) with
confidence, so a strip over a face's eyes that the detector calls a plate is blurred. And
a second opinion on every camera read (#15): the detector worker reads each passage's
crop and records the text beside the camera's (``detector_plate_opinion``).

The model is a CRNN (Shi et al. 2015): a small convolutional stack turns the crop,
grey and 32 x 128 px, into a sequence of 32 columns, a bidirectional GRU reads the
sequence, and CTC decoding gives the characters (the RDW set: 16 consonants and the ten
digits; dashes are not read, the side-code follows from the letters and digits). It is
trained on the CPU from crops of :mod:`detector.platecrops` (``anpr detector
train-ocr``); the weights ship in ``detector/models/anpr-ocr.pt`` with their card.

Confidence is the product over the characters read of each one's peak probability, so
one doubtful character lowers it (on held-out crops, a read of a side-code at 0.5 or more
is right 95-98% of the time). Nothing is downloaded: without its weights the reader
refuses to load.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from anpr.errors import ConfigurationError
from detector.render import PLATE_DIGITS, PLATE_LETTERS, SIDE_CODES

ALPHABET = PLATE_LETTERS + PLATE_DIGITS          # class 0 is the CTC blank
HEIGHT, WIDTH = 32, 128
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_WEIGHTS = MODELS_DIR / "anpr-ocr.pt"
MODEL_NAME = "anpr-ocr-crnn"

#: The 14 RDW side-codes as letter/digit patterns without dashes (each is distinct).
_PATTERNS = {code.replace("-", ""): i + 1 for i, code in enumerate(SIDE_CODES)}
_SHAPE = str.maketrans({**{c: "L" for c in PLATE_LETTERS}, **{d: "D" for d in PLATE_DIGITS}})


def side_code(text: str) -> int | None:
    """The RDW side-code (1-14) the plate is written in, or None: no Dutch plate."""
    t = re.sub(r"[\s-]", "", text or "").upper()
    if len(t) != 6 or any(c not in ALPHABET for c in t):
        return None
    return _PATTERNS.get(t.translate(_SHAPE))


@dataclass(frozen=True)
class Read:
    text: str          # without dashes; "" when nothing was read
    confidence: float  # product of the characters' peak probabilities, 0..1

    @property
    def side_code(self) -> int | None:
        return side_code(self.text)

    def plausible(self, min_confidence: float) -> bool:
        """A Dutch plate by side-code, read with at least this confidence."""
        return self.side_code is not None and self.confidence >= min_confidence


def _net():
    import torch
    from torch import nn

    def block(cin, cout, pool):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True)] + ([nn.MaxPool2d(pool)] if pool else [])

    class CRNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cnn = nn.Sequential(
                *block(1, 16, 2),            # 16 x 64
                *block(16, 32, 2),           # 8 x 32
                *block(32, 64, (2, 1)),      # 4 x 32
                *block(64, 96, (2, 1)),      # 2 x 32
                nn.Conv2d(96, 96, (2, 1)), nn.ReLU(inplace=True))  # 1 x 32
            self.rnn = nn.GRU(96, 64, bidirectional=True, batch_first=True)
            self.head = nn.Linear(128, len(ALPHABET) + 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 1, 32, 128) -> (N, T, C)
            f = self.cnn(x).squeeze(2).permute(0, 2, 1)
            return self.head(self.rnn(f)[0])

    return CRNN()


def prepare(crop: np.ndarray) -> np.ndarray:
    """A crop (BGR or grey, any size) as the network sees it: grey, 32 x 128, 0..1,
    stretched to its own range (a dark night crop and a bright day one look alike)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    grey = cv2.resize(grey, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA
                      if grey.shape[1] > WIDTH else cv2.INTER_CUBIC).astype(np.float32)
    lo, hi = np.percentile(grey, (2, 98))
    return np.clip((grey - lo) / max(float(hi - lo), 8.0), 0, 1).astype(np.float32)


def decode(logprobs: np.ndarray) -> list[Read]:
    """Greedy CTC decoding of (N, T, C) log-probabilities.

    The confidence is the product, over the characters read, of each character's peak
    probability in the columns that read it (one doubtful character lowers it); for
    nothing read, the probability of the all-blank path."""
    best = logprobs.argmax(axis=2)
    peak = logprobs.max(axis=2)
    out = []
    for row, lp in zip(best, peak):
        chars: list[str] = []
        confs: list[float] = []
        prev = 0
        for k, p in zip(row, lp):
            if k != 0 and k != prev:
                chars.append(ALPHABET[k - 1])
                confs.append(p)
            elif k != 0:
                confs[-1] = max(confs[-1], p)
            prev = k
        conf = np.exp(sum(confs)) if chars else np.exp(lp.sum())
        out.append(Read("".join(chars), float(conf)))
    return out


def weights_version(weights: Path | str = DEFAULT_WEIGHTS) -> str:
    """The version its card gives the weights (what opinions record), read without
    loading them."""
    card = Path(weights).with_suffix(".json")
    if card.is_file():
        return json.loads(card.read_text()).get("version", MODEL_NAME)
    return MODEL_NAME


class PlateReader:
    """Reads plate crops; call with one crop or use :meth:`read_many` for a batch."""

    def __init__(self, weights: Path | str = DEFAULT_WEIGHTS) -> None:
        import torch

        path = Path(weights)
        if not path.is_file():
            raise ConfigurationError(f"the plate reader's weights are missing: {path} "
                                     "(anpr detector train-ocr writes them)")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            self.net = _net()
            self.net.load_state_dict({k: v.float() for k, v in state.items()})
        except Exception as exc:  # noqa: BLE001 - unreadable or foreign weights
            raise ConfigurationError(f"the plate reader could not load {path}: {exc}") from exc
        self.net.eval()
        self.version = weights_version(path)
        self._lock = threading.Lock()

    def read_many(self, crops: Sequence[np.ndarray]) -> list[Read]:
        import torch

        if not crops:
            return []
        x = torch.from_numpy(np.stack([prepare(c) for c in crops])[:, None])
        with self._lock, torch.inference_mode():
            logp = torch.log_softmax(self.net(x), dim=2).numpy()
        return decode(logp)

    def __call__(self, crop: np.ndarray) -> Read:
        return self.read_many([crop])[0]


_DEFAULT: PlateReader | None = None
_DEFAULT_LOCK = threading.Lock()


def default_reader() -> PlateReader:
    """The process's plate reader, loaded once; raises if its weights cannot load."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = PlateReader()
        return _DEFAULT
