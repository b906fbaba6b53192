"""Dutch refusals for the officers' pages (issue 13): every message the server raises has a
Dutch sentence, and real refusals through the HTTP path answer it as ``bericht``, with the
variable parts (counts, references, times in Europe/Amsterdam) carried over."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_support import browser  # noqa: F401 (fixture)
from refusal_sources import messages
from test_casework_enquiries import _confirmed, _order, _window

from webmap import messages_nl

AMS = ZoneInfo("Europe/Amsterdam")


def _shown(t: datetime) -> str:
    t = t.astimezone(AMS)
    return t.strftime("%d-%m-%Y %H:%M:%S" if t.second else "%d-%m-%Y %H:%M")


def test_every_raised_message_has_a_dutch_sentence():
    found = messages()
    assert len(found) > 200  # the scan reads the source (it would pass vacuously if not)
    missing = {t: where for t, where in found.items() if t not in messages_nl.TABLE}
    assert not missing, ("refusals without a Dutch sentence: add each to webmap/messages_nl.py TABLE "
                         "(the plan editors' to messages_nl_registry.py; DUTCH_ALREADY when "
                         "the source says it in Dutch):\n") + "\n".join(
        f"  {where[0]}: {t!r}" for t, where in sorted(missing.items()))


def test_every_dutch_sentence_uses_the_parts_it_is_given():
    import string

    for english, dutch in messages_nl.TABLE.items():
        holes = sum(1 for _l, f, _s, _c in string.Formatter().parse(english) if f is not None)
        used = {f for _l, f, _s, _c in string.Formatter().parse(dutch) if f is not None}
        assert used <= {str(i) for i in range(holes)}, english
        assert dutch.format(*(["x"] * holes))  # no stray braces


def test_no_sentence_is_shadowed_by_a_more_general_one():
    """Each English template, filled in, finds its own Dutch (not "{} must be {}"'s)."""
    import string

    for english, dutch in messages_nl.TABLE.items():
        holes = sum(1 for _l, f, _s, _c in string.Formatter().parse(english) if f is not None)
        parts = [f"Q{i}" for i in range(holes)]
        want = dutch.format(*parts)
        want = want[:1].upper() + want[1:] if dutch.startswith("{") else want
        assert messages_nl.translate(english.format(*parts)) == want, english


def test_variable_parts_carry_over_in_dutch():
    t = messages_nl.translate
    assert t("3 plate read(s) are not verified yet; verify them before provision") == \
        "3 kentekenlezing(en) nog niet geverifieerd; verifieer ze vóór het leveren."
    assert t("request MN-2026-0042 is provided") == "Verzoek MN-2026-0042 is geleverd."
    assert t("scope area 2: polygon has no area") == \
        "Gebied 2 van het bevel: het vlak heeft geen oppervlakte"
    # Winter and summer time: 06:00 UTC is 07:00 in January and 08:00 in July.
    got = t("the window 2026-01-10T06:00:00+00:00 .. 2026-07-10T06:00:00+00:00 lies outside "
            "the order's time (2026-01-01T00:00:00+00:00 .. 2026-01-02T00:00:00+00:00)")
    assert got == ("Het tijdvak 10-01-2026 07:00 – 10-07-2026 08:00 ligt buiten de tijd van het "
                   "bevel (01-01-2026 01:00 – 02-01-2026 01:00).")
    assert "UTC" not in got and "+00:00" not in got
    assert t("correctie geweigerd: unknown crime code 'XX9'") == \
        "correctie geweigerd: onbekende misdrijfcode 'XX9'"
    assert t("requester name is required") == "De naam van de aanvrager is verplicht."
    assert t("window 2 start is not an ISO 8601 time: 'gisteren'") == \
        "Het begin van tijdvak 2 is geen geldig tijdstip: 'gisteren'."
    member = ("you are a member of this investigation and may not search for it; hand it "
              "over to a colleague")
    assert t(member) == ("U bent lid van dit onderzoek en mag er niet voor zoeken; draag het "
                         "verzoek over aan een collega.")
    assert t(member + " (a.jansen)").endswith("aan een collega (a.jansen).")
    assert t("something nobody wrote") is None
    assert messages_nl.bericht("something nobody wrote", 409).startswith("Dit kan nu niet")


def test_the_general_sentences_speak_of_no_request():
    """The general sentence stands in for any refusal, the registry's and the plans' too:
    none of them may speak of a request (issue 19: a registry 409 said "verzoek")."""
    for status in (400, 403, 404, 405, 409, 413, 415, 500):
        assert "verzoek" not in messages_nl.fallback(status).lower(), status


def test_refusals_through_http_answer_dutch(app, database_url, login, demo_db, truth):  # noqa: F811
    from casework_support import cropped_copies

    officer = login("officer.mn")
    # Bad JSON: English message unchanged, Dutch bericht beside it.
    resp = officer.post("/api/v1/requests", data="{not json", content_type="application/json")
    body = resp.get_json()
    assert resp.status_code == 400 and "not valid JSON" in body["message"]
    assert body["bericht"] == "De gegevens zijn geen geldige JSON."
    # An address that does not exist (werkzeug's own 404).
    body = officer.get("/api/v1/no-such-thing").get_json()
    assert body["bericht"] == "Niet gevonden." and body["message"]
    # A search outside the order's window: the times in Amsterdam, not UTC.
    lead = "NL" + uuid.uuid4().hex[:6].upper()
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], lead, without_crop=1)
    blind = copies[-1]
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    rid = _confirmed(officer, _order(demo_db, plates=[lead], locations=locations))
    early = demo_db["start"] - timedelta(hours=2)
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [lead], "window": {"start": early.isoformat(), "end": demo_db["end"].isoformat()}}})
    body = resp.get_json()
    assert resp.status_code == 403 and "lies outside the order's time" in body["message"]
    assert body["bericht"].startswith(f"Het tijdvak {_shown(early)} – {_shown(demo_db['end'])} "
                                      "ligt buiten de tijd van het bevel (")
    assert _shown(demo_db["start"]) in body["bericht"]
    assert "+00:00" not in body["bericht"] and "T" not in body["bericht"].split("(")[1]
    # A package with reads not yet verified: the count carried over.
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [lead], "window": _window(demo_db)}}).get_json()
    run = officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").get_json()
    left = run["passages_kept"] - 1  # the read without a crop cannot be verified
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    body = resp.get_json()
    assert resp.status_code == 409 and "not verified yet" in body["message"]
    assert body["bericht"] == (f"{left} kentekenlezing(en) nog niet geverifieerd; verifieer ze "
                               "vóór het leveren.")
    # A verdict without a crop: already Dutch, with its passage.
    resp = officer.post(f"/api/v1/requests/{rid}/verdicts", json={"verdicts": [
        {"passage_id": blind["id"], "captured_at": blind["captured_at"].isoformat(),
         "verdict": "confirmed"}]})
    body = resp.get_json()
    assert resp.status_code == 409 and body["error"] == "not_verifiable"
    assert body["bericht"] == body["message"] and str(blind["id"]) in body["bericht"]
    # A request that is not the officer's to confirm again.
    body = officer.post(f"/api/v1/requests/{rid}/confirm").get_json()
    assert "bevestigd" in body["bericht"] and body["message"] != body["bericht"], body


