"""Registry import and export as GeoPackage or GeoJSON, so an editor can work in QGIS.

Why a dry run first: an import may touch hundreds of locations; the editor must see what
would change (created, updated field by field, unchanged) before anything changes. An
import with any problem (invalid or misplaced geometry, a CRS other than WGS84, duplicate
ids, unknown units or criteria, names outside the naming scheme) is refused as a whole,
listing every problem; nothing is written. Applied changes go through
camera_registry.registry, so each lands in the history with the importing editor; so does
a changed standing motivation (``location_motivation``), by the editor's rule: a rewritten
criteria or motivation voids the prosecutor's signature unless the row carries a new
signing date. The dry run lists those changes (``motivations``) and the signatures voided.

Layers: ``locations`` (Point; code, name, unit_code, road, hectometre, owner, mounting and
the standing plan motivation: criteria, motivation, prosecutor, signed_on, claimed_by)
and ``cameras`` (LineString lane or no geometry; id, location_code, bearing, inout, lane,
mounting, facing, active_from, active_to). A GeoJSON file holds one layer. The
GeoPackage (version 1.2) has DATE columns for signed_on, active_from and active_to, as the
plan layer has; GeoJSON carries them as ISO dates, which GDAL reads as Date.
"""
from __future__ import annotations

import math
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from anpr.errors import BadInput
from camera_registry import registry
from camera_registry.plans import CRITERIA

LOCATION_COLUMNS = ("code", "name", "unit_code", "road", "hectometre", "owner", "mounting",
                    "criteria", "motivation", "prosecutor", "signed_on", "claimed_by")
CAMERA_COLUMNS = ("id", "location_code", "bearing", "inout", "lane", "mounting", "facing",
                  "active_from", "active_to")
ACCEPTED_CRS = {"EPSG:4326", "OGC:CRS84"}
MAX_PROBLEMS = 200
#: Columns written as GeoPackage DATE (not TEXT), as the plan layer's dates are.
DATE_COLUMNS = {"signed_on", "active_from", "active_to"}
#: Numbers: REAL and INTEGER columns (the rest is text).
REAL_COLUMNS = {"hectometre", "bearing"}
INT_COLUMNS = {"lane"}
#: The geometry type of each layer (a camera without a drawn lane has none).
GEOMETRY_TYPES = {"locations": "Point", "cameras": "LineString"}
#: GeoPackage version written: 1.2, which Debian 12's GDAL (QGIS LTR's) reads without the
#: "partially supported" warning it gives 1.4 (camera_registry.publication.GPKG_VERSION).
GPKG_VERSION = "1.2"


def _frames(conn: psycopg.Connection):
    import geopandas as gpd
    from shapely import wkb

    with conn.cursor(row_factory=dict_row) as cur:
        locs = cur.execute("""
            SELECT l.code, l.name, l.unit_code, l.road, l.hectometre::float AS hectometre,
                   l.owner::text AS owner, l.mounting::text AS mounting,
                   array_to_string(m.criteria, ',') AS criteria, m.motivation, m.prosecutor,
                   m.signed_on::text AS signed_on, m.claimed_by, ST_AsBinary(l.geom) AS g
              FROM location l LEFT JOIN location_motivation m ON m.location_id = l.id
             ORDER BY l.code""").fetchall()
        cams = cur.execute("""
            SELECT c.id, l.code AS location_code, c.bearing::float AS bearing,
                   c.inout::text AS inout, c.lane::int AS lane, c.mounting::text AS mounting,
                   c.facing::text AS facing, c.active_from::text AS active_from,
                   c.active_to::text AS active_to, ST_AsBinary(c.lane_geom) AS g
              FROM camera c JOIN location l ON l.id = c.location_id ORDER BY c.id""").fetchall()

    def frame(rows, columns):
        geoms = [wkb.loads(bytes(r["g"])) if r["g"] is not None else None for r in rows]
        return gpd.GeoDataFrame([{k: r[k] for k in columns} for r in rows], columns=list(columns),
                                geometry=geoms, crs="EPSG:4326")

    return frame(locs, LOCATION_COLUMNS), frame(cams, CAMERA_COLUMNS)


