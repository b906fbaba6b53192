"""Shared pieces of the browser tests: headless Chromium (Debian's package, driven by
Playwright) and logging a demo account in through the login form.

Import the fixture into a test module to use it there, as with ``intake_support``::

    from browser_support import browser, log_in  # noqa: F401  (fixture)
"""
from __future__ import annotations

import shutil

import pytest

from conftest import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No network beyond the live server: the pages must work offline.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own context (cookies, time zone)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def log_in(page, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Through the login form, as a person would; returns once the page the account lands on
    (the map for staff, the casework dashboard for officers) has loaded."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
