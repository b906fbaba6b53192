"""The officer's own work at volume, driven in a browser (issue 15), for ``anpr bench casework``.

Headless Chromium (Debian's package, driven by Playwright, as the browser tests drive
it) logs in through the login form and works verification pages of 500 reads and a
photo page of 48 photos with the keyboard only, as the pages teach: on the verify page
``b`` for each read that needs a verdict of its own (they come first, marked), ``p`` to
approve the page, and ``b`` when the page asks its spot-check read; on the photo page
``p`` once the page has fetched the next one (as it does while the officer looks). The reads of their own come first, so the first page may hold nothing else: then
the bench gives the rest of them their verdicts (a key each, as the officer would) and
the browser works the first page that holds reads the plate reader agrees with too. The
script counts the key presses and measures, in the browser, how long the officer waits
for each next page (the answer to the key, the page drawn).

Officer time for a request is then extrapolated from the request's mix (how many of its
reads need a verdict of their own) and the pages worked, per read and per photo, with
the attention a person needs for what the page shows. Those seconds are assumptions,
not measurements, and are printed with the figure (``ATTENTION``):

- a read that needs its own verdict, and the spot-check: look at the crop beside the
  plate it must show and decide, ``decide_s``;
- a read the plate reader agrees with, confirmed with its page: a glance down the page,
  ``glance_s``;
- a blurred photo on the grid of 48: a look for anything recognisable left, ``photo_s``;
- a key press or click: ``key_s``.

The baseline is the report's way (Argus, chapter 7) with the same seconds: 10 reads a
page, each its own verdict (a look and a key) and a key to approve the page; 12 photos a
page, each opened, approved and the grid reloaded (``ARGUS_PHOTO_KEYS`` actions), the
system's time per page taken from the same run's API baseline.

Benchmark code: no domain module imports it.
"""
from __future__ import annotations

import math
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
#: The seconds of attention behind the extrapolation (see the module's docstring).
ATTENTION = {"decide_s": 2.0, "glance_s": 0.1, "photo_s": 0.25, "key_s": 0.3}
#: Argus: per photo, open it, approve it, and the grid reloads before the next.
ARGUS_PHOTO_KEYS = 3
OFFICER_PASSAGES = 30_000


