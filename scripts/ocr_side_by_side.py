"""The project's plate reader beside an OCR package that ships its weights in its wheel.

rapidocr-onnxruntime 1.4.4 carries PaddleOCR's PP-OCRv4 recognition network in its wheel
(``rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx``), so it reads offline. It
is not a dependency of the project (it pins its own OpenCV and brings onnxruntime); to
measure it, install it into a folder of its own and put that folder on the path:

    .venv/bin/pip install --target /tmp/rapidocr-env rapidocr-onnxruntime==1.4.4
    PYTHONPATH=/tmp/rapidocr-env .venv/bin/python scripts/ocr_side_by_side.py [N]

rapidocr 3.x ships PP-OCRv6's small networks in its wheel the same way
(``.venv/bin/pip install --target /tmp/rapidocr3-env rapidocr==3.10.0 onnxruntime``,
then ``PYTHONPATH=/tmp/rapidocr3-env``); the script takes whichever is on the path.

Both read the same held-out crops (recognition only: the crop is the plate region
already); the package's text is upper-cased and stripped to letters and digits, and
(for a fair count) the letters O and I it may read for 0 and 1 are mapped to digits.
Prints one JSON object with whole-plate and per-character accuracy and ms per crop.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detector import platecrops  # noqa: E402
from detector.ocr import Read, default_reader  # noqa: E402
from detector.ocr_train import _figures, camera_crops  # noqa: E402


def _clean(text) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text).upper()).replace("O", "0").replace("I", "1")


def rapid_reader():
    """rapidocr 3.x (PP-OCRv6 in its wheel) if it is on the path, else rapidocr-onnxruntime."""
    try:
        from rapidocr import RapidOCR

        engine, name = RapidOCR(), "rapidocr 3.x (PP-OCRv6 small rec)"

        def one(c):
            res = engine(c, use_det=False, use_cls=False, use_rec=True)
            txts, scores = getattr(res, "txts", None) or ("",), getattr(res, "scores", None) or (0.0,)
            return Read(_clean(txts[0]), float(scores[0]))
    except ImportError:
        from rapidocr_onnxruntime import RapidOCR

        engine, name = RapidOCR(), "rapidocr-onnxruntime 1.4.4 (PP-OCRv4 rec)"

        def one(c):
            result, _ = engine(c, use_det=False, use_cls=False, use_rec=True)
            text, score = (result[0] if result else ("", 0.0))
            return Read(_clean(text), float(score))

    return name, lambda crops: [one(c) for c in crops]


def main(n: int = 500) -> dict:
    sets = {"rendered_crops": [platecrops.sample(126, "test", i) for i in range(n)],
            "scene_crops": platecrops.scene_crops(126, "test", max(1, n // 3)),
            "camera_crops": camera_crops(126, n)}
    ours = default_reader()
    name, rapid = rapid_reader()
    readers = {"anpr-ocr (ours)": ours.read_many, name: rapid}
    report: dict = {"seed": 126, "split": "test", "readers": {}}
    for name, read in readers.items():
        row = {}
        for set_name, rows in sets.items():
            t = time.time()
            reads = read([c for c, _ in rows])
            fig = _figures(reads, [t for _, t in rows])
            fig["ms_per_crop"] = round((time.time() - t) / len(rows) * 1000, 2)
            row[set_name] = {k: fig[k] for k in ("plates", "whole_plate", "per_character", "ms_per_crop")}
        report["readers"][name] = row
    report["planted_misreads"] = planted(ours, sets["camera_crops"])
    return report


def planted(reader, crops) -> dict:
    """The second opinion against the demo's planted misreads (``sim.photos.misread``:
    one look-alike character, B read as 8): how many the reader flags, and how many
    right camera reads it flags for nothing."""
    import numpy as np

    from sim.photos import misread
    from detector.opinions import LOW_CONFIDENCE, normalise

    rng = np.random.default_rng(126)
    reads = reader.read_many([c for c, _ in crops])
    wrong = [misread(t, rng) for _, t in crops]

    def flag(r, camera):
        if not r.text or r.text != normalise(camera):
            return "disagrees"
        return "unsure" if r.confidence < LOW_CONFIDENCE else "agrees"

    n = len(crops)
    return {"crops": n,
            "misreads_flagged_disagrees": round(sum(flag(r, w) == "disagrees" for r, w in zip(reads, wrong)) / n, 4),
            "misreads_where_reader_reads_the_true_plate": round(sum(r.text == t for r, (_, t) in zip(reads, crops)) / n, 4),
            "right_reads_flagged": round(sum(flag(r, t) != "agrees" for r, (_, t) in zip(reads, crops)) / n, 4)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500), indent=2))