def _write_gpkg_layer(path: Path, layer: str, frame: Any, append: bool) -> None:
    """One layer with real DATE columns: pyogrio's data frames know no date type (a
    ``datetime.date`` or ISO text becomes TEXT), so the columns go in as numpy arrays, as
    :func:`camera_registry.publication._write_gpkg` writes the plan layer."""
    import numpy as np
    import shapely
    from pyogrio.raw import write

    names = [c for c in frame.columns if c != "geometry"]
    columns = []
    for name in names:
        # pandas puts NaN for a missing value in a column of text (a location without a
        # signature date among signed ones): None it is, or numpy cannot read it as a date
        values = [_clean(v) if not isinstance(v, str) else v for v in frame[name].tolist()]
        if name in DATE_COLUMNS:
            columns.append(np.array([v or "NaT" for v in values], dtype="datetime64[D]"))
        elif name in REAL_COLUMNS:
            columns.append(np.array([np.nan if v is None else v for v in values], dtype="float64"))
        elif name in INT_COLUMNS:  # never null (the schema requires a lane number)
            columns.append(np.array(values, dtype="int64"))
        else:
            columns.append(np.array(values, dtype=object))
    geoms = np.array([None if g is None else shapely.to_wkb(g) for g in frame.geometry],
                     dtype=object)
    write(str(path), geoms, columns, fields=names, layer=layer, driver="GPKG",
          geometry_type=GEOMETRY_TYPES[layer], crs="EPSG:4326", append=append,
          **({} if append else {"dataset_options": {"VERSION": GPKG_VERSION}}))


def export_registry(conn: psycopg.Connection, fmt: str, layer: str = "locations") -> bytes:
    """The registry as a GeoPackage (both layers, dates as DATE columns) or GeoJSON (one
    layer, dates as ISO text, which GDAL reads as Date)."""
    if fmt not in ("gpkg", "geojson"):
        raise BadInput("export format is gpkg or geojson")
    if layer not in ("locations", "cameras"):
        raise BadInput("layer is locations or cameras")
    locs, cams = _frames(conn)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"registry.{fmt}"
        if fmt == "gpkg":
            _write_gpkg_layer(path, "locations", locs, append=False)
            _write_gpkg_layer(path, "cameras", cams, append=True)
        else:
            (locs if layer == "locations" else cams).to_file(path, driver="GeoJSON",
                                                             engine="pyogrio")
        return path.read_bytes()


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ == "NaTType":  # an empty DATE column read back (pandas.NaT)
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        return value.strip() or None
    return value


def _read(path: Path, problems: list[str]) -> dict[str, Any]:
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL's own errors: say what we can
        raise BadInput(f"the file cannot be read as GeoPackage or GeoJSON: {exc}") from None
    if path.suffix.lower() in (".geojson", ".json"):
        first = pyogrio.read_dataframe(path, layer=layers[0])
        kind = "cameras" if "location_code" in first.columns else "locations"
        wanted = {kind: layers[0]}
    else:
        wanted = {k: k for k in ("locations", "cameras") if k in layers}
        if not wanted:
            raise BadInput("the GeoPackage has neither a 'locations' nor a 'cameras' layer")
    frames = {}
    for kind, name in wanted.items():
        info = pyogrio.read_info(path, layer=name)
        crs = info.get("crs")
        if crs not in ACCEPTED_CRS:
            problems.append(f"{kind}: coordinate reference system {crs or 'missing'} is not "
                            "WGS84 (EPSG:4326); reproject the layer before importing")
            continue
        frames[kind] = pyogrio.read_dataframe(path, layer=name)
    return frames


