"""The scope of an order (R5), and the validated inputs every search shares.

A search may not go beyond the order's time, locations and plates. ``Scope`` holds what
an order allows (time windows, a camera set, plates or patterns); each search calls
``Scope.check_*`` before it touches the store and is refused with :class:`OutsideScope`
(403) otherwise. The legal-workflow package builds orders on this object; it is tested
here so that check is the one place the rule lives.

Windows are half-open ``[start, end)`` in UTC; timestamps without an explicit offset are
refused, since Europe/Amsterdam's DST change makes local wall-clock times ambiguous.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from anpr.errors import BadInput, Forbidden
from anpr.plates import PLATE_RE

UTC = timezone.utc
MAX_WINDOW_DAYS = 28
PATTERN_RE = re.compile(r"^[A-Z0-9?*]{1,12}\Z")
_SEPARATORS = re.compile(r"[\s\-.]")
MAX_PLATES = 100
MAX_CAMERAS = 5000


class OutsideScope(Forbidden):
    """The search goes beyond what the order allows (R5)."""

    code = "outside_scope"


@dataclass(frozen=True)
class Window:
    """A half-open UTC time window ``[start, end)``."""

    start: datetime
    end: datetime

    def contains(self, other: "Window") -> bool:
        return self.start <= other.start and other.end <= self.end

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def covered(window: Window, windows: Iterable[Window]) -> bool:
    """Whether every instant of ``window`` lies in one of ``windows``: an order may name
    its time as several windows that meet or overlap (14-17 and 17-20), and a search of
    15-19 is inside it although no one window holds it."""
    reach = window.start
    for w in sorted(windows, key=lambda w: w.start):
        if w.start > reach:
            break
        reach = max(reach, w.end)
        if reach >= window.end:
            return True
    return False


def parse_time(value: Any, name: str) -> datetime:
    """An aware datetime from ISO 8601 text (explicit offset required) or a datetime."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and 0 < len(value) <= 40:
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadInput(f"{name} is not an ISO 8601 time: {value!r}") from exc
    else:
        raise BadInput(f"{name} must be an ISO 8601 time with a UTC offset")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise BadInput(f"{name} has no UTC offset; give one (e.g. +01:00 or Z) so the time "
                       "is unambiguous across daylight saving changes")
    return dt.astimezone(UTC)


def parse_window(start: Any, end: Any, *, max_days: int = MAX_WINDOW_DAYS,
                 name: str = "window") -> Window:
    """A validated window: start before end and at most ``max_days`` long."""
    s, e = parse_time(start, f"{name} start"), parse_time(end, f"{name} end")
    if e <= s:
        raise BadInput(f"{name} ends before it starts ({s.isoformat()} .. {e.isoformat()})")
    if e - s > timedelta(days=max_days):
        raise BadInput(f"{name} is longer than {max_days} days; passages are kept only "
                       f"{max_days} days")
    return Window(s, e)


def normalise_plate(raw: Any) -> str:
    """Upper case without dashes, dots or spaces; refuse anything outside A-Z and 0-9."""
    if not isinstance(raw, str):
        raise BadInput("a plate must be text")
    plate = _SEPARATORS.sub("", raw.upper())
    # A-Z as typed: Python upper-cases 'ß' to 'SS' and 'ı' to 'I', PostgreSQL does not,
    # so such a plate would be searched as one plate and verified against another (the
    # ordered plates of a search including probable misreads are read in SQL, 0024a).
    if not _SEPARATORS.sub("", raw).isascii() or not PLATE_RE.match(plate):
        raise BadInput(f"plate {raw!r} has characters outside A-Z and 0-9 or is not "
                       "1 to 12 characters long")
    return plate


def normalise_plates(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)) or not values:
        raise BadInput("give at least one plate")
    if len(values) > MAX_PLATES:
        raise BadInput(f"at most {MAX_PLATES} plates per search")
    return tuple(dict.fromkeys(normalise_plate(v) for v in values))


def normalise_pattern(raw: Any) -> str:
    """A partial plate: ``?`` one character, ``*`` any run, otherwise A-Z and 0-9."""
    if not isinstance(raw, str):
        raise BadInput("a pattern must be text")
    pattern = re.sub(r"\*+", "*", _SEPARATORS.sub("", raw.upper()))
    if not pattern or not PATTERN_RE.match(pattern):
        raise BadInput(f"pattern {raw!r} may contain only A-Z, 0-9, '?' (one character) "
                       "and '*' (any run), at most 12 characters")
    return pattern


def pattern_matches(pattern: str, plate: str) -> bool:
    regex = "^" + pattern.replace("?", ".").replace("*", ".*") + "$"
    return re.match(regex, plate) is not None


def pattern_within(pattern: str, outer: str) -> bool:
    """Whether every plate that ``pattern`` matches is matched by ``outer`` too (``AB1*``
    lies within ``AB*``; ``AB*`` does not lie within ``AB1*``)."""
    regex = "".join("[^*]" if ch == "?" else ".*" if ch == "*" else re.escape(ch)
                    for ch in outer)
    return re.fullmatch(regex, pattern) is not None


