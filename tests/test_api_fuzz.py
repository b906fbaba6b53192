"""Schemathesis against the app on a live server (issue 16), every role that has routes:
officer, requester, analyst, plan editor, auditor, admin and a camera's device key. Each
operation of the OpenAPI document gets schema-generated requests, valid ones and invalid
ones: no answer is a server error, every answer conforms to the document (status code,
content type, headers, body schema, Allow on 405), an invalid request is refused with a
4xx, and a method the document does not list is refused; for the operations where every valid request can succeed, none is
refused.

The fuzzer runs on a database of its own (the demo region and four hours of traffic), so
every role may make its own writes (a plan editor moving cameras, a device posting
passages) without changing what the other tests count. Bounded and deterministic: a fixed
number of examples per operation, derandomized, no example database; a report of cases
per operation and role goes to the artifacts.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

pytestmark = pytest.mark.slow

#: Valid examples per operation for the officer (about 100 operations), fewer for the
#: other roles; invalid examples per operation for every role.
EXAMPLES, OTHER_EXAMPLES, NEGATIVE_EXAMPLES = 10, 3, 3
PASSWORD = "fuzz-password-126jj"
#: The fuzzer's accounts, one per role (the officer in a unit, as officers are).
ROLES = {"officer": ("fuzz.officer", "MN"), "requester": ("fuzz.requester", "MN"),
         "analyst": ("fuzz.analyst", "MN"), "plan_editor": ("fuzz.editor", None),
         "auditor": ("fuzz.auditor", None), "admin": ("fuzz.admin", None)}
#: Operations the fuzzer leaves alone: its own login and logout (they would end the
#: session it tests with) and the change of its own password (the same).
SKIP = {("POST", "/api/v1/session"), ("DELETE", "/api/v1/session"),
        ("POST", "/api/v1/account/password")}
#: Operations without inputs that could be refused: any schema-valid request succeeds.
ALWAYS_ACCEPTED = {("GET", "/api/v1/session"), ("GET", "/api/v1/crimes"),
                   ("GET", "/api/v1/requests"), ("GET", "/api/v1/health"),
                   ("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/roads"),
                   ("GET", "/api/v1/plans"), ("GET", "/api/v1/account"),
                   ("GET", "/api/v1/account/sessions")}


@pytest.fixture(scope="module")
def fuzz_server(settings, server_url, tmp_path_factory):
    """The app on a database of the fuzzer's own, served on a loopback port."""
    from werkzeug.serving import make_server

    from anpr import accounts
    from sim.demo import load_demo
    from conftest import DEMO_END, _with_database, create_database, role_url
    from ingest.devices import add_device
    from webmap.app import create_app

    name = f"anpr_fuzz_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    owner_url = create_database(settings, server_url, name)
    home = tmp_path_factory.mktemp("fuzz-home")
    test_settings = replace(settings, database=replace(settings.database, home=home))
    with psycopg.connect(owner_url, row_factory=dict_row) as conn:
        load_demo(conn, test_settings, hours=4, per_day=5000, seed=126, end=DEMO_END)
        for role, (username, unit) in ROLES.items():
            accounts.create(conn, username, f"Fuzz {role}", role, PASSWORD, unit_code=unit,
                            granted_by="test-setup")
        camera = conn.execute("SELECT c.id FROM camera c JOIN plan_camera pc ON"
                              " pc.camera_id = c.id ORDER BY c.id LIMIT 1").fetchone()["id"]
        _, key = add_device(conn, "fuzz camera", camera=camera)
        conn.commit()
    app = create_app({"DATABASE_URL": role_url(settings, "app", name), "TESTING": True,
                      "SECRET_KEY": "fuzz-secret", "ANPR_CHECK_RESPONSES": True,
                      "ANPR_HOME": home})
    s = app.config["ANPR_SETTINGS"]
    app.config["ANPR_SETTINGS"] = replace(s, intake=replace(
        s.intake, image_store="file", image_dir=str(home / "images"), master_key=None))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{server.server_port}", "app": app, "key": key}
    finally:
        server.shutdown()
        thread.join(5)
        app.extensions["anpr_pool"].close()
        with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{urlsplit(owner_url).path.lstrip("/")}"'
                      " WITH (FORCE)")


