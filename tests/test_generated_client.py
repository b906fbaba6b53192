"""The generated client works (issue 16): scripts/generate-client builds a Python client
from the live server's OpenAPI document with openapi-python-client, and that client logs
in, registers a request and confirms it, as docs/api.md shows an integrator; the README's
script of the officer's whole flow runs with it, as it stands in README.md."""
from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client_dir(live_server, tmp_path_factory) -> Path:
    """A folder holding the package ``anpr_client``, generated from the live document."""
    where = tmp_path_factory.mktemp("generated")
    subprocess.run([str(ROOT / "scripts" / "generate-client"), str(where / "anpr_client"),
                    f"{live_server}/api/v1/openapi.json"], check=True, timeout=300)
    return where


def test_generated_client_registers_and_confirms(live_server, people, client_dir):
    from conftest import NL_NORTH, TEST_PASSWORD

    sys.path.insert(0, str(client_dir))
    try:
        for name in [m for m in sys.modules if m == "anpr_client" or m.startswith("anpr_client.")]:
            del sys.modules[name]
        anpr_client = importlib.import_module("anpr_client")
        api = importlib.import_module("anpr_client.api.default")
        models = importlib.import_module("anpr_client.models")
        names = ("api_session", "api_login", "register", "confirm", "get_request",
                 "search_preview", "search_run", "reads")
        ops = {n: importlib.import_module(f"anpr_client.api.default.{n}") for n in names}
        assert api and models

        # The officer flow, as in docs/api.md: the CSRF token rides as the client's auth
        # header, the session cookie in its (one) httpx client's cookie jar.
        client = anpr_client.AuthenticatedClient(
            base_url=live_server, token="", prefix="", auth_header_name="X-CSRF-Token",
            raise_on_unexpected_status=True)
        http = client.get_httpx_client()
        http.headers["X-CSRF-Token"] = ops["api_session"].sync(client=client).csrf_token
        session = ops["api_login"].sync(
            client=client, body=models.Login(username="officer.mn", password=TEST_PASSWORD))
        assert getattr(session, "role", None) == "officer", session
        http.headers["X-CSRF-Token"] = session.csrf_token

        now = datetime.now(timezone.utc)
        body = models.RequestRegistration.from_dict({
            "received_at": now.isoformat(), "requester_name": "C. Lient",
            "requester_function": "rechercheur", "order_reference": "OvJ-CLIENT",
            "prosecutor": "mr. C. Lient", "prosecutor_office": "Parket Test",
            "order_at": (now - timedelta(minutes=5)).isoformat(), "order_kind": "written",
            "crime_code": "289", "purpose": "test", "facts": "test", "suspect": "test",
            "investigation": {"system": "BVH", "number": f"GC-{now.timestamp():.0f}",
                              "name": "Gegenereerde client"},
            "scope": {"windows": [{"start": (now - timedelta(days=2)).isoformat(),
                                   "end": now.isoformat()}],
                      "areas": [{"kind": "polygon", "geometry": NL_NORTH}]}})
        created = ops["register"].sync(client=client, body=body)
        assert isinstance(created, models.Request), created
        assert created.status == "registered"
        confirmed = ops["confirm"].sync(
            client=client, request_id=created.id)
        assert confirmed.status == "confirmed", confirmed
        again = ops["get_request"].sync(client=client, request_id=created.id)
        assert again.id == created.id and again.received_at.tzinfo is not None

        # A plate search inside the order: the count preview first, then the run.
        search = {"kind": "plate", "parameters": {
            "plates": ["GC001X"], "window": {"start": (now - timedelta(days=1)).isoformat(),
                                            "end": now.isoformat()}}}
        preview = ops["search_preview"].sync(
            client=client, request_id=created.id,
            body=models.PlateEnquiry.from_dict(search))
        assert isinstance(preview, models.Enquiry), preview
        ran = ops["search_run"].sync_detailed(client=client, enquiry_id=preview.enquiry_id)
        assert ran.status_code == 200, ran.content
        page = ops["reads"].sync_detailed(client=client, request_id=created.id)
        assert page.status_code == 200, page.content
    finally:
        sys.path.remove(str(client_dir))


def _readme_script() -> str:
    """The python block of the README's section on the officer's flow, as it stands."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The officer's flow through the API", 1)[1]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "README.md: no python block in the officer's flow"
    return m.group(1)


def test_the_readme_script_runs_the_officers_flow(app, live_server, people, demo_db,
                                                  database_url, client_dir, tmp_path):
    """The README's script, run as it stands with the generated client, on the demo's
    planted convoy lead: its passages copied as a new plate's with plate crops (the demo's
    passages have none; the last copy without), so every read but one is asked on the
    terminal. The officer confirms all of them but the last asked, which is rejected; the
    page's spot-check read goes apart, as the verdicts API demands."""
    from casework_support import cropped_copies
    from conftest import TEST_PASSWORD

    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = f"ZR{uuid.uuid4().hex[:5].upper()}"
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], plate, without_crop=1)
    assert len(copies) >= 3
    # The plate reader's opinions: it disagrees with the first read and agrees with the
    # others with a crop, so the page has reads to confirm with it and a spot-check read
    # (which the script must answer apart, or its verdicts are refused).
    from test_verification_opinion import _opinion

    with psycopg.connect(database_url) as conn:
        _opinion(conn, copies[0], plate[:-1] + ("1" if plate[-1] != "1" else "2"), 0.95)
        for c in copies[1:-1]:
            _opinion(conn, c, plate, 0.97)
    with psycopg.connect(database_url) as conn:
        locations = sorted({r[0] for r in conn.execute(
            "SELECT l.code FROM camera c JOIN location l ON l.id = c.location_id"
            " WHERE c.id = ANY(%s)", ([c["camera_id"] for c in copies],))})
    start, end = truth["window"]
    answers = ["y"] * (len(copies) - 2) + ["n"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(client_dir), "ANPR_URL": live_server,
           "ANPR_USER": "officer.mn", "ANPR_PASSWORD": TEST_PASSWORD, "ANPR_PLATE": plate,
           "ANPR_LOCATIONS": ",".join(locations), "ANPR_FROM": start, "ANPR_TO": end}
    run = subprocess.run([sys.executable, "-c", _readme_script()], cwd=tmp_path, env=env,
                         input="".join(a + "\n" for a in answers), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert f"{len(copies)} passages," in out, out
    held = [line for line in out.splitlines() if f" {plate} " in line]
    assert len(held) == len(copies), out          # every held row, paged through
    assert sum(line.endswith(" not_verifiable") for line in held) == 1
    assert out.count("? [y/n]") == len(answers)
    zips = list(tmp_path.glob("*.zip"))
    assert len(zips) == 1, out
    assert len(list(tmp_path.glob("crop-*.jpg"))) == len(copies) - 1
    with zipfile.ZipFile(zips[0]) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["request"]["reference"] == zips[0].stem
    assert manifest["searches"][0]["parameters"]["plates"] == [plate]
    assert manifest["counts"]["misreads_left_out"] == 1      # the read rejected
    assert manifest["counts"]["not_verifiable"] == 1         # the copy without a crop
    assert manifest["counts"]["passages_provided"] == len(copies) - 1
    with psycopg.connect(database_url) as conn:
        given = dict(conn.execute(
            "SELECT v.verdict::text, count(*) FROM verification v"
            " WHERE v.passage_id = ANY(%s) GROUP BY 1", ([c["id"] for c in copies],)).fetchall())
    assert given == {"confirmed": len(copies) - 2, "rejected": 1}
