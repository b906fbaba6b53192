"""Parse and validate intake records (DESIGN.md section 5) before anything is stored.

One validator serves bulk files and HTTP batches, so a record is judged the same way
whichever door it came through. A record that fails any check raises :class:`Rejected`
with a short machine-readable reason and a message safe to show a camera operator; the
caller stores nothing of it (not its images either). Validation is the hot path of bulk
intake, so it works on plain dicts and tuples and caches everything it asks the
database per import: the registry once, plan membership (R9) once per capture day.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
import struct
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

import psycopg

from anpr import clock
from anpr.settings import IntakeSettings
from camera_registry.membership import cameras_in_plan
from anpr.plates import as_stored

log = logging.getLogger(__name__)

REQUIRED = ("camera", "captured_at", "plate", "lat", "lon", "capture_id")
FIELDS = REQUIRED + ("country", "confidence", "overview", "crop", "alternatives")
#: At most this many alternative candidate reads per passage (the peers' top-N, N = 10).
MAX_ALTERNATIVES = 10

# What a record's text fields may hold (whole values); the API's IntakeRecord schema
# (webmap/intake_api.py) is built from these, so the two say the same.
PLATE_RAW = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .\-]{0,19}")
#: Letters and digits of a plate once normalised (dots, dashes and spaces dropped).
PLATE_MAX = 12
CAPTURE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
COUNTRY = re.compile(r"[A-Za-z]{1,3}")
IMAGE_REF = re.compile(r"[A-Za-z0-9._\-/]{1,255}")
# The Netherlands with a margin for border cameras (KMar) and mobile units just across.
NL_BOUNDS = (2.5, 50.2, 7.8, 54.0)  # min lon, min lat, max lon, max lat
# RD New (EPSG:28992) extent of the Netherlands: x, y in metres.
RD_BOUNDS = (-10_000.0, 280_000.0, 310_000.0, 640_000.0)
MOBILE_MATCH_M = 500.0
MAX_IMAGE_PIXELS = 40_000_000
_REASK = timedelta(seconds=60)
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


class Rejected(Exception):
    """A record that may not be stored; ``reason`` is a stable code, ``message`` is safe."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Passage(NamedTuple):
    """A validated record, ready for the writer; ``captured_at`` is UTC."""

    camera: str
    captured_at: datetime
    plate: str
    plate_raw: str
    country: str | None
    confidence: float | None
    lon: float
    lat: float
    capture_id: str
    overview: str | None
    crop: str | None
    segment_id: int | None
    #: The camera's other candidate reads (normalised) and their confidences, or None.
    alternatives: tuple[str, ...] | None = None
    alternative_confidences: tuple[float, ...] | None = None

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.camera, self.capture_id, self.captured_at)

    def frame(self, image_key: str, crop_key: str | None) -> tuple:
        """The detector frame of this passage's overview photo, as ``enqueue_many`` takes it."""
        return (self.camera, self.captured_at, self.capture_id, image_key, crop_key)


@dataclass(frozen=True)
class CameraInfo:
    id: str
    lon: float
    lat: float
    mobile: bool
    segment_id: int | None
    location_id: int


def load_cameras(conn: psycopg.Connection) -> dict[str, CameraInfo]:
    """Every registered camera with its location's position, read once per import."""
    rows = conn.execute(
        "SELECT c.id, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, "
        "(c.mounting = 'mobile' OR l.mounting = 'mobile') AS mobile, l.segment_id, "
        "l.id AS location_id FROM camera c JOIN location l ON l.id = c.location_id").fetchall()
    return {r["id"]: CameraInfo(r["id"], r["lon"], r["lat"], r["mobile"], r["segment_id"],
                                r["location_id"]) for r in rows}


