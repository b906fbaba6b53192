"""Monitoring statistics and the yearly privacy audit, from the system's own records.

The monitor report's authors asked operators for monthly spreadsheets and could not link
searches to crime types; here every figure is computed from the requests, searches,
provisions, the audit log and the daily passage counts, for any period, in the report's
own layout (Tables 1-8, Figures 5 and 10). No statistic holds personal data: no plates,
names or case numbers, only counts.
"""
from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg

from anpr import clock
from anpr.csvcells import cell

MONTHS = ["Januari", "Februari", "Maart", "April", "Mei", "Juni", "Juli", "Augustus",
          "September", "Oktober", "November", "December"]
HANDLED = ("confirmed", "provided", "completed")
WRITTEN_DEADLINE = timedelta(hours=72)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";")
        w.writerow(self.columns)
        for r in self.rows:
            # text someone typed is no formula; numbers (as _cell writes them) stay numbers
            w.writerow([cell(_cell(v)) if isinstance(v, str) else _cell(v) for v in r])
        return buf.getvalue()

    def to_html(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r) + "</tr>"
                       for r in self.rows)
        notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in self.notes)
        return (f"<section id='{self.key}'><h2>{html.escape(self.title)}</h2>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}"
                "</section>")


@dataclass(frozen=True)
class Count:
    """A count with its share, printed as the report does: ``14 (12,3%)``."""

    n: int
    of: int

    @property
    def pct(self) -> float:
        return round(100.0 * self.n / self.of, 1) if self.of else 0.0

    def __str__(self) -> str:
        return f"{self.n} ({pct_nl(self.pct)})"


