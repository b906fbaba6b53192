"""R2/R10 under attack: who may see and act on a request, from ONE table of the access policy.

Every route of the app has an entry in ``POLICY`` (tests/access_policy.py); a route without one fails the suite,
so a new route cannot ship without a decided rule. Request-bound routes name the level
they need (casework.access: ACT, VIEW, PROVIDED) and each relation to the request is
driven through the real HTTP path (login, CSRF, PostGIS): handling officer, a colleague
of the same unit who does not handle it, an officer without a unit, an officer of
another unit, a member of the investigation, a grant holder, a requester, an analyst
with and without a grant, a plan editor, an auditor, an administrator, and anonymous.
The search routes (``Search``: every kind and stage, the request named in the body) and
the plate crop (``Crop``) are driven through the same relations. Other routes state the
roles allowed; anonymous and a wrong role must be refused.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from access_policy import (DEVICE, NO_SUCH, POLICY, PUBLIC, RELATIONS, ROLE_ACCOUNTS,
                           SEARCH_KINDS, Req, Roles, Search)
from anpr import audit

UTC = timezone.utc


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule, rule.endpoint


def test_every_route_has_a_policy_entry(app):
    """A new route without a decided access rule fails here."""
    missing = [f"{m} {r}" for m, r, _ in _rules(app) if (m, r) not in POLICY]
    assert not missing, f"routes without an access policy entry: {missing}"
    stale = [k for k in POLICY if k not in {(m, r) for m, r, _ in _rules(app)}]
    assert not stale, f"policy entries for routes that no longer exist: {stale}"


def test_declared_roles_match_the_table(app):
    """The roles a view declares at the door are the roles the table allows."""
    from webmap.auth import DEVICE as DEV, PUBLIC as PUB

    for method, rule, endpoint in _rules(app):
        entry = POLICY[(method, rule)]
        declared = getattr(app.view_functions[endpoint], "anpr_access", None)
        if endpoint == "static":
            continue
        want = entry.roles
        if want == PUBLIC:
            assert declared == PUB, (method, rule)
        elif want == DEVICE:
            assert declared == DEV, (method, rule)
        else:
            assert tuple(sorted(declared)) == tuple(sorted(want)), (method, rule, declared)


# -- the world: accounts, a request with a search, members and grants (through the API) -----

@pytest.fixture(scope="module")
def accounts_made(database_url, people):
    from anpr import accounts
    from conftest import TEST_PASSWORD

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        for username, role, unit, _ in RELATIONS.values():
            if username and not conn.execute("SELECT 1 FROM account WHERE username = %s",
                                             (username,)).fetchone():
                accounts.create(conn, username, username.replace(".", " ").title(), role,
                                TEST_PASSWORD, unit_code=unit, granted_by="test-setup")
        conn.commit()
    return True


@pytest.fixture(scope="module")
def clients(app, accounts_made):
    from conftest import SessionClient

    out = {name: SessionClient(app, spec[0]) for name, spec in RELATIONS.items() if spec[0]}
    anon = app.test_client()
    token = anon.get("/api/v1/session").get_json()["csrf_token"]
    out["anonymous"] = _Anonymous(anon, token)
    return out


class _Anonymous:
    """No login, but a valid CSRF token: refusals come from the access rule, not CSRF."""

    def __init__(self, client, token):
        self.client, self.csrf = client, token

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers={"X-CSRF-Token": self.csrf}, **kw)

    def _write(self, method, path, **kw):
        return getattr(self.client, method)(path, headers={"X-CSRF-Token": self.csrf}, **kw)


def _order(demo_db, plates, locations, **over) -> dict:
    now = datetime.now(UTC)
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": "OvJ-ATTACK",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "geheim doel", "facts": "GEHEIME-FEITEN-XYZ",
        "suspect": "GEHEIME-VERDACHTE-XYZ", "photos": False,
        "investigation": {"system": "Summ-IT", "number": f"ATT-{uuid.uuid4().hex[:10]}",
                          "name": "Onderzoek Aanval"},
        "scope": {"windows": [{"start": demo_db["start"].isoformat(),
                               "end": demo_db["end"].isoformat()}],
                  "plates": plates, "locations": locations}, **over}


def _window(demo_db):
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


def _confirmed(handler, body) -> int:
    resp = handler.post("/api/v1/requests", json=body)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert handler.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    return rid


@pytest.fixture(scope="module")
def world(app, database_url, clients, demo_db, truth):
    """A confirmed request of acc.handler with a plate search run (unverified reads with
    crops, so its package is refused with 409 for the handler and the table can drive
    every route)."""
    from casework_support import cropped_copies

    handler = clients["handling officer"]
    lead = "AW" + uuid.uuid4().hex[:6].upper()
    cropped_copies(app, database_url, truth["duplicate"]["plate"], lead)
    locs = sorted({c.rsplit("-", 1)[0] for c in (truth["duplicate"]["first_camera"],
                                                  truth["duplicate"]["second_camera"])})
    rid = _confirmed(handler, _order(demo_db, [lead], locs))
    pre = handler.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": [lead], "window": _window(demo_db)}})
    assert pre.status_code == 201, pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = handler.post(f"/api/v1/searches/{eid}/run")
    assert run.status_code == 200, run.get_json()
    assert run.get_json()["passages_kept"] >= 1
    reads = handler.get(f"/api/v1/requests/{rid}/reads?all=1").get_json()
    pid = reads["reads"][0]["passage_id"] if reads.get("reads") else 1
    # The relations, recorded through the new API by the handling officer.
    assert handler.post(f"/api/v1/requests/{rid}/members",
                        json={"account": "acc.member"}).status_code == 201
    for who in ("acc.grantee", "acc.analyst"):
        assert handler.post(f"/api/v1/requests/{rid}/grants",
                            json={"account": who}).status_code == 201
    assert handler.put(f"/api/v1/requests/{rid}/requester",
                       json={"account": "acc.requester"}).status_code == 200
    return {"rid": rid, "eid": eid, "pid": pid, "plate": lead, "locations": locs,
            "cameras": sorted({r["camera_id"] for r in reads.get("reads", [])}),
            "times": sorted({r["captured_at"][:16] for r in reads.get("reads", [])})}


def _url(rule: str, world: dict, *, rid: int | None = None, eid: int | None = None) -> str:
    url = rule.replace("<int:request_id>", str(rid if rid is not None else world["rid"]))
    url = url.replace("<int:enquiry_id>", str(eid if eid is not None else world["eid"]))
    url = url.replace("<int:account_id>", str(NO_SUCH))
    return url.replace("<int:passage_id>", str(world["pid"]))


def _call(client, method: str, url: str, body: dict | None):
    if method == "GET":
        return client.get(url)
    return client._write(method.lower(), url, json=body if body is not None else {})


def _refused(resp) -> bool:
    """Refused by the door or the access rule: 401/403, a redirect to the login, or the
    404 that an unrelated request shares with one that does not exist."""
    if resp.status_code in (401, 403):
        return True
    if resp.status_code == 302 and "/login" in resp.headers.get("Location", ""):
        return True
    if resp.status_code == 404:
        text = resp.get_data(as_text=True)
        return "no request" in text or "no search" in text or "Niet gevonden" in text
    return False


REQUEST_ROUTES = [(m, r) for (m, r), e in POLICY.items() if isinstance(e, Req)]


@pytest.mark.parametrize("relation", list(RELATIONS))
@pytest.mark.parametrize("method,rule", REQUEST_ROUTES)
def test_request_route_follows_the_relation(clients, world, conn, method, rule, relation):
    entry = POLICY[(method, rule)]
    username, role, _unit, have = RELATIONS[relation]
    allowed = have >= entry.level and role in entry.roles
    resp = _call(clients[relation], method, _url(rule, world), entry.body)
    text = resp.get_data(as_text=True)
    assert resp.status_code < 500, (relation, method, rule, text[:300])
    if allowed:
        assert not _refused(resp), (relation, method, rule, resp.status_code, text[:300])
        return
    assert _refused(resp), (relation, method, rule, resp.status_code, text[:300])
    # A refusal never reveals data: no facts, suspect or plate of the request.
    for secret in ("GEHEIME-FEITEN-XYZ", "GEHEIME-VERDACHTE-XYZ", world["plate"]):
        assert secret not in text, (relation, rule)
    if resp.status_code == 404 and method == "GET" and rule.startswith("/api/"):
        # Guessing ids reveals nothing: the answer is the one for an id that does not exist.
        ghost = _call(clients[relation], method, _url(rule, world, rid=NO_SUCH, eid=NO_SUCH),
                      entry.body)
        assert ghost.status_code == 404
        real_ids = rf"\b({world['rid']}|{world['eid']})\b"
        assert (ghost.get_data(as_text=True).replace(str(NO_SUCH), "N")
                == re.sub(real_ids, "N", text))
    if username and resp.status_code in (403, 404) and role in entry.roles:
        logged = audit.entries(conn, subject=f"request:{world['rid']}", action="access.refused")
        assert any(e["actor"] == username for e in logged), relation


# -- the search gate and the plate crop, for every relation (R2, R10) -------------------------

@pytest.fixture(scope="module")
def area(clients, world, demo_db):
    """A confirmed request of acc.handler on the world's locations without plates (so every
    kind of search is inside its order), with the same relations recorded, and the
    handling officer's preview of each kind: the enquiry ids the result calls name."""
    handler = clients["handling officer"]
    rid = _confirmed(handler, _order(demo_db, [], world["locations"]))
    assert handler.post(f"/api/v1/requests/{rid}/members",
                        json={"account": "acc.member"}).status_code == 201
    for who in ("acc.grantee", "acc.analyst"):
        assert handler.post(f"/api/v1/requests/{rid}/grants",
                            json={"account": who}).status_code == 201
    assert handler.put(f"/api/v1/requests/{rid}/requester",
                       json={"account": "acc.requester"}).status_code == 200
    start, end = demo_db["start"], demo_db["end"]
    mid = start + (end - start) / 2
    whole = _window(demo_db)
    here = {"kind": "pick", "locations": world["locations"][:1]}
    plate = world["plate"]
    params = {
        "plate": {"plates": [plate], "window": whole},
        "partial": {"pattern": plate[:4] + "*", "window": whole},
        "block": {"selection": here, "window": whole},
        "convoy": {"plate": plate, "window": whole},
        "common": {"k": 2, "sites": [
            {"name": "eerst", "selection": here,
             "window": {"start": start.isoformat(), "end": mid.isoformat()}},
            {"name": "later", "selection": here,
             "window": {"start": mid.isoformat(), "end": end.isoformat()}}]},
        "route": {"plate": plate, "window": whole},
        "coverage": {"selection": here, "window": whole},
    }
    eids = {}
    for kind in SEARCH_KINDS:
        pre = handler.post(f"/api/v1/search/{kind}/preview",
                           json={"request_id": rid, **params[kind]})
        assert pre.status_code == 200, (kind, pre.get_json())
        eids[kind] = pre.get_json()["enquiry_id"]
    return {"rid": rid, "params": params, "eids": eids}


