"""Least privilege in the database (R6, R10): who may do what to which table.

Four roles, each a login of its own:

- ``anpr_owner`` owns every table, view, sequence and function and runs the migrations
  (``anpr db migrate``) and the demo loader. Nothing else connects as it.
- ``anpr_app`` is the web app, intake and the detector workers: only the grants below.
  It may add passages and audit records but never change or delete one, and it cannot
  disable a trigger (only an owner can).
- ``anpr_retention`` is the retention job: it owns the day partitions of
  ``jj126.passage`` (``jj126.ensure_partition`` hands each new one over), so it alone
  may seal (vacuum, cluster) and drop whole days, and it writes the retention log. To be
  given a table it needs CREATE on schema ``jj126`` (PostgreSQL's rule), nowhere else.
- ``anpr_auditor`` reads the audit log and the counts; nothing about a passage.

The bootstrap superuser only creates the database, its extensions and these roles
(``anpr/embedded.py``; with ``DATABASE_URL`` the operator, see docs/operations.md).

``POLICY`` lists every table and view of the schema with each role's privileges; a
table missing from it gets nothing (and ``tests/test_privileges.py`` fails), so a new
table is granted on purpose or not at all. ``apply`` runs after every migration.
"""
from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

OWNER = "anpr_owner"
APP = "anpr_app"
RETENTION = "anpr_retention"
AUDITOR = "anpr_auditor"
#: The roles that log in, by the short name settings and the command line use.
LOGIN_ROLES = {"owner": OWNER, "app": APP, "retention": RETENTION, "auditor": AUDITOR}
GRANTED = (APP, RETENTION, AUDITOR)
SCHEMAS = ("public", "jj126")

ALL = "SELECT, INSERT, UPDATE, DELETE"
READ = "SELECT"

#: table -> {role: privileges}. A role not named gets nothing on that table.
POLICY: dict[str, dict[str, str]] = {
    # The audit log: appended by everyone who acts, changed by no one (the chain head
    # moves only inside the SECURITY DEFINER seal).
    "public.audit_log": {APP: "SELECT, INSERT", RETENTION: "SELECT, INSERT", AUDITOR: READ},
    "public.audit_chain_head": {APP: READ, RETENTION: READ, AUDITOR: READ},
    # Passages: intake adds, nobody edits; retention drops whole days it owns.
    "jj126.passage": {APP: "SELECT, INSERT", RETENTION: READ},
    "jj126.case_passage": {APP: READ},
    "jj126.result_hold": {APP: "SELECT, INSERT, UPDATE, DELETE", RETENTION: "SELECT, DELETE"},
    "jj126.secured_passage": {APP: "SELECT, DELETE", RETENTION: "SELECT, INSERT, UPDATE"},
    "jj126.enquiry_key": {APP: "SELECT, INSERT, DELETE", RETENTION: "SELECT, INSERT"},
    "jj126.image_day_key": {APP: "SELECT, INSERT", RETENTION: "SELECT, DELETE"},
    # Counts: intake's trigger keeps them, retention finalises them; the auditor reads.
    "public.passage_day_stat": {APP: "SELECT, INSERT, UPDATE",
                                RETENTION: "SELECT, INSERT, UPDATE", AUDITOR: READ},
    "public.retention_log": {APP: READ, RETENTION: "SELECT, INSERT", AUDITOR: READ},
    # Verdicts on probable misreads per camera and character pair (the verification
    # trigger counts them; no plates): the searches and the monitoring report read them.
    "public.misread_confusion": {APP: "SELECT, INSERT, UPDATE", RETENTION: READ,
                                 AUDITOR: READ},
    # Casework: the app's own; retention forgets what was recorded about destroyed days.
    "public.request": {APP: ALL, RETENTION: READ},
    "public.request_version": {APP: "SELECT, INSERT"},
    "public.request_handover": {APP: "SELECT, INSERT"},
    "public.enquiry": {APP: ALL, RETENTION: READ},
    "public.enquiry_result": {APP: ALL, RETENTION: "SELECT, DELETE"},
    "public.verification": {APP: ALL, RETENTION: "SELECT, DELETE"},
    # Pages of reads handed to officers (spot-check, #15): the app's own, short-lived.
    "public.verification_page": {APP: ALL},
    "public.photo_approval": {APP: ALL, RETENTION: "SELECT, UPDATE, DELETE"},
    "public.provision": {APP: ALL},
    "public.authorisation": {APP: ALL},
    "public.investigation": {APP: ALL},
    "public.investigation_member": {APP: ALL},
    "public.access_grant": {APP: ALL},
    "public.crime": {APP: READ},
    # Accounts and sessions.
    "public.account": {APP: ALL},
    "public.unit": {APP: READ},
    "public.unit_setting": {APP: ALL},
    # Each unit's prosecutors (plan signatures, R9): the operators add and end entries
    # through the app's role (``anpr units``); none is deleted, so past signatures stay
    # explainable.
    "public.unit_prosecutor": {APP: "SELECT, INSERT, UPDATE"},
    "public.web_session": {APP: ALL},
    "public.intake_device": {APP: ALL},
    # The camera registry and the yearly plan (append-only and frozen parts are held by
    # their triggers as well).
    "public.location": {APP: ALL, RETENTION: READ},
    "public.location_motivation": {APP: ALL},
    "public.camera": {APP: ALL, RETENTION: READ},
    "public.camera_group": {APP: ALL},
    "public.camera_group_member": {APP: ALL},
    "public.camera_status_period": {APP: ALL},
    "public.privacy_mask": {APP: ALL},
    "public.registry_change": {APP: "SELECT, INSERT"},
    "public.registry_stamp": {APP: ALL},
    "public.camera_plan": {APP: ALL},
    "public.plan_camera": {APP: ALL},
    "public.plan_location": {APP: ALL},
    "public.plan_mobile": {APP: ALL},
    "public.plan_prior_mobile": {APP: ALL},
    "public.plan_amendment": {APP: "SELECT, INSERT"},
    # The road network is loaded by the owner; searches read it.
    "public.road_junction": {APP: READ},
    "public.road_segment": {APP: READ},
    # The detector's queue and results; retention purges expired frames.
    "public.detector_camera": {APP: ALL},
    "public.detector_frame": {APP: ALL, RETENTION: "SELECT, DELETE"},
    "public.detector_detection": {APP: ALL, RETENTION: "SELECT, DELETE"},
    "public.detector_plate_opinion": {APP: ALL, RETENTION: "SELECT, DELETE"},
    # Bookkeeping and the extensions' own catalogues.
    "public.alembic_version": {APP: READ, RETENTION: READ, AUDITOR: READ},
    "public.spatial_ref_sys": {APP: READ, RETENTION: READ, AUDITOR: READ},
    "public.geometry_columns": {APP: READ, RETENTION: READ, AUDITOR: READ},
    "public.geography_columns": {APP: READ, RETENTION: READ, AUDITOR: READ},
}