def plan_import(conn: psycopg.Connection, path: Path | str) -> dict[str, Any]:
    """What importing ``path`` would change, and every problem that blocks it."""
    path = Path(path)
    problems: list[str] = []
    frames = _read(path, problems)
    units = {r["code"] for r in conn.execute("SELECT code FROM unit").fetchall()}
    existing_locs = {r["code"]: r for r in conn.execute(
        "SELECT code FROM location").fetchall()}
    report: dict[str, Any] = {"locations": {"create": [], "update": [], "unchanged": 0},
                              "cameras": {"create": [], "update": [], "unchanged": 0}}
    loc_rows: list[dict[str, Any]] = []
    cam_rows: list[dict[str, Any]] = []
    if "locations" in frames:
        df = frames["locations"]
        missing = {"code", "name", "unit_code"} - set(df.columns)
        if missing:
            problems.append(f"locations: missing column(s) {', '.join(sorted(missing))}")
        else:
            dup = df["code"][df["code"].duplicated()].unique().tolist()
            problems += [f"locations: duplicate code {c}" for c in dup]
            for i, row in df.iterrows():
                rec = {k: _clean(row.get(k)) for k in LOCATION_COLUMNS if k in df.columns}
                where = f"locations row {i + 1} ({rec.get('code')})"
                geom = row.geometry
                if geom is not None and not geom.is_empty and not geom.is_valid:
                    problems.append(f"{where}: invalid geometry")
                    continue
                if geom is None or geom.is_empty or geom.geom_type != "Point":
                    problems.append(f"{where}: geometry must be a point")
                    continue
                try:
                    registry.check_point(geom.x, geom.y)
                except BadInput as exc:
                    problems.append(f"{where}: {exc.message}")
                    continue
                if rec.get("unit_code") not in units:
                    problems.append(f"{where}: unknown unit {rec.get('unit_code')!r}")
                    continue
                try:
                    registry.check_location_code(rec.get("code"), rec["unit_code"])
                except BadInput as exc:
                    problems.append(f"{where}: {exc.message}")
                crit = [c.strip() for c in (rec.get("criteria") or "").split(",") if c.strip()]
                bad = [c for c in crit if c not in CRITERIA]
                if bad:
                    problems.append(f"{where}: unknown criteria {', '.join(bad)} (a, b or c)")
                if rec.get("signed_on"):
                    try:
                        date.fromisoformat(str(rec["signed_on"]))
                    except ValueError:
                        problems.append(f"{where}: signed_on {rec['signed_on']!r} is not a date "
                                        "(YYYY-MM-DD)")
                rec.update(lon=round(geom.x, 7), lat=round(geom.y, 7), criteria=",".join(sorted(crit)) or None)
                loc_rows.append(rec)
    if "cameras" in frames:
        df = frames["cameras"]
        missing = {"id", "location_code", "bearing", "inout", "lane"} - set(df.columns)
        if missing:
            problems.append(f"cameras: missing column(s) {', '.join(sorted(missing))}")
        else:
            dup = df["id"][df["id"].duplicated()].unique().tolist()
            problems += [f"cameras: duplicate id {c}" for c in dup]
            known = set(existing_locs) | {r["code"] for r in loc_rows}
            for i, row in df.iterrows():
                rec = {k: _clean(row.get(k)) for k in CAMERA_COLUMNS if k in df.columns}
                where = f"cameras row {i + 1} ({rec.get('id')})"
                geom = row.geometry
                if geom is not None and not geom.is_empty:
                    if geom.geom_type != "LineString" or not geom.is_valid:
                        problems.append(f"{where}: a lane must be a valid line")
                        continue
                    try:
                        registry.check_lane([list(c) for c in geom.coords])
                    except BadInput as exc:
                        problems.append(f"{where}: {exc.message}")
                        continue
                    rec["lane_geom"] = [[round(x, 7), round(y, 7)] for x, y in geom.coords]
                if rec.get("location_code") not in known:
                    problems.append(f"{where}: unknown location {rec.get('location_code')!r}")
                    continue
                cam_rows.append(rec)
    if not problems:
        _compare(conn, loc_rows, cam_rows, report)
    report["problems"] = problems[:MAX_PROBLEMS]
    report["problem_count"] = len(problems)
    report["_rows"] = (loc_rows, cam_rows)
    return report