def pct_nl(p: float) -> str:
    return f"{p:.1f}%".replace(".", ",")


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.1f}".replace(".", ",")
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10000:
        return f"{v:,}".replace(",", ".")
    return str(v)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local (Europe/Amsterdam) calendar days [start, end] as a UTC window."""
    return (datetime.combine(start, time(0), clock.AMSTERDAM),
            datetime.combine(end + timedelta(days=1), time(0), clock.AMSTERDAM))


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _label(y: int, m: int, multi_year: bool) -> str:
    return f"{MONTHS[m - 1]} {y}" if multi_year else MONTHS[m - 1]


# -- Table 1 and Figure 5: passages --------------------------------------------------------

def passages_per_day(conn: psycopg.Connection, start: date, end: date) -> list[dict[str, Any]]:
    return list(conn.execute("SELECT day, passages, unique_plates FROM passage_day_stat"
                             " WHERE day BETWEEN %s AND %s ORDER BY day", (start, end)).fetchall())


def table1(conn, start: date, end: date) -> Table:
    days = passages_per_day(conn, start, end)
    months = _months(start, end)
    multi = len({y for y, _ in months}) > 1
    per = {k: 0 for k in months}
    for d in days:
        per[(d["day"].year, d["day"].month)] += d["passages"]
    rows = [[_label(y, m, multi), per[(y, m)]] for y, m in months]
    rows.append(["Totaal", sum(per.values())])
    return Table("tabel1", "Tabel 1  Aantal geregistreerde passages per maand", ["Maand", "Aantal"],
                 rows, ["Uit de dagelijkse tellingen, die na de vernietiging van de passages "
                        "blijven bestaan (alleen aantallen, geen kentekens)."])


# -- Tables 2-4: requests ------------------------------------------------------------------

def _requests(conn, start: date, end: date) -> list[dict[str, Any]]:
    lo, hi = _bounds(start, end)
    return list(conn.execute(
        "SELECT id, investigation_id, status::text AS status, order_kind::text AS order_kind,"
        " received_at, order_at, written_order_at, crime_code, fugitive, unit_code,"
        " prosecutor_office FROM request WHERE received_at >= %s AND received_at < %s",
        (lo, hi)).fetchall())


def table2(conn, start: date, end: date) -> Table:
    reqs = _requests(conn, start, end)
    months = _months(start, end)
    multi = len({y for y, _ in months}) > 1
    cols = ["Maand", "Totaal per maand", "Afgewezen", "Behandeld", "Schriftelijk", "Telefonisch"]
    rows = []
    tot = {"all": 0, "rej": 0, "hand": 0, "w": 0, "v": 0}
    for y, m in months:
        mine = [r for r in reqs if (clock.local(r["received_at"]).year,
                                    clock.local(r["received_at"]).month) == (y, m)]
        rej = sum(1 for r in mine if r["status"] == "rejected")
        hand = [r for r in mine if r["status"] in HANDLED]
        w = sum(1 for r in hand if r["order_kind"] == "written")
        v = sum(1 for r in hand if r["order_kind"] == "verbal")
        n = rej + len(hand)
        rows.append([_label(y, m, multi), n, Count(rej, n), Count(len(hand), n), Count(w, n),
                     Count(v, n)])
        for k, val in (("all", n), ("rej", rej), ("hand", len(hand)), ("w", w), ("v", v)):
            tot[k] += val
    n = tot["all"]
    rows.append(["Totaal", n, Count(tot["rej"], n), Count(tot["hand"], n), Count(tot["w"], n),
                 Count(tot["v"], n)])
    pending = sum(1 for r in reqs if r["status"] == "registered")
    notes = [f"Nog niet bevestigd of geannuleerd: {pending + sum(1 for r in reqs if r['status'] == 'cancelled')}"
             " (niet meegeteld)."]
    return Table("tabel2", "Tabel 2  Aantal ontvangen verzoeken", cols, rows, notes)


def table3(conn, start: date, end: date) -> Table:
    reqs = _requests(conn, start, end)
    per_inv: dict[int, int] = {}
    for r in reqs:
        if r["status"] in HANDLED + ("rejected",):
            per_inv[r["investigation_id"]] = per_inv.get(r["investigation_id"], 0) + 1
    buckets = {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6+": 0}
    for n in per_inv.values():
        buckets["6+" if n >= 6 else str(n)] += 1
    total = sum(buckets.values())
    rows = [[k, v, pct_nl(Count(v, total).pct)] for k, v in buckets.items()]
    rows.append(["Totaal", total, pct_nl(100.0 if total else 0.0)])
    return Table("tabel3", "Tabel 3  Aantal verzoeken per onderzoek",
                 ["Aantal verzoeken", "Frequentie", "Percentage"], rows)


def table4(conn, start: date, end: date) -> Table:
    reqs = [r for r in _requests(conn, start, end)
            if r["status"] in HANDLED and r["order_kind"] == "verbal"]
    months = _months(start, end)
    multi = len({y for y, _ in months}) > 1
    rows, tv, tl, to, missing = [], 0, 0, 0, 0
    for y, m in months:
        mine = [r for r in reqs if (clock.local(r["received_at"]).year,
                                    clock.local(r["received_at"]).month) == (y, m)]
        late = sum(1 for r in mine if r["written_order_at"]
                   and r["written_order_at"] - r["order_at"] > WRITTEN_DEADLINE)
        ontime = sum(1 for r in mine if r["written_order_at"]
                     and r["written_order_at"] - r["order_at"] <= WRITTEN_DEADLINE)
        missing += len(mine) - late - ontime
        rows.append([_label(y, m, multi), len(mine), Count(late, len(mine)),
                     Count(ontime, len(mine))])
        tv, tl, to = tv + len(mine), tl + late, to + ontime
    rows.append(["Totaal", tv, Count(tl, tv), Count(to, tv)])
    return Table("tabel4", "Tabel 4  Aantal telefonisch bevelen en tijdige afhandeling",
                 ["Maand", "Telefonisch bevel", "Schriftelijk bevel te laat",
                  "Schriftelijk bevel op tijd"], rows,
                 [f"Zonder (nog) ingevoerd schriftelijk bevel: {missing}."])


# -- Tables 5-8 and Figure 10: searches ----------------------------------------------------

def _searches(conn, start: date, end: date) -> list[dict[str, Any]]:
    lo, hi = _bounds(start, end)
    return list(conn.execute(
        "SELECT e.kind, e.parameters, e.run_at, r.crime_code, r.fugitive, r.investigation_id,"
        " r.unit_code, r.prosecutor_office FROM enquiry e JOIN request r ON r.id = e.request_id"
        " WHERE e.run_at >= %s AND e.run_at < %s", (lo, hi)).fetchall())


PLATE_KINDS = {"plate", "convoy", "route"}


def tables5_6(conn, start: date, end: date) -> tuple[Table, Table]:
    s = _searches(conn, start, end)
    full = sum(1 for x in s if x["kind"] in PLATE_KINDS)
    part = sum(1 for x in s if x["kind"] == "partial")
    none = sum(1 for x in s if x["kind"] in ("block", "common"))
    n = len(s)
    t5 = Table("tabel5", "Tabel 5  Frequentie type uitgevoerde zoekvragen",
               ["Type zoekvraag", "Aantal", "Percentage"],
               [["Eén of meer volledige kentekens", full, pct_nl(Count(full, n).pct)],
                ["Onvolledig of ontbrekend kenteken", part + none, pct_nl(Count(part + none, n).pct)],
                ["Totaal", n, pct_nl(100.0 if n else 0.0)]])
    t6 = Table("tabel6", "Tabel 6  Frequentie type uitgevoerde zoekvragen (uitgesplitst)",
               ["Type zoekvraag", "Aantal", "Percentage"],
               [["Eén of meer volledige kentekens", full, pct_nl(Count(full, n).pct)],
                ["Eén of meerdere onvolledige kentekens", part, pct_nl(Count(part, n).pct)],
                ["Geen kenteken", none, pct_nl(Count(none, n).pct)],
                ["Totaal", n, pct_nl(100.0 if n else 0.0)]])
    return t5, t6


def _windows(params: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    raw = [params["window"]] if isinstance(params.get("window"), dict) else []
    raw += [s["window"] for s in params.get("sites") or [] if isinstance(s.get("window"), dict)]
    out = []
    for w in raw:
        try:
            out.append((datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"])))
        except (KeyError, ValueError, TypeError):
            continue
    return out


def table7(conn, start: date, end: date) -> Table:
    s = _searches(conn, start, end)
    length = {k: 0 for k in ["<1"] + [str(i) for i in range(1, 29)]}
    back = dict(length)
    counted = 0
    for x in s:
        ws = _windows(x["parameters"])
        if not ws:
            continue
        counted += 1
        lo, hi = min(w[0] for w in ws), max(w[1] for w in ws)
        days = (hi - lo).total_seconds() / 86400
        length["<1" if days < 1 else str(min(28, int(days)))] += 1
        ago = (x["run_at"] - lo).total_seconds() / 86400
        back["<1" if ago < 1 else str(min(28, int(ago)))] += 1
    rows = [[k, length[k], pct_nl(Count(length[k], counted).pct), back[k],
             pct_nl(Count(back[k], counted).pct)] for k in length]
    rows.append(["Totaal", counted, pct_nl(100.0 if counted else 0.0), counted,
                 pct_nl(100.0 if counted else 0.0)])
    return Table("tabel7", "Tabel 7  Gebruikte termijn en aantal dagen terug in zoekopdrachten",
                 ["Dagen", "Termijn: frequentie", "Termijn: percentage",
                  "Dagen terug: frequentie", "Dagen terug: percentage"], rows)


def table8(conn, start: date, end: date) -> Table:
    s = _searches(conn, start, end)
    labels = {r["code"]: r["label"] for r in conn.execute("SELECT code, label FROM crime")}
    per: dict[str, list[Any]] = {}
    for x in s:
        label = "Voortvluchtige (art. 564 Sv)" if x["fugitive"] else labels.get(x["crime_code"], "onbekend")
        entry = per.setdefault(label, [0, set()])
        entry[0] += 1
        entry[1].add(x["investigation_id"])
    n = len(s)
    u = len({x["investigation_id"] for x in s})
    rows = [[k, v[0], pct_nl(Count(v[0], n).pct), len(v[1]), pct_nl(Count(len(v[1]), u).pct)]
            for k, v in sorted(per.items())]
    rows.append(["Totaal", n, pct_nl(100.0 if n else 0.0), u, pct_nl(100.0 if u else 0.0)])
    return Table("tabel8", "Tabel 8  126jj zoekvragen uitgesplitst naar type misdrijf",
                 ["Type misdrijf", "Aantal afgehandelde zoekvragen", "Totaal %",
                  "Aantal unieke onderzoeken", "Totaal uniek %"], rows,
                 ["Elk verzoek legt het misdrijf vast, dus iedere zoekvraag is gekoppeld."])


def provided_per_request(conn, start: date, end: date) -> list[int]:
    lo, hi = _bounds(start, end)
    return [r["n"] for r in conn.execute(
        "SELECT (manifest->'counts'->>'passages_provided')::int AS n FROM provision"
        " WHERE created_at >= %s AND created_at < %s", (lo, hi)).fetchall()]


FIG10_BINS = [(0, 0, "0"), (1, 10, "1-10"), (11, 100, "11-100"), (101, 1000, "101-1.000"),
              (1001, 10000, "1.001-10.000"), (10001, 10**12, ">10.000")]


def figure10_table(conn, start: date, end: date) -> Table:
    counts = provided_per_request(conn, start, end)
    rows = [[label, sum(1 for c in counts if lo <= c <= hi)] for lo, hi, label in FIG10_BINS]
    return Table("figuur10", "Figuur 10  Aantal geleverde gegevens per verzoek",
                 ["Geleverde passages", "Aantal verzoeken"], rows)


# -- misreads per camera (issue 18) ---------------------------------------------------------

def misread_rates(conn: psycopg.Connection, start: date, end: date) -> Table:
    """Verdicts on reads per camera in the period (capture days), from
    ``misread_confusion`` (counts only, no plates): how many verified reads, how many
    characters officers confirmed as misread and rejected, and the confirmed misreads per
    100 verified reads, the worst camera first: a badly aimed or dirty camera stands out.
    The character pairs confirmed most at a camera are named."""
    rows = conn.execute("""
        SELECT camera_id,
               sum(confirmed + rejected) FILTER (WHERE read_char = '') AS verified,
               coalesce(sum(confirmed) FILTER (WHERE read_char <> ''), 0) AS misread,
               coalesce(sum(rejected) FILTER (WHERE read_char <> ''), 0) AS rejected,
               array_agg(read_char || '/' || true_char ORDER BY confirmed DESC, read_char)
                   FILTER (WHERE read_char <> '' AND confirmed > 0) AS pairs
          FROM misread_confusion WHERE day >= %s AND day <= %s
         GROUP BY camera_id""", (start, end)).fetchall()
    out = []
    for r in rows:
        verified = int(r["verified"] or 0)
        rate = round(100.0 * int(r["misread"]) / verified, 1) if verified else 0.0
        out.append((rate, [r["camera_id"], verified, int(r["misread"]), int(r["rejected"]),
                           pct_nl(rate), ", ".join((r["pairs"] or [])[:3])]))
    out = [row for _, row in sorted(out, key=lambda x: (-x[0], -x[1][2], x[1][0]))]
    return Table("misreads", "Verkeerd gelezen kentekens per camera",
                 ["Camera", "Geverifieerde lezingen", "Bevestigd verkeerd gelezen tekens",
                  "Afgewezen gelijkenissen", "Verkeerd gelezen per 100 lezingen",
                  "Meest bevestigd (gelezen/werkelijk)"], out,
                 ["Uit de oordelen van verbalisanten over waarschijnlijk verkeerd gelezen "
                  "kentekens; alleen tellingen per camera en teken, geen kentekens."])


# -- the whole monitor ---------------------------------------------------------------------

def monitor(conn: psycopg.Connection, start: date, end: date) -> list[Table]:
    t5, t6 = tables5_6(conn, start, end)
    return [table1(conn, start, end), table2(conn, start, end), table3(conn, start, end),
            table4(conn, start, end), t5, t6, table7(conn, start, end), table8(conn, start, end),
            figure10_table(conn, start, end), misread_rates(conn, start, end)]


def charts(conn: psycopg.Connection, start: date, end: date) -> dict[str, str]:
    """Figure 5 and Figure 10 as SVG, rendered offline with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    days = passages_per_day(conn, start, end)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot([d["day"] for d in days], [d["passages"] for d in days], label="passages")
    ax.plot([d["day"] for d in days], [d["unique_plates"] or 0 for d in days],
            label="unieke kentekens")
    ax.set_title("Figuur 5  Passages en unieke kentekens per dag")
    ax.legend()
    fig.autofmt_xdate()
    out["figuur5.svg"] = _svg(fig, plt)
    t = figure10_table(conn, start, end)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([r[0] for r in t.rows], [r[1] for r in t.rows], color="#15426a")
    ax.set_title("Figuur 10  Aantal geleverde gegevens per verzoek")
    out["figuur10.svg"] = _svg(fig, plt)
    return out


