"""Load the demo region: the road network, the camera registry and generated traffic.

Idempotent: the network and the registry are loaded once; traffic for a window that
already holds passages is not loaded again. The planted cases' ground truth is written
to ``ANPR_HOME/demo_ground_truth.json`` so an analyst can check the searches against it.
With ``photos``, that many passages get an overview photo and a plate crop, through
intake and the detector (:mod:`sim.photos`).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import psycopg
from tqdm import tqdm

from anpr import clock
from anpr.settings import Settings
from camera_registry.loader import load_registry, registry_loaded
from gis.network_loader import load_road_network, network_loaded
from ingest.bulk import copy_records
from ingest.partitions import ensure_partition

log = logging.getLogger(__name__)


def load_demo(conn: psycopg.Connection, settings: Settings, *, hours: float = 6.0,
              per_day: int = 200_000, seed: int = 126, traffic: bool = True,
              progress: bool = False, end: datetime | None = None, photos: int = 0,
              photo_workers: int = 2, url: str | None = None) -> dict[str, Any]:
    from sim.registry import generate_registry
    from gis.roadnet import load_network

    network = load_network()
    summary: dict[str, Any] = {}
    if not network_loaded(conn):
        summary["road_network"] = load_road_network(conn, network)
    else:
        summary["road_network"] = "already loaded"
    registry = generate_registry(network, seed=seed)
    if not registry_loaded(conn):
        summary["registry"] = load_registry(conn, registry)
    else:
        summary["registry"] = "already loaded"
    # R9: only cameras in this year's published plan store passages (and last year's
    # plan gives the diff something to show).
    from sim.plans import publish_demo_plans

    summary["camera_plans"] = publish_demo_plans(
        conn, registry, clock.local(end or clock.now()).year)
    summary["accounts"] = demo_accounts(conn, settings.database.home)
    conn.commit()
    if not traffic:
        return summary

    end = (end or clock.now()).replace(microsecond=0)
    start = end - timedelta(hours=hours)
    if start < end - timedelta(days=settings.retention.days):
        start = end - timedelta(days=settings.retention.days) + timedelta(hours=1)
    summary["traffic"] = load_traffic(conn, network, registry, start, end, per_day=per_day,
                                      seed=seed, progress=progress,
                                      truth_path=settings.database.home / "demo_ground_truth.json",
                                      photos=photos, photo_workers=photo_workers,
                                      settings=settings, url=url)
    return summary


def load_traffic(conn: psycopg.Connection, network, registry, start: datetime, end: datetime,
                 *, per_day: int, seed: int, progress: bool = False,
                 truth_path=None, photos: int = 0, photo_workers: int = 2,
                 settings: Settings | None = None, url: str | None = None) -> dict[str, Any]:
    """Generate background traffic plus the planted cases for [start, end) and COPY it in.

    With ``photos``, the passages a :class:`~sim.photos.PhotoPlan` chooses go
    through intake with their photos instead, and detector nodes blur them."""
    from sim.traffic import TrafficGenerator

    existing = conn.execute(
        "SELECT count(*) AS n FROM jj126.passage WHERE captured_at >= %s AND captured_at < %s",
        (start, end)).fetchone()["n"]
    if existing:
        return {"skipped": f"{existing} passages already stored in {start:%Y-%m-%d %H:%M}"
                           f"..{end:%Y-%m-%d %H:%M} UTC"}
    for day in clock.utc_days(start, end):
        ensure_partition(conn, day)
    generator = TrafficGenerator(network, registry, seed=seed)
    planted, truth = generator.plant_cases(start, end, seed=seed)
    planted_records = list(planted.to_records())
    plan = None
    if photos > 0:
        from sim.photos import PhotoPlan, open_nodes

        if settings is None:
            raise ValueError("demo photos need the settings (photo vault, detector)")
        url = url or _url_of(conn)
        vault, nodes = open_nodes(settings, url, photo_workers)
        plan = PhotoPlan.make(photos, generator, start, end, per_day, planted_records, truth,
                              seed=seed)
        chosen = {s.record["capture_id"] for s in plan.shots}
        planted_records = [r for r in planted_records if r["capture_id"] not in chosen]
    # Traffic follows a daily profile, so the count for a partial day is not known ahead.
    bar = tqdm(unit="passages", unit_scale=True, desc="demo traffic", disable=not progress)
    loaded = 0
    from sim.traffic import MISREAD_SHARE

    # A few per cent of the background read with a confusable character (issue 18).
    for batch in generator.generate(start, end, per_day, misreads=MISREAD_SHARE):
        n = copy_records(conn, batch.to_records() if plan is None else plan.take(batch))
        loaded += n
        bar.update(n)
    bar.close()
    loaded_planted = copy_records(conn, planted_records)
    conn.commit()
    photo_summary = None
    if plan is not None:
        from sim.photos import store_and_blur

        photo_summary = store_and_blur(conn, settings, url, plan.shots, seed=seed,
                                       vault=vault, nodes=nodes, progress=progress)
        truth["photos"] = plan.truth()
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth_path.write_text(json.dumps(truth, indent=2, default=str))
    out = {"window": [start.isoformat(), end.isoformat()], "passages": loaded,
           "planted_passages": loaded_planted, "ground_truth": str(truth_path)}
    if photo_summary is not None:
        out["photos"] = photo_summary
    return out


def _url_of(conn: psycopg.Connection) -> str:
    """A URL for more connections to the loader's database (detector nodes, the keyring)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(conn.info.dsn, password=conn.info.password) \
        if conn.info.password else conn.info.dsn


DEMO_ACCOUNTS = [
    ("demo.officer", "Demo Geautoriseerd Opsporingsambtenaar", "officer", "MN"),
    ("demo.officer2", "Demo Collega Opsporingsambtenaar", "officer", "MN"),
    ("demo.analyst", "Demo Analist", "analyst", "MN"),
    ("demo.editor", "Demo Cameraplan-redacteur", "plan_editor", None),
    ("demo.auditor", "Demo Privacy-auditor", "auditor", None),
    ("demo.admin", "Demo Beheerder", "admin", None),
]


def demo_accounts(conn: psycopg.Connection, home) -> dict[str, Any]:
    """One account per role for trying the demo; passwords generated once, kept 0600.

    A demo only: production accounts are made personally with ``anpr accounts add``.
    """
    import secrets

    from anpr import accounts

    path = home / "demo_accounts.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    made = []
    for username, name, role, unit in DEMO_ACCOUNTS:
        exists = conn.execute("SELECT id FROM account WHERE username = %s", (username,)).fetchone()
        if exists and username in known:
            continue
        password = secrets.token_urlsafe(12)
        if exists:
            accounts.set_password(conn, exists["id"], password, "demo-loader")
        else:
            accounts.create(conn, username, name, role, password, unit_code=unit,
                            granted_by="demo-loader")
        known[username] = {"role": role, "password": password}
        made.append(username)
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return {"file": str(path), "created_or_reset": made,
            "log_in_as": {u: v["role"] for u, v in known.items()}}