def _compare(conn, loc_rows, cam_rows, report) -> None:
    for rec in loc_rows:
        try:
            cur = registry.location_state(conn, rec["code"])
        except Exception:
            report["locations"]["create"].append(rec["code"])
            continue
        fields = {k: (cur.get(k), rec.get(k)) for k in ("name", "road", "owner", "lon", "lat")
                  if k in rec and rec.get(k) is not None and cur.get(k) != rec.get(k)}
        if "hectometre" in rec and rec["hectometre"] is not None and \
                round(float(cur.get("hectometre") or 0), 1) != round(float(rec["hectometre"]), 1):
            fields["hectometre"] = (cur.get("hectometre"), rec["hectometre"])
        if fields:
            report["locations"]["update"].append({"code": rec["code"], "changes": fields})
        else:
            report["locations"]["unchanged"] += 1
    # The standing motivations (written for rows that carry criteria or a motivation):
    # what would change, and where the signature would go with a rewritten text.
    report["motivations"] = {"create": [], "update": [], "unchanged": 0}
    for rec in loc_rows:
        if not (rec.get("criteria") or rec.get("motivation")):
            continue
        current = _current_motivation(conn, rec["code"], lock=False)
        new = _imported_motivation(rec, current)
        if current is None:
            report["motivations"]["create"].append(rec["code"])
            continue
        changes = _motivation_changes(current, new)
        if changes:
            report["motivations"]["update"].append({
                "code": rec["code"], "changes": changes,
                "signature_voided": current["signed_on"] is not None and new["signed_on"] is None})
        else:
            report["motivations"]["unchanged"] += 1
    for rec in cam_rows:
        try:
            cur = registry.camera_state(conn, rec["id"])
        except Exception:
            report["cameras"]["create"].append(rec["id"])
            continue
        fields = {k: (cur.get(k), rec.get(k)) for k in ("bearing", "inout", "facing")
                  if rec.get(k) is not None and cur.get(k) != rec.get(k)}
        if rec.get("lane_geom") and cur.get("lane_geom") and \
                [[round(x, 6), round(y, 6)] for x, y in cur["lane_geom"]["coordinates"]] != \
                [[round(x, 6), round(y, 6)] for x, y in rec["lane_geom"]]:
            fields["lane_geom"] = ("moved", "moved")
        if fields:
            report["cameras"]["update"].append({"id": rec["id"], "changes": fields})
        else:
            report["cameras"]["unchanged"] += 1


def import_registry(conn: psycopg.Connection, path: Path | str, *, actor: str,
                    apply: bool = False) -> dict[str, Any]:
    """Dry run by default; with ``apply`` write the changes (all or nothing)."""
    report = plan_import(conn, path)
    loc_rows, cam_rows = report.pop("_rows")
    if report["problem_count"]:
        raise BadInput(f"the import has {report['problem_count']} problem(s); nothing was "
                       "changed", details={"problems": report["problems"]})
    report["applied"] = False
    if not apply:
        return report
    creates = set(report["locations"]["create"])
    updates = {u["code"] for u in report["locations"]["update"]}
    for rec in loc_rows:
        if rec["code"] in creates:
            registry.create_location(conn, actor=actor, code=rec["code"], name=rec["name"],
                                     unit_code=rec["unit_code"], lon=rec["lon"], lat=rec["lat"],
                                     road=rec.get("road"), hectometre=rec.get("hectometre"),
                                     owner=rec.get("owner") or "police",
                                     mounting=rec.get("mounting") or "fixed")
        elif rec["code"] in updates:
            registry.update_location(conn, rec["code"], actor=actor, name=rec.get("name"),
                                     road=rec.get("road"), hectometre=rec.get("hectometre"),
                                     owner=rec.get("owner"), lon=rec["lon"], lat=rec["lat"])
        if rec.get("criteria") or rec.get("motivation"):
            _standing_motivation(conn, rec, actor)
    cam_creates = set(report["cameras"]["create"])
    cam_updates = {u["id"] for u in report["cameras"]["update"]}
    for rec in cam_rows:
        if rec["id"] in cam_creates:
            registry.create_camera(conn, actor=actor, id=rec["id"],
                                   location_code=rec["location_code"], bearing=rec["bearing"],
                                   inout=rec["inout"], lane=int(rec["lane"]),
                                   active_from=date.fromisoformat(rec.get("active_from") or
                                                                  date.today().isoformat()),
                                   lane_geom=rec.get("lane_geom"),
                                   mounting=rec.get("mounting") or "fixed",
                                   facing=rec.get("facing") or "front")
        elif rec["id"] in cam_updates:
            registry.update_camera(conn, rec["id"], actor=actor, bearing=rec.get("bearing"),
                                   inout=rec.get("inout"), facing=rec.get("facing"),
                                   lane_geom=rec.get("lane_geom"))
    report["applied"] = True
    return report