def _session(base: str, username: str) -> requests.Session:
    s = requests.Session()
    token = s.get(f"{base}/api/v1/session", timeout=10).json()["csrf_token"]
    r = s.post(f"{base}/api/v1/session", json={"username": username, "password": PASSWORD},
               headers={"X-CSRF-Token": token}, timeout=10)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def _own_request(base: str, session: requests.Session) -> int:
    """A confirmed request of the fuzzing officer, so that half of its cases reach past
    the relation check into the handlers."""
    from datetime import datetime, timedelta, timezone

    from conftest import NL_NORTH, NL_SOUTH

    now = datetime.now(timezone.utc)
    body = {"received_at": now.isoformat(), "requester_name": "F. Uzz",
            "requester_function": "rechercheur", "order_reference": "OvJ-FUZZ",
            "prosecutor": "mr. F. Uzz", "prosecutor_office": "Parket Test",
            "order_at": (now - timedelta(minutes=5)).isoformat(), "order_kind": "written",
            "crime_code": "289", "purpose": "fuzz", "facts": "fuzz", "suspect": "fuzz",
            "investigation": {"system": "BVH", "number": f"F-{uuid.uuid4().hex[:10]}",
                              "name": "Fuzzonderzoek"},
            "scope": {"windows": [{"start": (now - timedelta(days=2)).isoformat(),
                                   "end": (now + timedelta(hours=1)).isoformat()}],
                      "areas": [{"kind": "polygon", "geometry": NL_NORTH},
                                {"kind": "polygon", "geometry": NL_SOUTH}]}}
    r = session.post(f"{base}/api/v1/requests", json=body, timeout=30)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert session.post(f"{base}/api/v1/requests/{rid}/confirm", timeout=30).status_code == 200
    return rid


def test_schemathesis_finds_no_error_and_no_contract_violation(fuzz_server, artifacts):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import checks as st
    from schemathesis.generation import GenerationMode

    base = fuzz_server["base"]
    doc = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(doc)
    # The login is the session's own cookie and CSRF header, not a generated value: the
    # requests that leave without one are tests/test_attack_access.py's work.
    schema.config.generation.update(with_security_parameters=False)
    positive_checks = [st.not_a_server_error, st.status_code_conformance,
                       st.content_type_conformance, st.response_schema_conformance,
                       st.response_headers_conformance, st.unsupported_method,
                       st.allow_header_conformance]
    negative_checks = [st.not_a_server_error, st.status_code_conformance,
                       st.content_type_conformance, st.response_schema_conformance,
                       st.negative_data_rejection, st.missing_required_header]
    cases: Counter[str] = Counter()
    statuses: dict[str, Counter[int]] = {}
    failures: dict[str, str] = {}

    def _fuzz(op, name, checks, session, examples, mode, own):
        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case):
            if own is not None and cases[name] % 2:  # every other case on its own request
                if "request_id" in (case.path_parameters or {}):
                    case.path_parameters["request_id"] = own
                if isinstance(case.body, dict) and "request_id" in case.body:
                    case.body["request_id"] = own
            resp = case.call(base_url=base, session=session, timeout=30)
            cases[name] += 1
            statuses.setdefault(name, Counter())[resp.status_code] += 1
            case.validate_response(resp, checks=checks)

        run()

    device = requests.Session()
    device.headers["Authorization"] = f"Bearer {fuzz_server['key']}"
    sessions = {role: _session(base, username) for role, (username, _) in ROLES.items()}
    own = _own_request(base, sessions["officer"])
    started = time.monotonic()
    runs = [(role, session, EXAMPLES if role == "officer" else OTHER_EXAMPLES)
            for role, session in sessions.items()] + [("device", device, OTHER_EXAMPLES)]
    for role, session, examples in runs:
        for result in schema.get_all_operations():
            op = result.ok()
            key = (op.method.upper(), op.path)
            if key in SKIP:
                continue
            raw = doc["paths"][op.path][op.method.lower()]
            modes = [(GenerationMode.POSITIVE, positive_checks, examples)]
            if raw.get("parameters") or raw.get("requestBody"):  # something to get wrong
                modes.append((GenerationMode.NEGATIVE, negative_checks, NEGATIVE_EXAMPLES))
            for mode, checks, n in modes:
                name = f"{role} {mode.value} {key[0]} {key[1]}"
                extra = [st.positive_data_acceptance] if mode == GenerationMode.POSITIVE \
                    and key in ALWAYS_ACCEPTED and role != "device" else []
                try:
                    _fuzz(op, name, checks + extra, session, n, mode,
                          own if role == "officer" else None)
                except Unsatisfiable:  # no invalid form of this operation's inputs
                    continue
                except BaseException as exc:  # every operation is tried; all failures at once
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    failures[name] = str(exc)[:1500]
    elapsed = time.monotonic() - started
    report = {"seconds": round(elapsed, 1), "cases": sum(cases.values()),
              "operations": {n: {"cases": cases[n], "statuses": dict(statuses.get(n, {}))}
                             for n in sorted(cases)},
              "failures": failures}
    (artifacts / "schemathesis-report.json").write_text(json.dumps(report, indent=1))
    print(f"schemathesis: {report['cases']} cases over {len(cases)} role-operations in "
          f"{elapsed:.0f} s, {len(failures)} failing")
    per_role = Counter(n.split(" ", 1)[0] for n in cases)
    assert per_role["officer"] >= 140 and set(per_role) == {*ROLES, "device"}, per_role
    # The device key reached intake: at least one of its passages was taken or refused
    # for what it said, not for who sent it.
    intake = statuses.get("device positive POST /api/v1/intake/passages", Counter())
    assert set(intake) - {401, 403}, intake
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
