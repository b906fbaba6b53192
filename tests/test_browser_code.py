"""The browser code keeps one shared module (webmap/static/js/anpr.js, window.Anpr) for calls
to the server with the CSRF token, the server's refusal in Dutch, escaping, counts and
Europe/Amsterdam time, and one naming convention for the page modules
(docs/development.md, "Browser code"). Read from the files: a page script that calls fetch()
itself, sends the CSRF header, escapes HTML with its own function or formats times with
Intl again, or defines a global of its own, fails here."""
from __future__ import annotations

import re
from pathlib import Path

WEBMAP = Path(__file__).resolve().parent.parent / "webmap"
JS = WEBMAP / "static" / "js"
TEMPLATES = WEBMAP / "templates"
SHARED = ("anpr.js", "basemap.js")  # loaded by base.html, in this order, on every page

#: What only anpr.js may do, with the way a page script would do it again.
ONLY_IN_ANPR_JS = {
    "calls fetch()": re.compile(r"(?<![\w.])fetch\s*\(|\bXMLHttpRequest\b"),
    "sends the CSRF header": re.compile(r"X-CSRF-Token", re.IGNORECASE),
    "reads the CSRF token": re.compile(r"csrf-token|/api/v1/session\b|csrf_token"),
    "escapes HTML itself": re.compile(
        r"function\s+(esc|escape|escapeHtml|escapeHTML)\s*\(|\b(esc|escape|escapeHtml|escapeHTML)"
        r"\s*=\s*function\b|/\[&<>"),
    "formats times with Intl": re.compile(r"\bIntl\s*\.|timeZone\s*:"),
}
#: (file, what) pairs a page script may keep, each with the reason. None today.
ALLOWED: dict[tuple[str, str], str] = {}

#: Parts of a page with a script of their own, named after the part: the template they
#: belong to.
PARTS = {"casework/workspace.js": "casework/request.html"}

SCRIPT_SRC = re.compile(
    r"""<script\s+src="\{\{\s*url_for\('static',\s*filename='js/([^']+)'\)\s*\}\}"></script>""")
COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\\\"'])//[^\n]*", re.DOTALL)


def _scripts() -> dict[str, str]:
    return {p.relative_to(JS).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(JS.rglob("*.js"))}


def _code(text: str) -> str:
    """The script without its comments (a comment may name what it no longer does)."""
    return COMMENTS.sub("", text)


def _offences(name: str, text: str) -> list[str]:
    code = _code(text)
    return [f"{name} {what}" for what, pattern in ONLY_IN_ANPR_JS.items()
            if pattern.search(code) and (name, what) not in ALLOWED]


def _camel(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].removesuffix(".js")
    first, *rest = stem.split("_")
    return first + "".join(w.capitalize() for w in rest)


def test_the_checks_catch_a_page_that_writes_its_own_helpers():
    """The scanner itself: each way of doing anpr.js's work again is caught, and a page that
    uses Anpr is not."""
    bad = {
        "fetch": 'return fetch(url, { credentials: "same-origin" });',
        "csrf": 'headers["X-CSRF-Token"] = token;',
        "meta": 'document.querySelector("meta[name=\'csrf-token\']")',
        "esc": "function esc(s) { return String(s); }",
        "esc2": "var escapeHtml = function (s) { return s; };",
        "table": 'return s.replace(/[&<>"\']/g, f);',
        "intl": 'new Intl.DateTimeFormat("nl-NL", { timeZone: "Europe/Amsterdam" })',
    }
    for label, snippet in bad.items():
        assert _offences("page.js", f"(function () {{ {snippet} }})();"), label
    good = ('(function () { Anpr.api("POST", "/x", {}).then(function (r) { el.innerHTML = '
            'Anpr.esc(r.name) + Anpr.time.show(r.at); }); /* no fetch() here */ })();')
    assert _offences("page.js", good) == []


def test_no_page_script_does_the_shared_modules_work_again():
    scripts = _scripts()
    assert "anpr.js" in scripts and "fetch(" in scripts["anpr.js"]
    offences = [o for name, text in scripts.items() if name != "anpr.js"
                for o in _offences(name, text)]
    assert offences == [], offences
    assert not [k for k in ALLOWED if k[0] not in scripts], "an allowance for a script that is gone"


def test_base_html_loads_the_shared_modules_before_every_page_script():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    loaded = SCRIPT_SRC.findall(base)
    assert loaded == list(SHARED), loaded
    assert base.index("js/basemap.js") < base.index("{% block scripts %}")
    for t in sorted(TEMPLATES.rglob("*.html")):
        text = t.read_text(encoding="utf-8")
        if t.name != "base.html":
            assert not set(SCRIPT_SRC.findall(text)) & set(SHARED), t
            # every page gets the shared modules through base.html
            if "<script src=" in text:
                assert re.search(r'{%\s*extends\s+"(base|casework/layout|analyst/layout)\.html"', text), t


def test_page_modules_follow_the_naming_convention():
    """A page module is named after the template it drives (templates/<path>.html ->
    static/js/<path>.js) or is a listed part of one; every script is loaded by a template
    and every script tag names a script that exists."""
    scripts = _scripts()
    tags: dict[str, set[str]] = {}
    for t in sorted(TEMPLATES.rglob("*.html")):
        for src in SCRIPT_SRC.findall(t.read_text(encoding="utf-8")):
            tags.setdefault(src, set()).add(t.relative_to(TEMPLATES).as_posix())
    assert set(tags) == set(scripts), (set(tags) ^ set(scripts))
    for name, users in tags.items():
        if name in SHARED:
            continue
        template = PARTS.get(name) or name.removesuffix(".js") + ".html"
        assert (TEMPLATES / template).is_file(), f"{name}: no template {template}"
        # loaded by its template, or by the page that includes it (search_panel.html)
        assert template in users or any(
            re.search(r'{%\s*include\s+"' + re.escape(template) + '"',
                      (TEMPLATES / u).read_text(encoding="utf-8"))
            for u in users), f"{name} is not loaded by {template}: {sorted(users)}"


def test_window_anpr_is_the_only_global_and_a_page_hands_out_one_named_handle():
    """Each script is one function run at once; the only global is window.Anpr (anpr.js);
    a page module's handle for other scripts and the tests is Anpr.pages.<its name>."""
    for name, text in _scripts().items():
        code = _code(text).strip()
        assert code.startswith("(function () {") and code.endswith("})();"), name
        assert code.startswith('(function () {\n  "use strict";'), name
        assigned = re.findall(r"\bwindow\.(\w+)\s*=(?!=)", code)
        assert assigned == (["Anpr"] if name == "anpr.js" else []), (name, assigned)
        handles = set(re.findall(r"\bAnpr\.pages\.(\w+)\s*=(?!=)", code))
        assert handles <= {_camel(name)}, (name, handles)
        if name not in SHARED:
            assert not re.search(r"\bAnpr\.(?!pages\b)\w+\s*=(?!=)", code), f"{name} changes Anpr"