def chromium() -> str | None:
    """Chromium's path, or None where there is none (the officer's part is then left out)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageWork:
    """One verification page worked by keyboard in the browser."""

    reads: int                 # reads on the page
    own: int                   # of them, needing a verdict of their own
    spot_check: bool           # the page asked its spot-check read
    keys: int
    wait_s: float              # from the last key to the next page drawn


@dataclass
class Effort:
    """A request's reads and photos, and the pages worked by keyboard in the browser: the
    first verification page, and where that held no read the plate reader agrees with,
    the first page that does (the reads of their own come first)."""

    reads: int                 # the request's reads to verify
    own: int                   # of them, needing a verdict of their own
    pages: list[PageWork]
    photos: int                # photos on the photo page
    photo_keys: int
    photo_wait_s: float

    @property
    def keys_per_own_read(self) -> float:
        own = sum(p.own for p in self.pages)
        return sum(p.keys - 1 - p.spot_check for p in self.pages) / own if own else 1.0

    def parts(self, passages: int, attention: dict[str, float] = ATTENTION
              ) -> dict[str, float]:
        """Officer seconds for ``passages`` reads and photos, extrapolated from the request's
        mix (reads of their own, reads the reader agrees with) and the pages worked, by what
        they are spent on: each read of its own a look and its keys, each agreeing read a
        glance, each page ``p`` and, where it holds agreeing reads, its spot-check."""
        a = attention
        scale = passages / self.reads if self.reads else 0.0
        own, agreeing = self.own * scale, (self.reads - self.own) * scale
        pages = math.ceil(passages / 500)
        spot_pages = math.ceil(agreeing / 500)
        wait = sum(p.wait_s for p in self.pages) / len(self.pages) if self.pages else 0.0
        photo_pages = passages / self.photos if self.photos else 0.0
        return {"reads of their own": own * a["decide_s"],
                "spot-checks": spot_pages * a["decide_s"],
                "agreeing reads glanced": agreeing * a["glance_s"],
                "keys on verification pages": (own * self.keys_per_own_read + pages
                                               + spot_pages) * a["key_s"],
                "waiting for verification pages": pages * wait,
                PHOTO_PARTS[0]: passages * a["photo_s"] if self.photos else 0.0,
                PHOTO_PARTS[1]: photo_pages * self.photo_keys * a["key_s"],
                PHOTO_PARTS[2]: photo_pages * self.photo_wait_s}

    def officer_seconds(self, passages: int, attention: dict[str, float] = ATTENTION) -> float:
        """Officer time for ``passages`` reads and photos, extrapolated from these pages."""
        return sum(self.parts(passages, attention).values())

    def photo_seconds(self, passages: int, attention: dict[str, float] = ATTENTION) -> float:
        """Of it, the photos' part: all a location/time search asks of the officer, whose
        reads need no verification (report 7.4.4: "dan hoeven de kentekens niet
        geverifieerd te worden")."""
        parts = self.parts(passages, attention)
        return sum(parts[k] for k in PHOTO_PARTS)


#: The parts of :meth:`Effort.parts` that are photo review.
PHOTO_PARTS = ("photos looked at", "keys on photo pages", "waiting for photo pages")


def argus_seconds(passages: int, read_page_s: float, photo_page_s: float, *,
                  reads_page: int = 10, photos_page: int = 12,
                  attention: dict[str, float] = ATTENTION, photos_only: bool = False) -> float:
    """The report's way, with the same attention: each read a look and a key, a key per page
    of 10, the system's ``read_page_s``; each photo a look and ``ARGUS_PHOTO_KEYS`` actions,
    the system's ``photo_page_s`` per page of 12 (one photo approved at a time). With
    ``photos_only``, the photos' part alone."""
    a = attention
    reads = passages * (a["decide_s"] + a["key_s"]) + \
        math.ceil(passages / reads_page) * (a["key_s"] + read_page_s)
    photos = passages * (a["photo_s"] + ARGUS_PHOTO_KEYS * a["key_s"]) + \
        math.ceil(passages / photos_page) * photo_page_s
    return photos if photos_only else reads + photos


class _Server:
    """The app on a free loopback port in a thread, as the browser tests serve it."""

    def __init__(self, app) -> None:
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per photo

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)


def _next_drawn(page, selector: str, attribute: str, before: str | None) -> None:
    page.wait_for_function(
        "([sel, attr, before]) => { const el = document.querySelector(sel);"
        " return el && el.getAttribute(attr) !== before; }",
        arg=[selector, attribute, before], timeout=120_000)


def _work_page(page) -> PageWork:
    """The verify page as it stands: ``b`` on each read that needs its own verdict (they
    come first), ``p``, and ``b`` on the spot-check read when the page asks it."""
    page.wait_for_function("Array.from(document.querySelectorAll('#reads img.crop'))"
                           ".every(i => i.complete)", timeout=120_000)
    reads = len(page.query_selector_all("#reads tbody tr[data-index]"))
    own = int(page.get_attribute("#reads", "data-own") or 0)
    spot = page.query_selector("#reads tbody tr.spot-check") is not None
    before = page.get_attribute("#reads", "data-loaded")
    keys = 0
    for _ in range(own):          # each read of its own: a look, then b
        page.keyboard.press("b")
        keys += 1
    page.keyboard.press("p")
    keys += 1
    if spot:                      # the page asks its spot-check read: a look, then b
        page.wait_for_selector("#spot-check:not([hidden])")
        page.keyboard.press("b")
        keys += 1
    t0 = time.perf_counter()
    _next_drawn(page, "#reads", "data-loaded", before)
    return PageWork(reads=reads, own=own, spot_check=spot, keys=keys,
                    wait_s=time.perf_counter() - t0)


