"""The simulated passages as numpy arrays (``PassageBatch``), their time base in
microseconds since the Unix epoch, UTC, and the ground truth of planted cases: the shapes
that the traffic generator (``sim.traffic``) and the planted misreads (``sim.misreads``)
both build on, and the demo loader and the benchmarks write to the database."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

#: What the demo tells the tests about its planted cases (plates, cameras, times).
GroundTruth = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = 1_000_000
DAY_US = 86_400 * US


@dataclass
class PassageBatch:
    """Passages as parallel numpy arrays plus the tables to map indices back.

    ``camera`` indexes ``cameras`` (the registry's camera ids in registry order),
    ``plate`` indexes ``plates``/``countries``; ``captured_at`` is microseconds since the
    Unix epoch, UTC. ``capture_prefix`` and ``first_seq`` make capture ids unique.
    """

    camera: np.ndarray
    captured_at: np.ndarray
    plate: np.ndarray
    confidence: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    cameras: list[str]
    plates: np.ndarray
    countries: np.ndarray
    first_seq: int = 0
    capture_prefix: str = ""
    #: Planted misreads (:func:`plant_misreads`): per passage the camera's read where it
    #: is not the plate ("" where it is), and the camera's alternative candidate reads
    #: (a tuple of (plate, confidence) pairs, or None); None when no passage has one.
    reads: np.ndarray | None = None
    alternatives: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.camera.shape[0])

    def read_plates(self) -> np.ndarray:
        """The plate each passage was read as: its vehicle's plate, or the misread."""
        plates = self.plates[self.plate]
        if self.reads is None:
            return plates
        return np.where(self.reads != "", self.reads, plates)

    def to_records(self) -> Iterator[dict[str, Any]]:
        """Yield intake records (DESIGN section 5) for these passages, in array order."""
        iso = np.datetime_as_string(self.captured_at.astype("datetime64[us]"), unit="us")
        plates = self.read_plates()
        countries = self.countries[self.plate]
        alts = self.alternatives
        for i in range(len(self)):
            us = int(self.captured_at[i])
            rec = {
                "camera": self.cameras[int(self.camera[i])],
                "captured_at": f"{iso[i]}+00:00",
                "plate": str(plates[i]),
                "country": str(countries[i]),
                "confidence": round(float(self.confidence[i]), 3),
                "lat": round(float(self.lat[i]), 7),
                "lon": round(float(self.lon[i]), 7),
                "capture_id": f"{us}-{self.capture_prefix}{self.first_seq + i}",
            }
            if alts is not None and alts[i]:
                rec["alternatives"] = [{"plate": a, "confidence": c} for a, c in alts[i]]
            yield rec

    def slice(self, lo: int, hi: int, first_seq: int) -> PassageBatch:
        """Rows lo..hi as a new batch sharing the lookup tables."""
        return PassageBatch(self.camera[lo:hi], self.captured_at[lo:hi], self.plate[lo:hi],
                            self.confidence[lo:hi], self.lon[lo:hi], self.lat[lo:hi], self.cameras,
                            self.plates, self.countries, first_seq, self.capture_prefix,
                            None if self.reads is None else self.reads[lo:hi],
                            None if self.alternatives is None else self.alternatives[lo:hi])


def to_us(dt: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: give an explicit UTC offset")
    return (dt - EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    """Aware UTC datetime from microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=int(us))