#: Functions only the named roles may call (the rest stay executable by PUBLIC, as
#: PostgreSQL creates them; they run with the caller's privileges).
FUNCTIONS = {
    "jj126.ensure_partition(date)": (APP, RETENTION),
}


def roles_present(conn: psycopg.Connection) -> bool:
    """Whether this server has the project's roles (an external server may not)."""
    row = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)",
                       (list(LOGIN_ROLES.values()),)).fetchone()
    count = row[0] if not isinstance(row, dict) else row["count"]
    return count == len(LOGIN_ROLES)


def relations(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Every table, partitioned table and view of the project's schemas, partitions
    excluded (they are reached through their parent): (qualified name, kind)."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname, c.relkind::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) "
        "AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition ORDER BY 1",
        (list(SCHEMAS),)).fetchall()
    return [tuple(r.values()) if isinstance(r, dict) else (r[0], r[1]) for r in rows]


def partitions(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'jj126.passage'::regclass").fetchall()
    return [r[0] if not isinstance(r, dict) else next(iter(r.values())) for r in rows]


def _ident(qualified: str) -> sql.Identifier:
    schema, name = qualified.split(".", 1)
    return sql.Identifier(schema, name)


def apply(conn: psycopg.Connection) -> list[str]:
    """Grant exactly ``POLICY`` to the roles; returns the relations left without a policy
    entry (granted nothing). A no-op where the roles do not exist."""
    if not roles_present(conn):
        log.warning("database roles %s are missing: every connection has the owner's "
                    "privileges (see docs/operations.md)", ", ".join(LOGIN_ROLES.values()))
        return []
    roles = sql.SQL(", ").join(sql.Identifier(r) for r in GRANTED)
    for schema in SCHEMAS:
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), roles))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), sql.SQL(", ").join(sql.Identifier(r) for r in (APP, RETENTION))))
    # A role can be given a table only where it may create one (PostgreSQL's rule for
    # ALTER ... OWNER): retention may, in the passages' schema alone.
    conn.execute(sql.SQL("GRANT CREATE ON SCHEMA jj126 TO {}").format(sql.Identifier(RETENTION)))
    unlisted = []
    for name, _kind in relations(conn):
        table = _ident(name)
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(table, roles))
        grants = POLICY.get(name)
        if grants is None:
            unlisted.append(name)
            continue
        for role, privileges in grants.items():
            conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(privileges), table, sql.Identifier(role)))
    for signature, callers in FUNCTIONS.items():
        fn = sql.SQL(signature)
        conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(fn))
        conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
            fn, sql.SQL(", ").join(sql.Identifier(r) for r in callers)))
    # Day partitions made before the roles existed: retention owns each day it destroys.
    # The app may read a day by its partition's name (the day counts), as it may through
    # the parent; nothing more.
    for part in partitions(conn):
        conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(
            sql.SQL(part), sql.Identifier(RETENTION)))
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.SQL(part),
                                                               sql.Identifier(APP)))
    if unlisted:
        log.error("no privilege policy for %s: granted nothing (anpr/privileges.py)",
                  ", ".join(unlisted))
    return unlisted