MOTIVATION_FIELDS = ("criteria", "motivation", "prosecutor", "signed_on", "claimed_by")


def _current_motivation(conn: psycopg.Connection, code: str, *,
                        lock: bool = True) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"""
            SELECT m.criteria, m.motivation, m.prosecutor, m.signed_on, m.claimed_by
              FROM location_motivation m JOIN location l ON l.id = m.location_id
             WHERE l.code = %s {'FOR UPDATE OF m' if lock else ''}""", (code,)).fetchone()


def _imported_motivation(rec: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The standing motivation an imported row leaves, by the rule the editor's API keeps
    (``plans.set_motivation``): a signature covers the text it was given for, so a changed
    criteria or motivation voids it unless the row carries a new signing date (one other
    than the standing signature's). A new prosecutor's name without a new date stays, as in
    the editor, and does not validate until dated."""
    signed = rec.get("signed_on")
    try:
        signed_on = date.fromisoformat(signed) if signed else None
    except ValueError:
        raise BadInput(f"{rec['code']}: signed_on {signed!r} is not a date") from None
    old = current or {"criteria": [], "motivation": None, "prosecutor": None,
                      "signed_on": None, "claimed_by": None}
    new = {"criteria": sorted({c for c in (rec.get("criteria") or "").split(",") if c}),
           "motivation": rec.get("motivation") or None,
           "prosecutor": rec.get("prosecutor") or None, "signed_on": signed_on,
           "claimed_by": rec.get("claimed_by") if rec.get("claimed_by") in ("police", "kmar")
           else None}
    text_changed = (new["criteria"] != sorted(old["criteria"] or [])
                    or new["motivation"] != (old["motivation"] or None))
    newly_signed = signed_on is not None and signed_on != old["signed_on"]
    if text_changed and not newly_signed:
        new["signed_on"] = None
        if new["prosecutor"] == (old["prosecutor"] or None):
            new["prosecutor"] = None
    return new


def _motivation_changes(current: dict[str, Any] | None,
                        new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    old = current or {}
    out = {}
    for k in MOTIVATION_FIELDS:
        before = old.get(k)
        if k == "criteria":
            before = sorted(before or [])
        elif before == "":
            before = None
        if before != new[k]:
            out[k] = (before, new[k])
    return out


def _standing_motivation(conn: psycopg.Connection, rec: dict[str, Any], actor: str) -> None:
    """Write the imported standing motivation of one location, recorded in the registry's
    history as the editor's API records its own (who, before, after); an unchanged one is
    left alone. A rewritten text loses the signature it did not have (see
    :func:`_imported_motivation`)."""
    current = _current_motivation(conn, rec["code"])
    new = _imported_motivation(rec, current)
    if current is not None and not _motivation_changes(current, new):
        return
    conn.execute("""
        INSERT INTO location_motivation (location_id, criteria, motivation, prosecutor, signed_on,
               claimed_by, updated_by)
        SELECT id, %(criteria)s, %(motivation)s, %(prosecutor)s, %(signed_on)s, %(claimed_by)s,
               %(a)s FROM location WHERE code = %(code)s
        ON CONFLICT (location_id) DO UPDATE SET criteria = EXCLUDED.criteria,
               motivation = EXCLUDED.motivation, prosecutor = EXCLUDED.prosecutor,
               signed_on = EXCLUDED.signed_on, claimed_by = EXCLUDED.claimed_by,
               updated_by = EXCLUDED.updated_by, updated_at = now()""",
                 {**new, "a": actor, "code": rec["code"]})
    before = None if current is None else {**current, "criteria": sorted(current["criteria"] or [])}
    registry.record(conn, actor, "location_motivation", rec["code"],
                    "create" if current is None else "update", before, new)