def _search_body(area: dict, entry: Search, *, rid: int | None = None,
                 eid: int | None = None) -> dict:
    body = dict(area["params"][entry.kind])
    if entry.stage == "coverage":
        return body
    body["request_id"] = rid if rid is not None else area["rid"]
    if entry.stage in ("run", "export"):
        body["enquiry_id"] = eid if eid is not None else area["eids"][entry.kind]
    if entry.stage == "export":
        body["format"] = "gpx"
    return body


def _reveals(text: str, world: dict) -> list[str]:
    """What a refusal must never show: the request's facts, its plate, the cameras and
    times of its reads."""
    secrets = ["GEHEIME-FEITEN-XYZ", "GEHEIME-VERDACHTE-XYZ", world["plate"],
               *world["cameras"], *world["times"]]
    return [x for x in secrets if x in text]


def _enquiries(conn, rid: int) -> int:
    conn.rollback()
    return conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                        (rid,)).fetchone()["n"]


SEARCH_ROUTES = [(m, r) for (m, r), e in POLICY.items() if isinstance(e, Search)]


@pytest.mark.parametrize("relation", list(RELATIONS))
@pytest.mark.parametrize("method,rule", SEARCH_ROUTES)
def test_search_gate_follows_the_rule(clients, world, area, conn, method, rule, relation):
    """Every search route, every kind and stage, against every relation to the request:
    the handling officer searches; everyone else is refused before anything is searched
    or stored, an unrelated officer with the 404 of a request that does not exist."""
    entry = POLICY[(method, rule)]
    username, role, _unit, have = RELATIONS[relation]
    allowed = role in entry.roles and have >= entry.level
    before = _enquiries(conn, area["rid"])
    resp = _call(clients[relation], method, rule, _search_body(area, entry))
    text = resp.get_data(as_text=True)
    if allowed:
        assert resp.status_code == 200, (relation, rule, resp.status_code, text[:300])
        if entry.stage == "preview":
            assert resp.get_json()["enquiry_id"] == area["eids"][entry.kind]
        return
    assert _refused(resp), (relation, rule, resp.status_code, text[:300])
    assert _reveals(text, world) == [], (relation, rule)
    assert _enquiries(conn, area["rid"]) == before, (relation, rule)
    if resp.status_code == 404:
        # Guessing request ids reveals nothing: a request that does not exist answers alike.
        ghost = _call(clients[relation], method, rule,
                      _search_body(area, entry, rid=NO_SUCH, eid=NO_SUCH))
        assert ghost.status_code == 404
        assert (ghost.get_data(as_text=True).replace(str(NO_SUCH), "N")
                == re.sub(rf"\b{area['rid']}\b", "N", text)), (relation, rule)
    if username and role in entry.roles:
        logged = audit.entries(conn, subject=f"request:{area['rid']}", action="access.refused")
        assert any(e["actor"] == username for e in logged), relation
    elif username:
        logged = audit.entries(conn, subject=rule, action="access.refused")
        assert any(e["actor"] == username for e in logged), relation