def _svg(fig, plt) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


#: The report's own style, for the standalone file (``anpr report ... --out``); the web
#: pages link css/app.css instead (``body.report``): their policy allows no inline style.
REPORT_CSS = ("body{font-family:sans-serif;margin:2em}"
              "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;"
              "padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
              ".note{color:#555;font-size:90%}")


def render_html(tables: list[Table], svgs: dict[str, str], title: str, *,
                stylesheets: list[str] | None = None) -> str:
    """The report as one HTML page. Standalone (no ``stylesheets``): its style inline, the
    charts inline SVG. For the web (``stylesheets``: their URLs): no inline style at all,
    and each chart an image (a data: URL), since matplotlib's SVG carries style attributes
    that the pages' Content-Security-Policy refuses in the page but not inside an image."""
    if stylesheets is None:
        head = f"<style>{REPORT_CSS}</style>"
        figs = "".join(f"<figure>{svg[svg.find('<svg'):]}</figure>" for svg in svgs.values())
        body = "<body>"
    else:
        head = "".join(f'<link rel="stylesheet" href="{html.escape(u)}">' for u in stylesheets)
        figs = "".join(
            f'<figure><img alt="{html.escape(name)}" src="data:image/svg+xml;base64,'
            f'{base64.b64encode(svg.encode()).decode()}"></figure>' for name, svg in svgs.items())
        body = '<body class="report">'
    return ("<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>{head}</head>{body}"
            f"<h1>{html.escape(title)}</h1>" + "".join(t.to_html() for t in tables) + figs
            + "</body></html>")