def drive(app, username: str, password: str, request_id: int,
          own_reads_done: Callable[[], None]) -> Effort:
    """Work the first verification page of 500 and a photo page of 48 of ``request_id`` by
    keyboard, as ``username``; count the keys, time the waits. Where the first page holds
    no read the plate reader agrees with, ``own_reads_done`` gives the reads of their own
    that follow their verdicts (as the officer would, a key each) and the first page
    with agreeing reads is worked too."""
    from playwright.sync_api import sync_playwright

    with _Server(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 950})
            page = ctx.new_page()
            page.goto(base + "/login")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("#login-form button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)

            # Verification: the page size is set once; then keys only.
            verify = f"{base}/requests/{request_id}/verify"
            page.goto(verify)
            page.wait_for_selector("#reads[data-loaded] tbody tr[data-index]", timeout=120_000)
            page.select_option("#page-size", "500")
            page.wait_for_selector("#reads[data-page-size='500'] tbody tr[data-index]",
                                   timeout=120_000)
            total = int(page.get_attribute("#counts", "data-remaining"))
            own = int(page.get_attribute("#counts", "data-own-remaining"))
            pages = [_work_page(page)]
            if not pages[0].spot_check and own < total:
                own_reads_done()
                page.goto(verify)
                page.wait_for_selector("#reads[data-loaded] tbody tr[data-index]",
                                       timeout=120_000)
                page.select_option("#page-size", "500")
                page.wait_for_selector("#reads[data-page-size='500'] tbody tr[data-index]",
                                       timeout=120_000)
                pages.append(_work_page(page))

            # Photos: the grid of 48, every photo drawn, then p.
            page.goto(f"{base}/requests/{request_id}/photos")
            page.wait_for_selector("#photo-grid[data-loaded] figure", timeout=120_000)
            page.wait_for_function("Array.from(document.querySelectorAll('#photo-grid img'))"
                                   ".every(i => i.complete)", timeout=120_000)
            photos = len(page.query_selector_all("#photo-grid figure"))
            # the next page is fetched while the officer looks at this one (12 s for 48
            # photos at ATTENTION's photo_s); then p
            page.wait_for_selector("#photo-grid[data-prefetched]", timeout=120_000)
            before = page.get_attribute("#photo-grid", "data-loaded")
            t0 = time.perf_counter()
            page.keyboard.press("p")
            _next_drawn(page, "#photo-grid", "data-loaded", before)
            page.wait_for_function("Array.from(document.querySelectorAll('#photo-grid img'))"
                                   ".every(i => i.complete)", timeout=120_000)
            photo_wait = time.perf_counter() - t0
        finally:
            browser.close()
    return Effort(reads=total, own=own, pages=pages, photos=photos, photo_keys=1,
                  photo_wait_s=photo_wait)


def figures(effort: Effort, read_page_s: float, photo_page_s: float) -> list[Any]:
    """The officer's figures, each beside the report's way."""
    from bench.figures import Figure

    n = OFFICER_PASSAGES
    scale = 500 / effort.reads if effort.reads else 0.0
    own500 = effort.own * scale
    verify_keys = own500 * effort.keys_per_own_read + 1 + (own500 < 500)
    wait = sum(p.wait_s for p in effort.pages) / len(effort.pages)
    return [
        Figure("officer: key presses per 500 reads verified", verify_keys, "n", 500 / 10 * 11),
        Figure("officer: reads needing a verdict of their own (%)",
               100.0 * effort.own / effort.reads if effort.reads else 0.0, "%", 100.0),
        Figure("officer: key presses per 48 photos approved",
               effort.photo_keys * 48 / effort.photos if effort.photos else 0.0, "n",
               48 * ARGUS_PHOTO_KEYS),
        Figure("officer: wait for the next verification page, browser (ms)", wait * 1000, "ms"),
        Figure("officer: wait for the next photo page, browser (ms)",
               effort.photo_wait_s * 1000, "ms"),
        Figure(f"officer time for the photos of {n:,} passages alone (a location/time search: "
               "its reads need no verification), extrapolated (min)",
               effort.photo_seconds(n) / 60, "min",
               argus_seconds(n, read_page_s, photo_page_s, photos_only=True) / 60),
        Figure(f"officer time for {n:,} passages with photos, extrapolated (min)",
               effort.officer_seconds(n) / 60, "min",
               argus_seconds(n, read_page_s, photo_page_s) / 60, target="<= 60"),
    ]