class RoadMatcher:
    """Nearest road segment for a mobile camera's own position (R-tree in memory).

    Loaded lazily: most imports hold no mobile passages and never pay for it.
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        from shapely import STRtree, from_wkb

        rows = conn.execute("SELECT id, ST_AsBinary(geom) AS wkb FROM road_segment").fetchall()
        self._ids = [r["id"] for r in rows]
        self._tree = STRtree([from_wkb(bytes(r["wkb"])) for r in rows]) if rows else None

    def nearest(self, lon: float, lat: float) -> int | None:
        if self._tree is None:
            return None
        from shapely import Point

        # Degrees are anisotropic here; scale the search radius by latitude (about 1.6x).
        max_deg = MOBILE_MATCH_M / 68_000.0
        idx = self._tree.query_nearest(Point(lon, lat), max_distance=max_deg)
        return self._ids[int(idx[0])] if len(idx) else None


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance; exact enough at a few hundred metres."""
    kx = 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon1 - lon2) * kx, (lat1 - lat2) * 110_574.0)


def _number(value: Any, name: str) -> float:
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, bool) or value is None:
        raise Rejected("bad_" + name, f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Rejected("bad_" + name, f"{name} must be a number") from None
    if not math.isfinite(number):
        raise Rejected("bad_" + name, f"{name} must be a finite number")
    return number


class Validator:
    """Judges records against the registry, the plan, the clock and the limits.

    Built once per import or HTTP batch; ``validate`` raises :class:`Rejected` or returns
    a :class:`Passage`. ``days`` collects the UTC capture days seen, so the writer can
    make sure their partitions exist before it writes.
    """

    def __init__(self, conn: psycopg.Connection, intake: IntakeSettings, retention_days: int,
                 *, now: datetime | None = None,
                 cameras: Mapping[str, CameraInfo] | None = None,
                 allowed: set[str] | None = None) -> None:
        self.conn = conn
        self.limits = intake
        self.now = now or clock.now()
        self.latest = self.now + timedelta(seconds=intake.clock_skew_s)
        # Days up to and including this one are destroyed by retention (R1).
        self.expired_through: date = (self.now - timedelta(days=retention_days)).date()
        self.cameras = dict(cameras) if cameras is not None else load_cameras(conn)
        self.allowed = allowed  # cameras a device key may report for; None = all
        self._plan: dict[date, tuple[datetime, set[str]]] = {}
        self._last_plan: tuple[datetime, datetime, tuple[datetime, set[str]]] | None = None
        self._roads: RoadMatcher | None = None
        self.days: set[date] = set()

    # -- the checks ---------------------------------------------------------------------

    def in_plan(self, camera: str, at: datetime) -> bool:
        """R9 through ``cameras_in_plan``, asked about once per plan day and cached.

        Within one (Amsterdam) plan day membership only grows with time (a publication
        or an amendment takes effect), so a camera found at an earlier moment is in the
        plan later that day too. A camera not found is asked again with the passage's
        own time, at most once a minute: near a publication moment that refuses a few
        passages too many, never one too few.
        """
        hit = self._last_plan
        if hit is not None and hit[0] <= at < hit[1]:  # same plan day as the last record
            cached = hit[2]
        else:
            day = clock.local(at).date()
            cached = self._plan.get(day)
        if cached is not None:
            asked_at, ids = cached
            if at >= asked_at and (camera in ids or at - asked_at < _REASK):
                return camera in ids
        day = clock.local(at).date()
        ids = set(cameras_in_plan(self.conn, at))
        if cached is None or at >= cached[0]:
            self._plan[day] = cached = (at, ids)
            lo = datetime.combine(day, datetime.min.time(), clock.AMSTERDAM).astimezone(clock.UTC)
            hi = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                  clock.AMSTERDAM).astimezone(clock.UTC)
            self._last_plan = (max(lo, at), hi, cached)
        return camera in ids

    def validate(self, rec: Any) -> Passage:
        if type(rec) is not dict and not isinstance(rec, Mapping):
            raise Rejected("malformed", "a record must be an object with the intake fields")
        get = rec.get
        if not (get("camera") and get("captured_at") and get("plate") and get("capture_id")
                and get("lat") not in (None, "") and get("lon") not in (None, "")):
            missing = [f for f in REQUIRED if get(f) in (None, "")]
            raise Rejected("missing_field", f"missing field(s): {', '.join(missing)}")

        camera = rec["camera"]
        if not isinstance(camera, str):
            raise Rejected("unknown_camera", "camera must be the camera's id as a string")
        # A device key's own cameras first: whether another camera is registered is not
        # for a device to learn.
        if self.allowed is not None and camera not in self.allowed:
            raise Rejected("camera_not_allowed",
                           f"this device key may not report for camera {camera[:64]!r}")
        info = self.cameras.get(camera)
        if info is None:
            raise Rejected("unknown_camera", f"camera {camera[:64]!r} is not registered")

        captured_at = self._timestamp(rec["captured_at"])
        day = captured_at.date()
        if not self.in_plan(camera, captured_at):
            raise Rejected("not_in_plan", f"camera {camera!r} is not in the published camera "
                           f"plan at {captured_at.isoformat()} (R9)")

        plate_raw = rec["plate"]
        if not isinstance(plate_raw, str) or not PLATE_RAW.fullmatch(plate_raw):
            raise Rejected("bad_plate", "plate must be 1-20 letters, digits, spaces, dots or "
                           "dashes, starting with a letter or digit")
        plate = as_stored(plate_raw)
        if not 1 <= len(plate) <= PLATE_MAX:
            raise Rejected("bad_plate", "a plate has 1 to 12 letters and digits")

        lon, lat, segment_id = self._position(rec["lon"], rec["lat"], info)

        confidence = rec.get("confidence")
        if confidence in (None, ""):
            confidence = None
        else:
            confidence = _number(confidence, "confidence")
            if not 0.0 <= confidence <= 1.0:
                raise Rejected("bad_confidence", "confidence must lie between 0 and 1")

        capture_id = rec["capture_id"]
        if isinstance(capture_id, int) and not isinstance(capture_id, bool):
            capture_id = str(capture_id)
        if not isinstance(capture_id, str) or not CAPTURE_ID.fullmatch(capture_id):
            raise Rejected("bad_capture_id", "capture_id must be 1-128 characters of "
                           "letters, digits, '.', '_', ':' or '-'")

        country = rec.get("country")
        if country in (None, ""):
            country = None
        elif not isinstance(country, str) or not COUNTRY.fullmatch(country):
            raise Rejected("bad_country", "country must be 1-3 letters (e.g. NL, D, B)")
        else:
            country = country.upper()

        overview = self._image_ref(rec.get("overview"), "overview")
        crop = self._image_ref(rec.get("crop"), "crop")
        raw_alts = rec.get("alternatives")
        alts = confs = None
        if raw_alts not in (None, "", []):
            alts, confs = alternatives(raw_alts, plate)
        self.days.add(day)
        return Passage(camera, captured_at, plate, plate_raw, country, confidence, lon, lat,
                       capture_id, overview, crop, segment_id, alts, confs)

    def _timestamp(self, raw: Any) -> datetime:
        if not isinstance(raw, str):
            raise Rejected("bad_timestamp", "captured_at must be an ISO 8601 string")
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            raise Rejected("bad_timestamp", "captured_at is not ISO 8601") from None
        if at.tzinfo is None or at.utcoffset() is None:
            raise Rejected("naive_timestamp", "captured_at needs an explicit UTC offset "
                           "(e.g. +01:00 or Z)")
        try:
            at = at.astimezone(clock.UTC)
        except OverflowError:  # year 9999 behind UTC or year 1 ahead of it: out of range
            at = (datetime.max if at.year > 1 else datetime.min).replace(tzinfo=clock.UTC)
        if at > self.latest:
            raise Rejected("future_timestamp", "captured_at lies in the future beyond the "
                           "allowed clock skew")
        if at.date() <= self.expired_through:
            raise Rejected("expired_timestamp", "captured_at lies outside the retention "
                           "period; such passages must not be stored (R1)")
        return at

    def _position(self, raw_lon: Any, raw_lat: Any, info: CameraInfo
                  ) -> tuple[float, float, int | None]:
        lon, lat = _number(raw_lon, "lon"), _number(raw_lat, "lat")
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            x0, y0, x1, y1 = RD_BOUNDS
            if x0 <= lon <= x1 and y0 <= lat <= y1:
                raise Rejected("rd_coordinates", "lat/lon look like RD New (EPSG:28992) "
                               "metres; send WGS84 degrees (EPSG:4326)")
            raise Rejected("bad_coordinates", "lat/lon are not WGS84 degrees")
        x0, y0, x1, y1 = NL_BOUNDS
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            swapped = x0 <= lat <= x1 and y0 <= lon <= y1
            raise Rejected("bad_coordinates", "lat and lon appear swapped" if swapped else
                           "the position lies outside the Netherlands")
        if info.mobile:
            if self._roads is None:
                self._roads = RoadMatcher(self.conn)
            return lon, lat, self._roads.nearest(lon, lat)
        distance = _distance_m(lon, lat, info.lon, info.lat)
        if distance > self.limits.max_offset_m:
            raise Rejected("position_far_from_camera",
                           f"the position lies {distance:,.0f} m from the camera's registered "
                           f"location (at most {self.limits.max_offset_m} m)")
        return lon, lat, info.segment_id

    @staticmethod
    def _image_ref(raw: Any, name: str) -> str | None:
        if raw in (None, ""):
            return None
        if (not isinstance(raw, str) or not IMAGE_REF.fullmatch(raw) or raw.startswith("/")
                or ".." in raw.split("/")):
            raise Rejected("bad_image", f"{name} must be a relative file name (no '..')")
        return raw