# -- the yearly privacy audit (report section 2.5) -------------------------------------------

def privacy_audit(conn: psycopg.Connection, year: int, home: Path | None = None) -> list[Table]:
    """The yearly figures; with ``home`` the audit chain is also held against the signed
    checkpoints kept there (R6), and the report says how far the chain is anchored."""
    from anpr import audit as audit_mod

    start, end = date(year, 1, 1), date(year, 12, 31)
    lo, hi = _bounds(start, end)
    s = _searches(conn, start, end)
    reqs = _requests(conn, start, end)
    per_unit: dict[str, int] = {}
    per_office: dict[str, int] = {}
    for x in s:
        per_unit[x["unit_code"]] = per_unit.get(x["unit_code"], 0) + 1
        per_office[x["prosecutor_office"]] = per_office.get(x["prosecutor_office"], 0) + 1
    logged = conn.execute(
        "SELECT count(*) FILTER (WHERE action = 'search.run') AS runs,"
        " count(*) FILTER (WHERE action = 'search.preview') AS previews,"
        " count(*) FILTER (WHERE action = 'provide') AS provisions"
        " FROM audit_log WHERE at >= %s AND at < %s", (lo, hi)).fetchone()
    chain = audit_mod.verify(conn, home)
    if chain.checkpoints:
        anchored = f"{chain.checkpoints}, de laatste bij record {chain.anchored_seq}"
    elif home is not None and chain.ok:
        anchored = "geen: de keten is niet buiten de database verankerd"
    else:
        anchored = "niet gecontroleerd"
    reviewed = conn.execute("SELECT count(*) AS n FROM account WHERE role = 'officer'").fetchone()["n"]
    blurred = conn.execute(
        "SELECT coalesce(sum((manifest->'counts'->>'photos')::int), 0) AS photos,"
        " count(*) FILTER (WHERE (manifest->'order'->>'photos_ordered')::boolean) AS with_photos"
        " FROM provision WHERE created_at >= %s AND created_at < %s", (lo, hi)).fetchone()
    mobile = conn.execute("SELECT count(*) AS n FROM camera WHERE mounting = 'mobile'").fetchone()["n"]
    kinds: dict[str, int] = {}
    for x in s:
        kinds[x["kind"]] = kinds.get(x["kind"], 0) + 1
    general = Table("audit", f"Privacy-audit {year}", ["Onderwerp", "Waarde"], [
        ["Uitgevoerde zoekvragen", len(s)],
        ["Gelogde zoekvragen (uitgevoerd)", logged["runs"]],
        ["Gelogde voorvertoningen (aantallen vooraf)", logged["previews"]],
        ["Log volledig (elke uitgevoerde zoekvraag gelogd)", "ja" if logged["runs"] >= len(s) else "NEE"],
        ["Verzoeken (bevelen) ontvangen", len(reqs)],
        ["Bevelen schriftelijk / telefonisch",
         f"{sum(1 for r in reqs if r['order_kind'] == 'written')} / "
         f"{sum(1 for r in reqs if r['order_kind'] == 'verbal')}"],
        ["Verstrekkingen", logged["provisions"]],
        ["Auditketen", f"intact ({chain.records} records)" if chain.ok else
         "GEBROKEN" + (f" bij record {chain.first_broken_id}" if chain.first_broken_id
                       is not None else "") + f": {chain.reason}"],
        ["Ondertekende controlepunten van de auditketen", anchored],
        ["Geautoriseerde opsporingsambtenaren (beoordeeld)", reviewed],
        ["Verstrekkingen met foto's / foto's verstrekt (geblurd vóór verstrekking)",
         f"{blurred['with_photos']} / {blurred['photos']}"],
        ["Mobiele camera's in het register", mobile],
    ])
    units = Table("audit_units", "Zoekvragen per eenheid", ["Eenheid", "Zoekvragen"],
                  [[k, v] for k, v in sorted(per_unit.items())])
    offices = Table("audit_offices", "Zoekvragen per parket", ["Parket", "Zoekvragen"],
                    [[k, v] for k, v in sorted(per_office.items())])
    kind_t = Table("audit_kinds", "Soorten zoekvragen", ["Soort", "Aantal"],
                   [[k, v] for k, v in sorted(kinds.items())])
    return [general, units, offices, kind_t, table8(conn, start, end),
            refused_attempts(conn, lo, hi)]


