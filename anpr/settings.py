"""Typed settings, one object per concern, read from the environment once at start-up.

Every setting is declared here with its variable, default and meaning; ``anpr settings``
lists them and ``anpr settings --markdown`` writes docs/settings.md, which a test compares
with this registry. Nothing else in the project reads ``os.environ`` for configuration.
A missing or malformed value raises :class:`ConfigurationError` with the variable name.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from anpr.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


#: Art. 126jj lid 2 Sv: passages are kept at most 28 days (R1); photos and their day keys
#: go with them (R13). A longer setting would keep them unlawfully: refused at start-up.
MAX_RETENTION_DAYS = 28


def _retention_days(raw: str) -> int:
    value = _positive_int(raw)
    if value > MAX_RETENTION_DAYS:
        raise ValueError(f"must be at most {MAX_RETENTION_DAYS} (art. 126jj lid 2 Sv, R1)")
    return value


#: The longest wait between retention runs inside ``anpr serve``: a day's partition is
#: destroyed at the first run after its first passage turns 28 days old, so a longer wait
#: keeps passages and photos past 28 days by up to that much (R1).
MAX_RETENTION_INTERVAL_S = 3600


def _retention_interval(raw: str) -> int:
    if raw.strip() == "0":
        return 0   # the loop off: a timer runs `anpr retention run` instead
    value = _positive_int(raw)
    if value > MAX_RETENTION_INTERVAL_S:
        raise ValueError(f"must be at most {MAX_RETENTION_INTERVAL_S} seconds (or 0 with a "
                         "timer running `anpr retention run`): a longer wait keeps passages "
                         "past 28 days (R1)")
    return value


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


REGISTRY: dict[str, Setting] = {
    s.env: s
    for s in [
        Setting("DATABASE_URL", None,
                "PostgreSQL URL of an existing PostGIS server; when unset the project runs "
                "its own embedded cluster under ANPR_HOME. The web app, intake and the "
                "workers connect with it: give it the anpr_app role (docs/operations.md)."),
        Setting("DATABASE_OWNER_URL", None,
                "With DATABASE_URL: the URL of the anpr_owner role, which migrations and the "
                "demo loader use; unset, they use DATABASE_URL."),
        Setting("DATABASE_RETENTION_URL", None,
                "With DATABASE_URL: the URL of the anpr_retention role, which seals and "
                "destroys expired days; unset, retention uses DATABASE_URL."),
        Setting("DATABASE_AUDITOR_URL", None,
                "With DATABASE_URL: the URL of the read-only anpr_auditor role, which "
                "`anpr audit verify` and `checkpoint` use; unset, they use DATABASE_URL."),
        Setting("ANPR_HOME", str(PROJECT_ROOT / ".anpr"),
                "Folder for the embedded cluster, the local image store and generated secrets."),
        Setting("ANPR_DB_SERVICE_USER", "anpr-db",
                "Unprivileged OS user that owns the embedded cluster when run as root."),
        Setting("ANPR_DB_POOL_SIZE", 8, "Connections per web process.", _positive_int),
        Setting("ANPR_AUDIT_CHECKPOINT_INTERVAL_S", 900,
                "Seconds between signed audit-chain checkpoints inside `anpr serve` (R6); "
                "0 turns the loop off.",
                lambda raw: _positive_int(raw) if raw.strip() != "0" else 0),
        Setting("ANPR_WEB_HOST", "127.0.0.1", "Address the web app listens on."),
        Setting("ANPR_WEB_PORT", 8126, "Port the web app listens on.", _positive_int),
        Setting("ANPR_WEB_THREADS", 8, "Worker threads of the web server.", _positive_int),
        Setting("ANPR_SECRET_KEY", None,
                "Secret for session cookies; generated into ANPR_HOME when unset."),
        Setting("ANPR_MAP_TILE_URL", None,
                "A tile layer the police network serves internally: a URL template with "
                "{z}/{x}/{y}, or a WMTS one (KVP GetTile or REST) with {TileMatrix}, {TileCol} "
                "and {TileRow} in the EPSG:3857 (GoogleMapsCompatible) matrix set, e.g. a "
                "mirror of the national topographic background map; every map (the officers' "
                "map, the request workspace, the public plan map) uses it instead of the "
                "offline vector basemap."),
        Setting("ANPR_MAP_TILE_ATTRIBUTION", "",
                "Attribution shown with ANPR_MAP_TILE_URL's tiles."),
        Setting("ANPR_SECURE_COOKIES", False,
                "Mark cookies Secure (set true behind HTTPS in production).", _bool),
        Setting("ANPR_SESSION_IDLE_MINUTES", 30,
                "A login session ends after this many minutes without a request (R10).",
                _positive_int),
        Setting("ANPR_SESSION_MAX_HOURS", 12,
                "A login session ends this many hours after login, however busy (R10).",
                _positive_int),
        Setting("ANPR_MAX_GEOMETRY_VERTICES", 5000,
                "Largest drawn geometry accepted, in vertices.", _positive_int),
        Setting("ANPR_MAX_SELECTION_KM2", 60000,
                "Largest drawn selection area in km2 (the Netherlands is ~41,500 km2).",
                _positive_int),
        Setting("ANPR_RESULTS_MAX_PAGE", 1000,
                "Most rows or plates in one page of a search's held results "
                "(`/searches/{id}/results`, the search endpoints' `limit`).", _positive_int),
        Setting("ANPR_SEARCH_MAX_RANKED", 10000,
                "Most convoy partners (Q4) or common plates (Q5) one search holds; a run that "
                "finds more is refused (narrow the window, band or sites), never cut.",
                _positive_int),
        Setting("ANPR_RETENTION_DAYS", 28, "Days passages and photos are kept (R1); at most 28.",
                _retention_days),
        Setting("ANPR_PARTITIONS_AHEAD", 3, "Daily passage partitions created ahead.", _positive_int),
        # -- intake, image store, retention runs (ingest/) --
        Setting("ANPR_INTAKE_MAX_BATCH", 5000, "Most records in one HTTP intake request.",
                _positive_int),
        Setting("ANPR_INTAKE_MAX_REQUEST_MB", 64, "Largest HTTP intake request body, in MiB.",
                _positive_int),
        Setting("ANPR_INTAKE_MAX_IMAGE_KB", 2048, "Largest overview photo or plate crop, in KiB.",
                _positive_int),
        Setting("ANPR_INTAKE_CLOCK_SKEW_S", 300,
                "How far in the future a capture time may lie (camera clock skew), seconds.",
                _positive_int),
        Setting("ANPR_INTAKE_MAX_OFFSET_M", 250,
                "Largest distance between a fixed camera's location and a passage's position.",
                _positive_int),
        Setting("ANPR_INTAKE_BATCH_ROWS", 50000, "Rows per COPY transaction in bulk import.",
                _positive_int),
        Setting("ANPR_IMAGE_STORE", "file",
                "Image store: 'file' (under ANPR_IMAGE_DIR) or 's3://bucket/prefix'."),
        Setting("ANPR_IMAGE_DIR", None, "Folder of the file image store; default ANPR_HOME/images."),
        Setting("ANPR_S3_ENDPOINT", None,
                "Endpoint URL of an S3-compatible store (credentials: the usual AWS_* variables)."),
        Setting("ANPR_IMAGE_MASTER_KEY", None,
                "Base64 of 32 bytes wrapping the per-day photo keys (R13); generated into "
                "ANPR_HOME when unset (development only)."),
        Setting("ANPR_RETENTION_INTERVAL_S", 3600,
                "Seconds between retention runs inside `anpr serve`, at most 3600 (R1: a "
                "longer wait keeps passages past 28 days); 0 turns the loop off.",
                _retention_interval),
        # -- detector nodes (detector/) --
        Setting("ANPR_DETECTOR_MODEL", None,
                "Ultralytics weights for detection; default the shipped detector/models/anpr-yolo11n.pt."),
        Setting("ANPR_DETECTOR_CLASS_MAP", None,
                "Map another model's classes onto plate/person/vehicle, e.g. "
                "'person=person,car=vehicle' for COCO weights; unset uses the model's own names."),
        Setting("ANPR_DETECTOR_IMGSZ", 0, "Inference image size; 0 takes it from the model card.",
                lambda raw: _positive_int(raw) if raw.strip() != "0" else 0),
        Setting("ANPR_DETECTOR_PERSON_CONF", 0.05,
                "Score above which a person is blurred (low: a missed person is a breach).", _fraction),
        Setting("ANPR_DETECTOR_CONF", 0.25,
                "Score above which a plate or vehicle is used (cabin blur, plate crop).", _fraction),
        Setting("ANPR_DETECTOR_HOG", False,
                "Also blur what OpenCV's HOG people detector finds (slower, independent).", _bool),
        Setting("ANPR_DETECTOR_SURROUNDINGS", True,
                "Blur everything but the detected vehicles and plates (the whole frame when no "
                "vehicle is found); false blurs only persons, cabins and privacy masks. One "
                "camera is exempted with `anpr detector camera ID --no-surroundings`.", _bool),
        Setting("ANPR_DETECTOR_BATCH", 8, "Frames a worker claims and detects at once.", _positive_int),
        Setting("ANPR_DETECTOR_LEASE_S", 120,
                "Seconds a claimed frame stays with its worker before others may take it.",
                _positive_int),
        Setting("ANPR_DETECTOR_MAX_ATTEMPTS", 5, "Attempts before a frame is set aside.", _positive_int),
        Setting("ANPR_DETECTOR_BACKOFF_S", 10,
                "First retry delay in seconds; doubles with each attempt.", _positive_int),
        Setting("ANPR_DETECTOR_MAX_PIXELS", 50_000_000,
                "Largest frame decoded, in pixels (checked from the header).", _positive_int),
        Setting("ANPR_DETECTOR_KEEP_ORIGINALS", False,
                "Keep unblurred originals after processing (then under retention like any photo).",
                _bool),
        Setting("ANPR_DETECTOR_THREADS", 2, "CPU threads per detector worker.", _positive_int),
    ]
}


def _read(env: Mapping[str, str], name: str) -> Any:
    spec = REGISTRY[name]
    raw = env.get(name)
    if raw is None or raw == "":
        return spec.default
    try:
        return spec.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"setting {name}={raw!r} is invalid: {exc}") from exc


@dataclass(frozen=True)
class DatabaseSettings:
    url: str | None
    home: Path
    service_user: str
    pool_size: int
    audit_checkpoint_interval_s: int = 900
    #: With DATABASE_URL: a URL per role (app, owner, retention, auditor) where set.
    role_urls: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass(frozen=True)
class WebSettings:
    host: str
    port: int
    threads: int
    secret_key: str | None
    secure_cookies: bool
    max_geometry_vertices: int
    max_selection_km2: int
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    map_tile_url: str | None = None
    map_tile_attribution: str = ""
    results_max_page: int = 1000
    search_max_ranked: int = 10000


@dataclass(frozen=True)
class RetentionSettings:
    days: int
    partitions_ahead: int


@dataclass(frozen=True)
class IntakeSettings:
    """Limits of intake and where photos go; defaults match the registry above."""

    max_batch: int = 5000
    max_request_mb: int = 64
    max_image_kb: int = 2048
    clock_skew_s: int = 300
    max_offset_m: int = 250
    batch_rows: int = 50000
    image_store: str = "file"
    image_dir: str | None = None
    s3_endpoint: str | None = None
    master_key: str | None = None
    retention_interval_s: int = 3600


@dataclass(frozen=True)
class DetectorSettings:
    """Detector nodes: model, thresholds, queue behaviour; defaults match the registry."""

    model: str | None = None
    class_map: str | None = None
    imgsz: int = 0
    person_conf: float = 0.05
    conf: float = 0.25
    hog: bool = False
    surroundings: bool = True
    batch: int = 8
    lease_s: int = 120
    max_attempts: int = 5
    backoff_s: int = 10
    max_pixels: int = 50_000_000
    keep_originals: bool = False
    threads: int = 2


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    web: WebSettings
    retention: RetentionSettings
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    extra: dict[str, Any] = field(default_factory=dict)


#: A WMTS template's placeholders (tile matrix set EPSG:3857 / GoogleMapsCompatible, where
#: the matrix is the zoom level and the column and row are x and y) as the maps' {z}/{x}/{y}.
WMTS_PLACEHOLDERS = {"{TileMatrix}": "{z}", "{TileCol}": "{x}", "{TileRow}": "{y}"}


def _tile_url(url: str | None) -> str | None:
    if url is None:
        return None
    for wmts, xyz in WMTS_PLACEHOLDERS.items():
        url = url.replace(wmts, xyz)
    if not url.startswith(("https://", "http://", "/")) or not all(
            part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigurationError("ANPR_MAP_TILE_URL must be an http(s) URL template with "
                                 "{z}, {x} and {y}, or a WMTS one with {TileMatrix}, "
                                 "{TileCol} and {TileRow}")
    return url


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise ConfigurationError naming the bad one."""
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith("ANPR_") and k not in REGISTRY)
    if unknown:
        raise ConfigurationError(f"unknown setting(s): {', '.join(unknown)}; see `anpr settings`")
    url = _read(env, "DATABASE_URL")
    role_urls = {}
    for role, name in (("admin", "DATABASE_URL"), ("app", "DATABASE_URL"),
                       ("owner", "DATABASE_OWNER_URL"), ("retention", "DATABASE_RETENTION_URL"),
                       ("auditor", "DATABASE_AUDITOR_URL")):
        value = _read(env, name)
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ConfigurationError(f"{name} must be a postgresql:// URL")
        if value is not None:
            role_urls[role] = value
    if url is None and len(role_urls) > 0:
        raise ConfigurationError("DATABASE_OWNER_URL, DATABASE_RETENTION_URL and "
                                 "DATABASE_AUDITOR_URL need DATABASE_URL")
    return Settings(
        database=DatabaseSettings(
            url=url,
            role_urls=role_urls,
            home=Path(_read(env, "ANPR_HOME")).resolve(),
            service_user=_read(env, "ANPR_DB_SERVICE_USER"),
            pool_size=_read(env, "ANPR_DB_POOL_SIZE"),
            audit_checkpoint_interval_s=_read(env, "ANPR_AUDIT_CHECKPOINT_INTERVAL_S"),
        ),
        web=WebSettings(
            host=_read(env, "ANPR_WEB_HOST"),
            port=_read(env, "ANPR_WEB_PORT"),
            threads=_read(env, "ANPR_WEB_THREADS"),
            secret_key=_read(env, "ANPR_SECRET_KEY"),
            secure_cookies=_read(env, "ANPR_SECURE_COOKIES"),
            max_geometry_vertices=_read(env, "ANPR_MAX_GEOMETRY_VERTICES"),
            max_selection_km2=_read(env, "ANPR_MAX_SELECTION_KM2"),
            session_idle_minutes=_read(env, "ANPR_SESSION_IDLE_MINUTES"),
            map_tile_url=_tile_url(_read(env, "ANPR_MAP_TILE_URL")),
            map_tile_attribution=_read(env, "ANPR_MAP_TILE_ATTRIBUTION"),
            session_max_hours=_read(env, "ANPR_SESSION_MAX_HOURS"),
            results_max_page=_read(env, "ANPR_RESULTS_MAX_PAGE"),
            search_max_ranked=_read(env, "ANPR_SEARCH_MAX_RANKED"),
        ),
        retention=RetentionSettings(
            days=_read(env, "ANPR_RETENTION_DAYS"),
            partitions_ahead=_read(env, "ANPR_PARTITIONS_AHEAD"),
        ),
        intake=IntakeSettings(
            max_batch=_read(env, "ANPR_INTAKE_MAX_BATCH"),
            max_request_mb=_read(env, "ANPR_INTAKE_MAX_REQUEST_MB"),
            max_image_kb=_read(env, "ANPR_INTAKE_MAX_IMAGE_KB"),
            clock_skew_s=_read(env, "ANPR_INTAKE_CLOCK_SKEW_S"),
            max_offset_m=_read(env, "ANPR_INTAKE_MAX_OFFSET_M"),
            batch_rows=_read(env, "ANPR_INTAKE_BATCH_ROWS"),
            image_store=_read(env, "ANPR_IMAGE_STORE"),
            image_dir=_read(env, "ANPR_IMAGE_DIR"),
            s3_endpoint=_read(env, "ANPR_S3_ENDPOINT"),
            master_key=_read(env, "ANPR_IMAGE_MASTER_KEY"),
            retention_interval_s=_read(env, "ANPR_RETENTION_INTERVAL_S"),
        ),
        detector=DetectorSettings(
            model=_read(env, "ANPR_DETECTOR_MODEL"),
            class_map=_read(env, "ANPR_DETECTOR_CLASS_MAP"),
            imgsz=_read(env, "ANPR_DETECTOR_IMGSZ"),
            person_conf=_read(env, "ANPR_DETECTOR_PERSON_CONF"),
            conf=_read(env, "ANPR_DETECTOR_CONF"),
            hog=_read(env, "ANPR_DETECTOR_HOG"),
            surroundings=_read(env, "ANPR_DETECTOR_SURROUNDINGS"),
            batch=_read(env, "ANPR_DETECTOR_BATCH"),
            lease_s=_read(env, "ANPR_DETECTOR_LEASE_S"),
            max_attempts=_read(env, "ANPR_DETECTOR_MAX_ATTEMPTS"),
            backoff_s=_read(env, "ANPR_DETECTOR_BACKOFF_S"),
            max_pixels=_read(env, "ANPR_DETECTOR_MAX_PIXELS"),
            keep_originals=_read(env, "ANPR_DETECTOR_KEEP_ORIGINALS"),
            threads=_read(env, "ANPR_DETECTOR_THREADS"),
        ),
    )


def markdown() -> str:
    """``docs/settings.md``: every setting of the registry with its default and meaning,
    generated so that the document cannot drift from the code (a test compares them)."""
    def shown(default: Any) -> str:
        if default is None:
            return "unset"
        text = str(default)
        if text.startswith(str(PROJECT_ROOT)):
            text = text[len(str(PROJECT_ROOT)) + 1:]
        return f"`{text}`" if text else "empty"

    lines = ["# Settings", "",
             "Generated by `anpr settings --markdown` from `anpr/settings.py`; do not edit.",
             "", "All settings come from the environment and are validated at start-up: a "
             "wrong value or an unknown `ANPR_*` variable stops the program with its name.",
             "", "| variable | default | meaning |", "| --- | --- | --- |"]
    for spec in REGISTRY.values():
        meaning = " ".join(spec.help.split()).replace("|", "\\|")
        lines.append(f"| `{spec.env}` | {shown(spec.default)} | {meaning} |")
    return "\n".join(lines) + "\n"