@pytest.mark.browser
def test_the_request_page_shows_the_refusal_in_dutch(browser, live_server, demo_db,  # noqa: F811
                                                    truth, people):  # noqa: F811
    """A search outside the order's window, asked on the request page in Chromium (the
    browser in UTC): the officer reads the Dutch refusal with Amsterdam times."""
    from browser_support import log_in

    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 950}, timezone_id="UTC")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    log_in(pg, live_server, "officer.mn")
    lead = truth["convoy"]["lead"]
    body = _order(demo_db, plates=[lead], locations=[truth["convoy"]["passages"][0]["location"]])
    rid = pg.evaluate("""body => Anpr.api("POST", "/api/v1/requests", body)
        .then(r => Anpr.api("POST", "/api/v1/requests/" + r.id + "/confirm")
        .then(() => r.id))""", body)
    pg.goto(f"{live_server}/requests/{rid}")
    pg.wait_for_selector("#request[data-status='confirmed']")
    pg.select_option("#s-kind", "plate")
    pg.fill("#s-plates", lead)
    early = demo_db["start"] - timedelta(hours=2)
    pg.fill("#s-start", early.astimezone(AMS).strftime("%Y-%m-%dT%H:%M"))
    pg.click("#s-preview")
    pg.wait_for_function("document.getElementById('req-message').textContent.length > 0")
    text = pg.text_content("#req-message")
    assert "ligt buiten de tijd van het bevel" in text, text
    assert _shown(early.replace(second=0, microsecond=0)) in text, text
    assert "outside" not in text and "+00:00" not in text and "UTC" not in text, text
    assert not errors
    ctx.close()


def test_a_refused_registration_and_its_page_give_the_reason_in_dutch(login, demo_db):
    """R3: a crime outside art. 67 lid 1 Sv; the reason is kept in English (the record), the
    form and the request page show it in Dutch."""
    officer = login("officer.mn")
    body = _order(demo_db, locations=["MN-A12-001"])
    body["crime_code"] = "266"
    resp = officer.post("/api/v1/requests", json=body)
    got = resp.get_json()
    assert resp.status_code == 422 and "does not allow pre-trial" in got["rejected_reason"]
    assert "is geen misdrijf waarvoor voorlopige hechtenis is toegelaten" in \
        got["qualification"]["reden"]
    page = officer.get(f"/requests/{got['id']}").get_data(as_text=True)
    assert "Afgewezen: " in page and "voorlopige hechtenis is toegelaten" in page
    assert "does not allow" not in page


def test_the_photos_page_says_in_dutch_why_a_photo_is_missing(app, demo_db, truth,  # noqa: F811
                                                              database_url, people):
    from test_casework_photos import _grid_request

    made = _grid_request(app, demo_db, truth, database_url, 1, "SIT-PHOTO-NL")
    page = made["officer"].get(f"/api/v1/requests/{made['id']}/photos").get_json()
    (gone,) = page["unavailable"]
    assert gone["reason"].startswith("set aside by the detector: ")  # English kept
    assert gone["reden"].startswith("Door de detector terzijde gelegd: ")
    assert gone["reden"].endswith("; de foto wordt niet getoond of geleverd.")
    assert all(p["photo_bericht"] == "Vervaagd door de detector." for p in page["photos"])