CROP = "/api/v1/passages/<int:passage_id>/crop"


@pytest.mark.parametrize("relation", list(RELATIONS))
def test_crop_follows_the_relation(clients, world, conn, relation):
    """A read's plate crop: the handling officer of the request whose results hold it; for
    anyone else the read is not there (an unrelated officer gets the answer of a passage
    id that does not exist)."""
    entry = POLICY[("GET", CROP)]
    _username, role, _unit, have = RELATIONS[relation]
    resp = clients[relation].get(CROP.replace("<int:passage_id>", str(world["pid"])))
    if role in entry.roles and have >= entry.level:
        assert resp.status_code == 200 and resp.mimetype == "image/jpeg", relation
        return
    text = resp.get_data(as_text=True)
    assert _refused(resp) or resp.status_code == 404, (relation, resp.status_code)
    assert _reveals(text, world) == [] and "image/jpeg" not in resp.mimetype
    if resp.status_code == 404:
        ghost = clients[relation].get(CROP.replace("<int:passage_id>", str(NO_SUCH)))
        assert (ghost.status_code, ghost.get_data(as_text=True)) == (404, text), relation
        # ... and the attempt is logged, as every refused request route is (R10)
        logged = audit.entries(conn, subject=f"passage:{world['pid']}",
                               action="access.refused")
        assert any(e["actor"] == _username for e in logged), relation