def _csv_alternatives(raw: str) -> list[dict[str, Any]]:
    """The CSV column form ``PLATE:0.42;PLATE:0.31`` (docs/intake.md) as JSON's list."""
    out = []
    for part in raw.split(";"):
        plate, sep, conf = part.strip().rpartition(":")
        if not sep or not plate:
            raise Rejected("bad_alternatives", "alternatives in CSV are PLATE:confidence "
                           "pairs separated by ';' (e.g. 12ABC3:0.41;12A8C3:0.22)")
        out.append({"plate": plate, "confidence": conf})
    return out


def alternatives(raw: Any, plate: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Validated alternative reads: each ``{plate, confidence}``, the plate validated and
    normalised like the read itself, the confidence 0..1; at most ``MAX_ALTERNATIVES``;
    none equal to the read or to another (that would count one candidate twice)."""
    if isinstance(raw, str):
        raw = _csv_alternatives(raw)
    if not isinstance(raw, list):
        raise Rejected("bad_alternatives", "alternatives must be a list of "
                       "{plate, confidence} objects")
    if len(raw) > MAX_ALTERNATIVES:
        raise Rejected("too_many_alternatives",
                       f"at most {MAX_ALTERNATIVES} alternative reads per passage")
    plates: list[str] = []
    confs: list[float] = []
    for i, alt in enumerate(raw, 1):
        if not isinstance(alt, Mapping):
            raise Rejected("bad_alternatives", f"alternative {i} must be an object with "
                           "plate and confidence")
        alt_raw = alt.get("plate")
        if not isinstance(alt_raw, str) or not PLATE_RAW.fullmatch(alt_raw):
            raise Rejected("bad_alternatives", f"alternative {i}: plate must be 1-20 letters, "
                           "digits, spaces, dots or dashes, starting with a letter or digit")
        alt_plate = as_stored(alt_raw)
        if not 1 <= len(alt_plate) <= PLATE_MAX:
            raise Rejected("bad_alternatives", f"alternative {i}: a plate has 1 to 12 "
                           "letters and digits")
        if alt_plate == plate:
            raise Rejected("bad_alternatives", f"alternative {i} is the read itself")
        if alt_plate in plates:
            raise Rejected("bad_alternatives", f"alternative {i} repeats an earlier one")
        conf = alt.get("confidence")
        if type(conf) is not float:  # JSON's usual form passes straight on
            if conf in (None, ""):
                raise Rejected("bad_alternatives", f"alternative {i} needs a confidence")
            try:
                conf = _number(conf, "alternatives")
            except Rejected:
                raise Rejected("bad_alternatives", f"alternative {i}: confidence must be a "
                               "number") from None
        if not 0.0 <= conf <= 1.0:  # NaN fails this too
            raise Rejected("bad_alternatives", f"alternative {i}: confidence must lie "
                           "between 0 and 1")
        plates.append(alt_plate)
        confs.append(conf)
    return tuple(plates), tuple(confs)


def check_image(data: bytes, max_kb: int, name: str = "image") -> None:
    """Refuse anything that is not a decodable JPEG/PNG/WebP within the size limits."""
    if len(data) > max_kb * 1024:
        raise Rejected("image_too_large", f"{name} is larger than {max_kb} KiB")
    if not data:
        raise Rejected("bad_image", f"{name} is empty")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in IMAGE_FORMATS:
                    raise Rejected("bad_image", f"{name} must be JPEG, PNG or WebP")
                if im.width * im.height > MAX_IMAGE_PIXELS:
                    raise Rejected("image_too_large", f"{name} has too many pixels")
                im.load()  # decodes fully: truncated or corrupt data fails here
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected("image_too_large", f"{name} has too many pixels") from None
    except Exception:  # Pillow raises many kinds for corrupt input
        raise Rejected("bad_image", f"{name} is not a decodable image") from None


# -- reading files ------------------------------------------------------------------------

def read_lines(lines: Iterable[str], fmt: str) -> Iterator[tuple[int, Any]]:
    """(line number, record or Rejected) from JSON Lines or CSV text.

    Parse errors become :class:`Rejected` values rather than exceptions, so one bad line
    is counted and the rest of the file still imports.
    """
    if fmt == "csv":
        reader = csv.DictReader(lines)
        if reader.fieldnames is None:
            return
        absent = [f for f in REQUIRED if f not in reader.fieldnames]
        for row in reader:
            if absent:
                yield reader.line_num, Rejected("missing_field",
                                                f"missing column(s): {', '.join(absent)}")
            elif None in row or any(v is None for v in row.values()):
                yield reader.line_num, Rejected("malformed", "wrong number of CSV columns")
            else:
                yield reader.line_num, row
        return
    loads = json.loads
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield lineno, loads(line)
        except ValueError:
            yield lineno, Rejected("malformed", "the line is not valid JSON")


def detect_format(name: str) -> str:
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise Rejected("malformed", "file must be .jsonl/.ndjson or .csv (optionally .gz)")


# -- rows for COPY -------------------------------------------------------------------------

COLUMNS = ("camera_id", "captured_at", "plate", "plate_raw", "country", "confidence", "geom",
           "capture_id", "overview_key", "crop_key", "segment_id", "alternatives",
           "alternative_confidences")
_EWKB_POINT = struct.Struct("<BIIdd")


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace(
        "\r", "\\r")


def copy_line(p: Passage, overview_key: str | None = None, crop_key: str | None = None) -> str:
    """One row in COPY text format; geometry as hex EWKB, which PostGIS reads fastest.

    Every field has passed validation (restricted alphabets), so only the camera id,
    which comes from the registry, needs escaping.
    """
    geom = _EWKB_POINT.pack(1, 0x20000001, 4326, p.lon, p.lat).hex()
    return "\t".join((
        _copy_text(p.camera), p.captured_at.isoformat(), p.plate, p.plate_raw,
        p.country or "\\N", "\\N" if p.confidence is None else repr(p.confidence), geom,
        p.capture_id, overview_key or "\\N", crop_key or "\\N",
        "\\N" if p.segment_id is None else str(p.segment_id),
        "\\N" if p.alternatives is None else "{" + ",".join(p.alternatives) + "}",
        "\\N" if p.alternative_confidences is None else
        "{" + ",".join(map(repr, p.alternative_confidences)) + "}")) + "\n"