# -- bootstrap (the superuser's part) -------------------------------------------------------
#: Extensions the schema needs that only a superuser may create.
EXTENSIONS = ("postgis", "pgrouting", "pg_trgm", "btree_gist", "pg_prewarm")


def ensure_roles(admin: psycopg.Connection, passwords: dict[str, str]) -> None:
    """Create (or re-key) the login roles; ``passwords`` by short name (owner, app, ...)."""
    for short, role in LOGIN_ROLES.items():
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        admin.execute(sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                              "NOREPLICATION NOBYPASSRLS PASSWORD {}").format(
            sql.SQL(verb), sql.Identifier(role), sql.Literal(passwords[short])))
    # The owner hands each new day partition to retention (ALTER ... OWNER needs it).
    admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(RETENTION),
                                                    sql.Identifier(OWNER)))


def prepare_database(admin_url: str, url: str, name: str) -> None:
    """As the bootstrap superuser: the database ``name`` owned by ``anpr_owner`` (created
    if missing), with its extensions; objects an earlier, superuser-run version created
    are handed to the owner. ``admin_url`` reaches the ``postgres`` database, ``url``
    the database itself (both as the superuser)."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        have_roles = roles_present(admin)
        row = admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                            (name,)).fetchone()
        if row is None:
            owner = sql.SQL(" OWNER {}").format(sql.Identifier(OWNER)) if have_roles else sql.SQL("")
            admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), owner))
        elif have_roles and row[0] != OWNER:
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(OWNER)))
    with psycopg.connect(url, autocommit=True) as conn:
        for ext in EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
        if have_roles:
            adopt(conn)


def adopt(conn: psycopg.Connection) -> int:
    """Give the owner role every object of the project's schemas that another role owns
    (a database migrated before the roles existed). Extensions' objects stay theirs."""
    not_extension = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {cat}::regclass "
                     "AND d.objid = {oid} AND d.deptype = 'e')")
    moved = 0
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'jj126'").fetchone():
        conn.execute(sql.SQL("ALTER SCHEMA jj126 OWNER TO {}").format(sql.Identifier(OWNER)))
    rels = conn.execute(
        "SELECT c.oid::regclass::text, c.relkind::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
        "AND pg_get_userbyid(c.relowner) NOT IN (%s, %s) AND NOT c.relispartition "
        "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE "
        "d.objid = c.oid AND d.deptype IN ('a', 'i'))) AND "
        + not_extension.format(cat="'pg_class'", oid="c.oid"),
        (list(SCHEMAS), OWNER, RETENTION)).fetchall()
    for name, kind in rels:
        verb = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(kind, "TABLE")
        conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(verb), sql.SQL(name),
                                                              sql.Identifier(OWNER)))
        moved += 1
    procs = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s) "
        "AND pg_get_userbyid(p.proowner) <> %s AND "
        + not_extension.format(cat="'pg_proc'", oid="p.oid"), (list(SCHEMAS), OWNER)).fetchall()
    for (sig,) in procs:
        conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(sig),
                                                                  sql.Identifier(OWNER)))
        moved += 1
    types = conn.execute(
        "SELECT t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = ANY(%s) AND t.typtype = 'e' "
        "AND pg_get_userbyid(t.typowner) <> %s AND "
        + not_extension.format(cat="'pg_type'", oid="t.oid"), (list(SCHEMAS), OWNER)).fetchall()
    for (name,) in types:
        conn.execute(sql.SQL("ALTER TYPE {} OWNER TO {}").format(sql.SQL(name),
                                                               sql.Identifier(OWNER)))
        moved += 1
    if moved:
        log.info("handed %d objects to %s", moved, OWNER)
    return moved