def _sample(rule: str) -> str:
    url = re.sub(r"<int:[a-z_]+>", "2026", rule)
    url = url.replace("<fmt>", "csv").replace("<path:filename>", "x.css")
    return re.sub(r"<[a-z_]+>", "x", url)


OTHER_ROUTES = [(m, r) for (m, r), e in POLICY.items()
                if isinstance(e, Roles) and e.roles not in (PUBLIC,)]


@pytest.mark.parametrize("method,rule", OTHER_ROUTES)
def test_other_route_refuses_anonymous_and_a_wrong_role(clients, method, rule):
    entry = POLICY[(method, rule)]
    url = _sample(rule)
    resp = _call(clients["anonymous"], method, url, {})
    assert _refused(resp) or resp.status_code == 401, (method, rule, resp.status_code)
    if entry.roles == DEVICE:
        return
    wrong = next((r for r in ROLE_ACCOUNTS if r not in entry.roles), None)
    if wrong is None:  # every role may: only anonymous is refused
        return
    name = next(k for k, v in RELATIONS.items() if v[0] == ROLE_ACCOUNTS[wrong]) \
        if wrong in ("officer", "requester", "analyst") else None
    if name is None:
        from conftest import SessionClient

        client = SessionClient(clients["handling officer"].client.application,
                               ROLE_ACCOUNTS[wrong])
    else:
        client = clients[name]
    resp = _call(client, method, url, {})
    assert resp.status_code == 403, (method, rule, wrong, resp.status_code)


