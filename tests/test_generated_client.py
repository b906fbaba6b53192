"""The generated client works (issue 16): scripts/generate-client builds a Python client
from the live server's OpenAPI document with openapi-python-client, and that client logs
in, registers a request and confirms it, as docs/api.md shows an integrator."""
from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_client_registers_and_confirms(live_server, people, tmp_path):
    from conftest import NL_NORTH, TEST_PASSWORD

    out = tmp_path / "anpr_client"
    subprocess.run([str(ROOT / "scripts" / "generate-client"), str(out),
                    f"{live_server}/api/v1/openapi.json"], check=True, timeout=300)
    sys.path.insert(0, str(tmp_path))
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
        sys.path.remove(str(tmp_path))
