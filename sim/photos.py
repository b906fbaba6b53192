"""Demo photos: an overview photo and a plate crop for the passages an officer will open.

Without photos the demo cannot show the officer's real work: every read to verify says
"geen uitsnede" and photo approval has nothing to approve. So the demo loader gives a
chosen set of passages (:class:`PhotoPlan`: every planted passage, then the crime sites'
windows, then the busiest locations) the two photos a camera sends, drawn by the
detector's own scene renderer (:mod:`detector.render`): the overview with the vehicle's
plate on the nearest car, in the light of the capture hour (infrared at night), and the
plate crop. The plate on both is the vehicle's; the read stored is what the camera's OCR
made of it, and a few per cent of reads are deliberately wrong (``B`` read as ``8``,
``0`` as ``O``): the misreads verification exists to catch (R7). The planted cases get
misreads of their own: a passage of another vehicle read as the case's plate (an ``8``
where the crop shows a ``3``), found by a plain plate search and rejected against its
crop. The ground truth lists every misread.

Nothing here takes a short cut around the product: the passages and their photos go
through HTTP intake's own batch function (:func:`ingest.intake.intake_batch`: the
validator, the encrypted photo vault, the writer and the detector queue), and the
detector nodes ``anpr detector work`` runs (:func:`detector.worker.make_node`) blur them
while the loader is still rendering, so a photo is shown only as the detector blurred it
(R8).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

import numpy as np
import psycopg
from tqdm import tqdm

from anpr import clock
from anpr.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PHOTOS = 2000
DEFAULT_NODES = 2  # detector nodes beside the rendering: one per core of the 2-core machine
#: Share of photographed background passages whose read is deliberately wrong.
MISREAD_SHARE = 0.03
#: What OCR makes of a character that looks like another (DESIGN Qm's equivalences).
LOOKALIKE = {"B": "8", "8": "B", "D": "0", "0": "O", "O": "0", "S": "5", "5": "S",
             "Z": "2", "2": "Z", "G": "6", "6": "G", "1": "I", "I": "1"}
#: Digits OCR confuses with each other: another vehicle's real plate that reads as a
#: case's plate stays a valid Dutch plate.
DIGIT_LOOKALIKE = {"0": "8", "1": "7", "2": "7", "3": "8", "4": "1", "5": "6", "6": "5",
                   "7": "1", "8": "3", "9": "8"}
#: Weather and light by day; from 22:00 to 06:00 local time cameras photograph in infrared.
DAY_CONDITIONS = (("day", 0.70), ("rain", 0.10), ("low_light", 0.08), ("motion_blur", 0.07),
                  ("small_plates", 0.05))
INTAKE_CHUNK = 50


def misread(plate: str, rng: np.random.Generator) -> str:
    """``plate`` with one look-alike character read wrong (the camera's OCR error)."""
    table = LOOKALIKE if any(ch in LOOKALIKE for ch in plate) else DIGIT_LOOKALIKE
    spots = [i for i, ch in enumerate(plate) if ch in table]
    if not spots:
        return plate  # nothing on it looks like anything else
    i = int(rng.choice(spots))
    return plate[:i] + table[plate[i]] + plate[i + 1:]


def lookalike_vehicle(plate: str, rng: np.random.Generator, taken: set[str]) -> str:
    """A real plate of another vehicle that a camera reads as ``plate`` (one digit that
    looks like the read one), none of ``taken``."""
    spots = [i for i, ch in enumerate(plate) if ch in DIGIT_LOOKALIKE]
    for i in rng.permutation(spots).tolist():
        other = plate[:i] + DIGIT_LOOKALIKE[plate[i]] + plate[i + 1:]
        if other not in taken:
            return other
    raise ValueError(f"no look-alike plate for {plate}")


def condition_at(at: datetime, rng: np.random.Generator) -> str:
    hour = clock.local(at).hour
    if hour >= 22 or hour < 6:
        return "night_ir"
    names, shares = zip(*DAY_CONDITIONS)
    return str(rng.choice(names, p=np.array(shares) / sum(shares)))


@dataclass
class Shot:
    """One photographed passage: its intake record and the plate its photos show."""

    record: dict[str, Any]
    plate: str                    # the vehicle's plate, on the overview and the crop
    case: str | None = None       # the planted case it belongs to

    @property
    def misread(self) -> bool:
        return self.record["plate"] != self.plate


@dataclass
class PhotoPlan:
    """Which passages of a demo window get photos, decided before any passage is written.

    Every planted passage first (with the planted misreads), then each crime site's
    window (the block query of the case), then the busiest locations over the whole
    window, until ``budget`` passages are chosen. Background passages are picked in the
    generator's own pass (:meth:`take`); the rest go to COPY as before.
    """

    budget: int
    site_quota: dict[int, int] = field(default_factory=dict)      # site index -> passages
    busy_quota: dict[str, int] = field(default_factory=dict)      # location code -> passages
    sites: list[tuple[set[int], int, int]] = field(default_factory=list)  # cameras, from, to us
    camera_location: list[str] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    @classmethod
    def make(cls, budget: int, generator, start: datetime, end: datetime, per_day: int,
             planted_records: list[dict[str, Any]], truth: dict[str, Any], *,
             seed: int) -> PhotoPlan:
        from sim.traffic import to_us

        registry_loc = {c.id: c.location_code for c in generator.registry.cameras}
        plan = cls(budget, camera_location=[registry_loc[c] for c in generator.camera_ids],
                   rng=np.random.default_rng([seed, 15]))
        index = {c: i for i, c in enumerate(generator.camera_ids)}
        for site in truth["crime_sites"]["sites"]:
            plan.sites.append(({index[c] for c in site["cameras"]},
                               to_us(datetime.fromisoformat(site["from"])),
                               to_us(datetime.fromisoformat(site["to"]))))
        plan._plant(planted_records, truth, generator, to_us(start), to_us(end))
        left = budget - len(plan.shots)
        if left <= 0:
            del plan.shots[budget:]
            return plan
        # What is there to photograph: one counting pass of the (deterministic) generator.
        site_n = [0] * len(plan.sites)
        loc_n = np.zeros(len(generator.camera_ids), np.int64)
        for batch in generator.generate(start, end, per_day):
            loc_n += np.bincount(batch.camera, minlength=loc_n.shape[0])
            for s, (cams, lo, hi) in enumerate(plan.sites):
                hit = np.isin(batch.camera, list(cams)) & (batch.captured_at >= lo) & \
                    (batch.captured_at < hi)
                site_n[s] += int(hit.sum())
        for s, n in enumerate(site_n):
            plan.site_quota[s] = take = min(n, left)
            left -= take
        site_codes = {plan.camera_location[next(iter(cams))] for cams, _, _ in plan.sites}
        per_location: dict[str, int] = {}
        for cam, n in enumerate(loc_n.tolist()):
            code = plan.camera_location[cam]
            per_location[code] = per_location.get(code, 0) + n
        for code, n in sorted(per_location.items(), key=lambda kv: (-kv[1], kv[0])):
            if left <= 0:
                break
            if code in site_codes or n == 0:
                continue
            plan.busy_quota[code] = take = min(n, left)
            left -= take
        return plan

    def _plant(self, records: list[dict[str, Any]], truth: dict[str, Any], generator,
               lo: int, hi: int) -> None:
        """The planted passages, and per case one passage of another vehicle read as the
        case's plate (a misread a plain plate search finds)."""
        cases = {truth["convoy"]["lead"]: "convoy lead", truth["convoy"]["follower"]: "convoy follower",
                 truth["convoy"]["commuter"]: "convoy commuter", truth["detour"]["plate"]: "detour",
                 truth["duplicate"]["plate"]: "duplicate"}
        for plate, sites in truth["crime_sites"]["plates"].items():
            cases.setdefault(plate, f"crime sites {sites}")
        # The cases' own passages first, then their look-alike misreads, then the rest
        # (the planted misread vehicles), so a small budget still photographs the cases.
        for r in records:
            if r["plate"] in cases:
                self.shots.append(Shot(dict(r), r["plate"], cases[r["plate"]]))
        rest = [r for r in records if r["plate"] not in cases]
        taken = set(cases)
        crime = truth["crime_sites"]["at_3_sites"][0]
        site_no = truth["crime_sites"]["plates"][crime][0]
        targets = [(truth["convoy"]["lead"], None), (truth["detour"]["plate"], None),
                   (crime, site_no)]
        for n, (plate, site) in enumerate(targets):
            if site is not None:  # at one of the plate's own sites: the sites it is seen at stay
                cams, t0, t1 = self.sites[site - 1]
                cam = int(self.rng.choice(sorted(cams)))
            else:  # anywhere traffic passes (a camera of the published plan, R9)
                cam, t0, t1 = int(self.rng.choice(generator.group_cams)), lo, hi
            us = int(self.rng.integers(t0, t1))
            other = lookalike_vehicle(plate, self.rng, taken)
            taken.add(other)
            record = {
                "camera": generator.camera_ids[cam],
                "captured_at": datetime.fromtimestamp(us / 1e6, clock.UTC).isoformat(),
                "plate": plate, "country": "NL",
                "confidence": round(float(self.rng.uniform(0.62, 0.8)), 3),
                "lat": round(float(generator.cam_lat[cam]), 7),
                "lon": round(float(generator.cam_lon[cam]), 7),
                "capture_id": f"{us}-m{n}"}
            self.shots.append(Shot(record, other, cases[plate]))
        # a planted misread's crop shows the vehicle's true plate (what the officer sees)
        true_of = {x["capture_id"]: plate
                   for plate, v in truth.get("misreads", {}).get("vehicles", {}).items()
                   for x in v["misread"]}
        for r in rest:
            self.shots.append(Shot(dict(r), true_of.get(r["capture_id"], r["plate"]), None))

    def take(self, batch) -> Iterable[dict[str, Any]]:
        """The batch's records not chosen for photos; the chosen ones join ``shots``."""
        for rec, cam, us in zip(batch.to_records(), batch.camera.tolist(),
                                batch.captured_at.tolist()):
            if self._wanted(cam, us):
                shot = Shot(rec, rec["plate"])
                if self.rng.random() < MISREAD_SHARE:
                    rec["plate"] = misread(shot.plate, self.rng)
                    rec["confidence"] = round(float(self.rng.uniform(0.55, 0.85)), 3)
                self.shots.append(shot)
            else:
                yield rec

    def _wanted(self, cam: int, us: int) -> bool:
        for s, (cams, lo, hi) in enumerate(self.sites):
            if cam in cams and lo <= us < hi:
                if self.site_quota.get(s, 0) > 0:
                    self.site_quota[s] -= 1
                    return True
                return False
        code = self.camera_location[cam]
        if self.busy_quota.get(code, 0) > 0:
            self.busy_quota[code] -= 1
            return True
        return False

    def truth(self) -> dict[str, Any]:
        """What the ground truth says about the photos: where, and every misread."""
        return {"passages": len(self.shots),
                "misreads": [{"read": s.record["plate"], "plate_on_crop": s.plate,
                              "case": s.case, "camera": s.record["camera"],
                              "at": s.record["captured_at"], "capture_id": s.record["capture_id"],
                              "scene": i}
                             for i, s in enumerate(self.shots) if s.misread]}


def camera_photos(shot: Shot, index: int, seed: int, facing: str) -> tuple[bytes, bytes]:
    """The overview and the plate crop of the plan's ``index``-th passage, as its camera
    sends them (JPEG); the same arguments give the same bytes."""
    from detector.frames import encode_jpeg
    from detector.render import printed_plate, render_plate_crop, render_scene

    at = datetime.fromisoformat(shot.record["captured_at"])
    rng = np.random.default_rng([seed, 15, index])
    condition = condition_at(at, rng)
    printed = printed_plate(shot.plate)
    scene = render_scene(seed, "demo", index, condition=condition, facing=facing, plate=printed)
    crop = render_plate_crop(printed, seed, "demo-crop", index, condition=condition)
    return encode_jpeg(scene.image), encode_jpeg(crop, 95)


def open_nodes(settings: Settings, url: str, workers: int = DEFAULT_NODES) -> tuple[Any, list]:
    """The photo vault and the detector nodes, made before anything is loaded: a node that
    cannot start (no face source, no plate reader) stops the load before its window's
    traffic is written, so a second run is not skipped with no photos."""
    from detector.worker import make_node
    from ingest.images import open_vault

    vault = open_vault(settings, url)  # one vault for intake and the detector nodes
    return vault, [make_node(settings, url, vault, name=f"demo-loader-{i + 1}")
                   for i in range(workers)]


def store_and_blur(conn: psycopg.Connection, settings: Settings, url: str,
                   shots: list[Shot], *, seed: int, vault, nodes: list,
                   progress: bool = False) -> dict[str, Any]:
    """Render each shot's photos and send them through intake; the detector ``nodes``
    blur them meanwhile, and this returns once every photo is blurred or set aside."""
    from ingest.intake import intake_batch
    from ingest.records import load_cameras

    facing = {r["id"]: r["facing"] for r in
              conn.execute("SELECT id, facing::text AS facing FROM camera")}
    cameras = load_cameras(conn)
    started = time.perf_counter()
    stored = tqdm(total=len(shots), unit="photos", desc="demo photos", position=0,
                  disable=not progress)
    blurred = tqdm(total=len(shots), unit="photos", desc="blurred by the detector",
                   position=1, disable=not progress)
    produced = threading.Event()
    errors: list[BaseException] = []

    def run_node(worker) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as wconn:
                while True:
                    n = worker.run_once(wconn)
                    blurred.update(n)
                    if n == 0:
                        # done when every frame is: a frame retried later (back-off) or
                        # held by another node still counts
                        if produced.is_set() and not wconn.execute(
                                "SELECT EXISTS (SELECT 1 FROM detector_frame WHERE state IN "
                                "('queued', 'processing'))").fetchone()[0]:
                            return
                        time.sleep(0.2)
        except BaseException as exc:  # noqa: BLE001 - reported by the loader below
            errors.append(exc)

    threads = [threading.Thread(target=run_node, args=(w,), daemon=True) for w in nodes]
    for t in threads:
        t.start()
    accepted = duplicates = 0
    try:
        for lo in range(0, len(shots), INTAKE_CHUNK):
            records, images = [], {}
            for i, shot in enumerate(shots[lo:lo + INTAKE_CHUNK], start=lo):
                overview, crop = camera_photos(shot, i, seed, facing.get(shot.record["camera"], "front"))
                name = shot.record["capture_id"]
                images[f"{name}.jpg"], images[f"{name}-crop.jpg"] = overview, crop
                records.append({**shot.record, "overview": f"{name}.jpg",
                                "crop": f"{name}-crop.jpg"})
            outcome = intake_batch(conn, records, images, settings, allowed=None, vault=vault,
                                   cameras=cameras)
            conn.commit()
            accepted += outcome.accepted
            duplicates += outcome.duplicates
            stored.update(len(records))
            if errors:
                break
    finally:
        produced.set()
        for t in threads:
            t.join()
        stored.close()
        blurred.close()
    if errors:
        raise errors[0]
    states = {r["state"]: r["n"] for r in conn.execute(
        "SELECT state::text AS state, count(*) AS n FROM detector_frame GROUP BY 1")}
    return {"photos": accepted, "already_stored": duplicates,
            "misreads": sum(s.misread for s in shots),
            "detector_frames": states, "detector_nodes": len(nodes),
            "seconds": round(time.perf_counter() - started, 1)}