# -- the attacks of issue 12 ----------------------------------------------------------------

def test_relations_can_be_ended_and_access_ends_with_them(clients, demo_db, truth, conn):
    """A member removed, a grant withdrawn, a requester of record cleared: each loses
    sight of what was provided at once, and each change is audit-logged."""
    handler = clients["handling officer"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(handler, _order(demo_db, ["ZZ" + uuid.uuid4().hex[:4].upper()], [loc]))
    provided = f"/api/v1/requests/{rid}/provided"
    ids = {r["username"]: r["id"] for r in conn.execute(
        "SELECT id, username FROM account WHERE username IN "
        "('acc.member', 'acc.grantee', 'acc.requester')").fetchall()}
    assert handler.post(f"/api/v1/requests/{rid}/members",
                        json={"account": "acc.member"}).status_code == 201
    assert handler.post(f"/api/v1/requests/{rid}/grants",
                        json={"account": "acc.grantee"}).status_code == 201
    assert handler.put(f"/api/v1/requests/{rid}/requester",
                       json={"account": "acc.requester"}).status_code == 200
    for who in ("member of the investigation", "grant holder", "requester of record"):
        assert not _refused(clients[who].get(provided)), who
    # Only the handling officer ends them; the others are refused like strangers.
    assert _refused(clients["grant holder"].delete(
        f"/api/v1/requests/{rid}/members/{ids['acc.member']}"))
    left = handler.delete(f"/api/v1/requests/{rid}/members/{ids['acc.member']}")
    assert left.status_code == 200 and left.get_json() == []
    assert handler.delete(f"/api/v1/requests/{rid}/members/{ids['acc.member']}"
                          ).status_code == 404
    assert handler.delete(f"/api/v1/requests/{rid}/grants/{ids['acc.grantee']}"
                          ).get_json() == []
    cleared = handler.put(f"/api/v1/requests/{rid}/requester", json={"account": None})
    assert cleared.status_code == 200
    for who in ("member of the investigation", "grant holder", "requester of record"):
        assert _refused(clients[who].get(provided)), who
    actions = [e["action"] for e in audit.entries(conn, subject=f"request:{rid}")]
    for action in ("investigation.member.removed", "grant.revoked", "request.requester"):
        assert action in actions, action
    # The requester of record is a requester's or an officer's account, never an analyst.
    bad = handler.put(f"/api/v1/requests/{rid}/requester", json={"account": "acc.analyst"})
    assert bad.status_code == 400



def test_colleague_cannot_take_the_one_time_package(clients, demo_db, truth, conn):
    """The colleague's download is refused and changes nothing: the handler still gets it."""
    handler, colleague = clients["handling officer"], clients["same unit, not handling"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(handler, _order(demo_db, [], [loc]))
    pre = handler.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {"selection": {"kind": "pick", "locations": [loc]},
                                        "window": _window(demo_db)}}).get_json()
    assert handler.post(f"/api/v1/searches/{pre['enquiry_id']}/run").status_code == 200
    for who in ("same unit, not handling", "officer without a unit", "member of the investigation",
                "grant holder"):
        assert _refused(clients[who].post(f"/api/v1/requests/{rid}/package")), who
    assert not conn.execute("SELECT 1 FROM provision WHERE request_id = %s", (rid,)).fetchone()
    resp = handler.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    assert colleague.get(f"/api/v1/requests/{rid}/provided").status_code == 404
    assert handler.get(f"/api/v1/requests/{rid}/provided").status_code == 200