#: The audit records of refused access attempts (R10: detection of unauthorised access
#: attempts; anpr.accounts, webmap.auth), with their Dutch names.
REFUSALS = {
    "login.failed": "Mislukte aanmelding (onbekende gebruiker of verkeerd wachtwoord)",
    "login.refused": "Aanmelding geweigerd (account geblokkeerd of opgeschort)",
    "login.throttled": "Aanmelding geweigerd: te veel mislukte pogingen vanaf één adres",
    "account.password.refused": "Wachtwoordwijziging met verkeerd huidig wachtwoord",
    "access.refused": "Toegang geweigerd aan een aangemeld account (rol of relatie)",
    "auth.refused": "Beveiligde pagina zonder geldige sessie",
    "csrf.refused": "Ontbrekend of vervalst CSRF-token",
    "device.refused": "Camera met ontbrekende, verkeerde of ingetrokken sleutel",
}


def refused_attempts(conn: psycopg.Connection, lo: datetime, hi: datetime) -> Table:
    """Refused access attempts in [lo, hi) by kind, as the audit log has them: attempts
    (a rate-bounded summary record counts the ones it stands for), the accounts named and
    the source addresses, and the accounts locked by them. Counts only: who tried is in
    the audit log itself."""
    rows = conn.execute("""
        SELECT action, count(*) + coalesce(sum((details->>'count')::bigint), 0) AS attempts,
               count(DISTINCT actor) FILTER (WHERE actor <> 'anonymous') AS accounts,
               count(DISTINCT details->>'source') AS sources,
               count(*) FILTER (WHERE (details->>'locked')::boolean) AS locked
          FROM audit_log
         WHERE at >= %s AND at < %s AND action = ANY(%s)
         GROUP BY action""", (lo, hi, list(REFUSALS))).fetchall()
    got = {r["action"]: r for r in rows}
    out = []
    for action, words in REFUSALS.items():
        r = got.get(action)
        out.append([words, action, r["attempts"] if r else 0, r["accounts"] if r else 0,
                    r["sources"] if r else 0, r["locked"] if r else 0])
    return Table("audit_refusals", "Geweigerde toegangspogingen",
                 ["Soort", "Logregel", "Pogingen", "Accounts", "Bronadressen",
                  "Accounts geblokkeerd"], out,
                 ["Pogingen zonder account staan op naam van 'anonymous'; een reeks pogingen "
                  "vanaf één bron wordt per minuut samengevat en telt hier volledig mee."])