def normalise_cameras(values: Any) -> tuple[str, ...] | None:
    """Camera ids as given (None: no camera restriction)."""
    if values is None:
        return None
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, str) and 0 < len(v) <= 80 for v in values):
        raise BadInput("cameras must be a list of camera ids")
    if len(values) > MAX_CAMERAS:
        raise BadInput(f"at most {MAX_CAMERAS} cameras per search")
    if not values:
        raise BadInput("the camera selection is empty: it resolves to no camera")
    return tuple(dict.fromkeys(values))


def parse_minutes(value: Any, name: str = "minutes", *, low: float = 0.1,
                  high: float = 60.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{name} must be a number")
    if not low <= float(value) <= high:
        raise BadInput(f"{name} must be between {low:g} and {high:g}")
    return float(value)


@dataclass(frozen=True)
class Scope:
    """What an order allows. ``None`` means the order does not restrict that dimension.

    ``plates``/``patterns`` restrict which vehicles may be searched; an order that names
    plates does not allow block, common-plate or pattern searches beyond its patterns.
    """

    windows: tuple[Window, ...]
    cameras: frozenset[str] | None = None
    plates: frozenset[str] | None = None
    patterns: tuple[str, ...] = ()
    reference: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: The order's convoy band in minutes (None: the order names none; 60 at most).
    convoy_minutes: float | None = None

    def order_cameras(self) -> tuple[str, ...] | None:
        """The order's cameras in a stable order, or None when it names no cameras: what a
        plate, convoy or route search reads when the officer chose none."""
        return tuple(sorted(self.cameras)) if self.cameras is not None else None

    @classmethod
    def from_dict(cls, data: Any) -> "Scope":
        """A scope as the JSON API or an order record gives it."""
        if not isinstance(data, dict):
            raise BadInput("scope must be an object")
        raw_windows = data.get("windows")
        if not isinstance(raw_windows, list) or not raw_windows:
            raise BadInput("scope needs at least one time window")
        windows = tuple(parse_window(w.get("start"), w.get("end"), name="scope window")
                        if isinstance(w, dict) else _bad("scope windows must be objects")
                        for w in raw_windows)
        cams = data.get("cameras")
        plates = data.get("plates") or None  # an order naming only patterns names no plate
        patterns = data.get("patterns") or []
        band = data.get("convoy_minutes")
        if band is not None and (isinstance(band, bool) or not isinstance(band, (int, float))):
            raise BadInput("scope convoy_minutes must be a number")
        if not isinstance(patterns, list):
            raise BadInput("scope patterns must be a list")
        return cls(windows=windows,
                   cameras=frozenset(normalise_cameras(cams)) if cams is not None else None,
                   plates=frozenset(normalise_plates(plates)) if plates is not None else None,
                   patterns=tuple(normalise_pattern(p) for p in patterns),
                   reference=data.get("reference") if isinstance(data.get("reference"), str)
                   else None,
                   convoy_minutes=float(band) if band is not None else None)

    @property
    def restricts_plates(self) -> bool:
        return self.plates is not None or bool(self.patterns)

    def check_window(self, window: Window) -> None:
        if not covered(window, self.windows):
            allowed = "; ".join(f"{w.start.isoformat()} .. {w.end.isoformat()}"
                                for w in self.windows)
            raise OutsideScope(f"the window {window.start.isoformat()} .. "
                               f"{window.end.isoformat()} lies outside the order's time "
                               f"({allowed})")

    def check_cameras(self, cameras: Sequence[str] | None) -> None:
        if self.cameras is None:
            return
        if cameras is None:
            raise OutsideScope("the order allows only its own cameras; select cameras "
                               "inside it")
        outside = sorted(set(cameras) - self.cameras)
        if outside:
            shown = ", ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")
            raise OutsideScope(f"{len(outside)} selected camera(s) lie outside the order: "
                               f"{shown}", details={"cameras": outside[:50]})

    def check_plates(self, plates: Iterable[str]) -> None:
        if not self.restricts_plates:
            return
        for plate in plates:
            if self.plates is not None and plate in self.plates:
                continue
            if any(pattern_matches(p, plate) for p in self.patterns):
                continue
            raise OutsideScope(f"plate {plate} is not named in the order")

    def check_pattern(self, pattern: str) -> None:
        if not self.restricts_plates:
            return
        if not any(pattern_within(pattern, p) for p in self.patterns):
            raise OutsideScope(f"pattern {pattern} is not in the order")

    def check_all_plates(self, search: str) -> None:
        """Searches that return every plate (block, common plates) need an order without plates."""
        if self.restricts_plates:
            raise OutsideScope(f"the order names plates; a {search} returns all plates and "
                               "goes beyond it")

    def check(self, *, windows: Sequence[Window] = (), cameras: Sequence[str] | None = None,
              plates: Iterable[str] = (), pattern: str | None = None,
              all_plates: str | None = None, cameras_given: bool = True) -> None:
        """Refuse (OutsideScope) anything a search asks for outside this scope."""
        for w in windows:
            self.check_window(w)
        if cameras_given:
            self.check_cameras(cameras)
        self.check_plates(plates)
        if pattern is not None:
            self.check_pattern(pattern)
        if all_plates:
            self.check_all_plates(all_plates)


def _bad(message: str) -> Window:
    raise BadInput(message)