def test_colleague_cannot_add_searches_or_verdicts(clients, world, demo_db, conn):
    colleague = clients["same unit, not handling"]
    rid = world["rid"]
    before = conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                          (rid,)).fetchone()["n"]
    resp = colleague.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": [world["plate"]], "window": _window(demo_db)}})
    assert resp.status_code == 404
    for who in ("same unit, not handling", "officer without a unit", "officer of another unit"):
        resp = clients[who].post("/api/v1/search/plate/preview", json={
            "request_id": rid, "plates": [world["plate"]], "window": _window(demo_db)})
        assert resp.status_code == 404, (who, resp.get_json())
    resp = colleague.post(f"/api/v1/requests/{rid}/verdicts", json={
        "verdicts": [{"passage_id": world["pid"], "verdict": "confirmed"}]})
    assert resp.status_code == 404
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                        (rid,)).fetchone()["n"] == before


def test_colleague_cannot_approve_photos(clients, world, conn):
    colleague = clients["same unit, not handling"]
    resp = colleague.post(f"/api/v1/requests/{world['rid']}/photos/{world['pid']}/approve",
                          json={"boxes": []})
    assert resp.status_code == 404
    assert not conn.execute("SELECT 1 FROM photo_approval WHERE request_id = %s",
                            (world["rid"],)).fetchone()


def test_guessing_ids_reveals_nothing(clients, world):
    """A colleague walking ids sees the same answer for a real and a missing request."""
    colleague = clients["same unit, not handling"]
    real = colleague.get(f"/api/v1/requests/{world['rid']}")
    ghost = colleague.get(f"/api/v1/requests/{NO_SUCH}")
    assert real.status_code == ghost.status_code == 404
    assert real.get_json()["message"].replace(str(world["rid"]), "N") \
        == ghost.get_json()["message"].replace(str(NO_SUCH), "N")
    page = colleague.get(f"/requests/{world['rid']}")
    assert page.status_code == 404 and "GEHEIME" not in page.get_data(as_text=True)
    assert page.get_data() == colleague.get(f"/requests/{NO_SUCH}").get_data()
    # The dashboard still shows that the request exists (R10), not its facts.
    board = colleague.get("/api/v1/requests").get_data(as_text=True)
    assert "GEHEIME" not in board


def test_officer_without_a_unit_has_no_casework(clients, demo_db, truth, conn):
    """No unit, no access: no requests registered (into some default unit), none listed."""
    nounit = clients["officer without a unit"]
    loc = truth["convoy"]["passages"][0]["location"]
    before = conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"]
    assert nounit.post("/api/v1/requests", json=_order(demo_db, [], [loc])).status_code == 403
    assert nounit.get("/api/v1/requests").status_code == 403
    assert nounit.get("/dashboard").status_code == 403
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"] == before


def test_crop_only_for_the_handler(clients, world):
    for who in ("same unit, not handling", "officer without a unit", "officer of another unit"):
        assert clients[who].get(f"/api/v1/passages/{world['pid']}/crop").status_code == 404


def test_handover_is_recorded_and_moves_the_request(clients, demo_db, truth, conn):
    """R2: after a recorded hand-over the colleague handles it, the former handler not."""
    handler, colleague = clients["handling officer"], clients["same unit, not handling"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(handler, _order(demo_db, [], [loc]))
    assert colleague.get(f"/api/v1/requests/{rid}").status_code == 404
    # Only to an officer of the unit outside the investigation, with a reason.
    bad = handler.post(f"/api/v1/requests/{rid}/handover", json={"to": "acc.other",
                                                                 "reason": "verlof"})
    assert bad.status_code == 400
    assert handler.post(f"/api/v1/requests/{rid}/handover",
                        json={"to": "acc.colleague", "reason": ""}).status_code == 400
    # A colleague cannot hand it to himself.
    assert colleague.post(f"/api/v1/requests/{rid}/handover",
                          json={"to": "acc.colleague", "reason": "ik"}).status_code == 404
    resp = handler.post(f"/api/v1/requests/{rid}/handover",
                        json={"to": "acc.colleague", "reason": "verlof"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["officer_username"] == "acc.colleague"
    assert colleague.get(f"/api/v1/requests/{rid}").status_code == 200
    assert handler.get(f"/api/v1/requests/{rid}").status_code == 404
    history = colleague.get(f"/api/v1/requests/{rid}").get_json()["handovers"]
    assert [(h["from_officer"], h["to_officer"], h["reason"]) for h in history] == [
        ("acc.handler", "acc.colleague", "verlof")]
    page = colleague.get(f"/requests/{rid}").get_data(as_text=True)
    assert 'id="handovers"' in page and "verlof" in page
    logged = audit.entries(conn, subject=f"request:{rid}", action="request.handover")
    assert logged and logged[0]["actor"] == "acc.handler"
    # And back, so the new handler acts and the hand-over is in the history twice.
    assert colleague.post(f"/api/v1/requests/{rid}/handover",
                          json={"to": "acc.handler", "reason": "terug"}).status_code == 200
    assert handler.get(f"/api/v1/requests/{rid}").status_code == 200


def test_member_of_the_investigation_sees_only_what_was_provided(clients, world, conn):
    member = clients["member of the investigation"]
    assert member.get(f"/api/v1/requests/{world['rid']}").status_code == 403
    resp = member.get(f"/api/v1/requests/{world['rid']}/provided")
    assert resp.status_code == 409  # nothing provided yet; allowed to ask
    listed = clients["handling officer"].get(f"/api/v1/requests/{world['rid']}/members").get_json()
    assert any(m["username"] == "acc.member" and m["added_by"] == "acc.handler" for m in listed)
    assert audit.entries(conn, subject=f"request:{world['rid']}", action="investigation.member")


def test_handler_in_the_investigation_must_hand_over(clients, demo_db, truth):
    """R2: a handling officer who is a member sees it, may hand it over, but not search."""
    handler = clients["handling officer"]
    loc = truth["convoy"]["passages"][0]["location"]
    resp = handler.post("/api/v1/requests", json=_order(demo_db, [], [loc]))
    rid = resp.get_json()["id"]
    assert handler.post(f"/api/v1/requests/{rid}/members",
                        json={"account": "acc.handler"}).status_code == 201
    refused = handler.post(f"/api/v1/requests/{rid}/confirm")
    assert refused.status_code == 403 and "hand it over" in refused.get_json()["message"]
    colleague_id = clients["same unit, not handling"]
    assert handler.get(f"/api/v1/requests/{rid}").status_code == 200
    assert handler.post(f"/api/v1/requests/{rid}/handover",
                        json={"to": "acc.colleague", "reason": "lid onderzoek"}).status_code == 200
    assert colleague_id.post(f"/api/v1/requests/{rid}/confirm").status_code == 200


def test_cli_records_member_grant_and_handover(clients, demo_db, truth, database_url, conn):
    from click.testing import CliRunner

    from cli.main import main

    handler = clients["handling officer"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(handler, _order(demo_db, [], [loc]))
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    r = runner.invoke(main, ["accounts", "grant", str(rid), "acc.analyst2", "--by",
                             "acc.colleague"], env=env)
    assert r.exit_code == 1, r.output  # not the handling officer
    for args in (["grant", str(rid), "acc.analyst2", "--by", "acc.handler"],
                 ["member", str(rid), "acc.requester", "--by", "acc.handler"],
                 ["handover", str(rid), "acc.colleague", "--by", "acc.handler",
                  "--reason", "ziekte"]):
        r = runner.invoke(main, ["accounts", *args], env=env)
        assert r.exit_code == 0, r.output
    assert clients["analyst without a grant"].get(
        f"/api/v1/requests/{rid}/provided").status_code == 409
    assert clients["same unit, not handling"].get(f"/api/v1/requests/{rid}").status_code == 200
    row = conn.execute("SELECT reason FROM request_handover WHERE request_id = %s",
                       (rid,)).fetchone()
    assert row["reason"] == "ziekte"
    # The new handler ends the grant and the membership and records the requester.
    for args in (["grant", str(rid), "acc.analyst2", "--by", "acc.colleague", "--revoke"],
                 ["member", str(rid), "acc.requester", "--by", "acc.colleague", "--remove"],
                 ["requester", str(rid), "acc.requester2", "--by", "acc.colleague"]):
        r = runner.invoke(main, ["accounts", *args], env=env)
        assert r.exit_code == 0, r.output
    assert _refused(clients["analyst without a grant"].get(f"/api/v1/requests/{rid}/provided"))
    assert clients["requester, not of record"].get(
        f"/api/v1/requests/{rid}/provided").status_code == 409
