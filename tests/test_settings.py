"""Settings: validated at start-up, every one documented."""
from __future__ import annotations

from pathlib import Path

import pytest

from anpr import settings as settings_mod
from anpr.errors import ConfigurationError

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_defaults_load():
    s = settings_mod.load({})
    assert s.database.embedded and s.retention.days == 28 and s.web.port == 8126


def test_database_url_switches_off_embedded():
    s = settings_mod.load({"DATABASE_URL": "postgresql://u:p@db.example:5432/anpr"})
    assert not s.database.embedded


@pytest.mark.parametrize("env, fragment", [
    ({"ANPR_WEB_PORT": "eighty"}, "ANPR_WEB_PORT"),
    ({"ANPR_WEB_PORT": "-1"}, "ANPR_WEB_PORT"),
    ({"ANPR_SECURE_COOKIES": "maybe"}, "ANPR_SECURE_COOKIES"),
    ({"ANPR_RETENTON_DAYS": "28"}, "unknown setting"),
    ({"DATABASE_URL": "mysql://x"}, "postgresql://"),
])
def test_bad_settings_fail_fast_with_the_name(env, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        settings_mod.load(env)


def test_the_settings_document_is_generated_from_the_registry():
    """docs/settings.md is `anpr settings --markdown`: a new or changed setting without a
    regenerated document fails here (regenerate: .venv/bin/anpr settings --markdown >
    docs/settings.md)."""
    text = DOC.read_text()
    assert text == settings_mod.markdown()
    missing = [name for name in settings_mod.REGISTRY if f"`{name}`" not in text]
    assert not missing

@pytest.mark.parametrize("url", ["ftp://tiles/{z}/{x}/{y}", "https://tiles/{z}/{x}.png",
                                 "javascript:alert(1)//{z}{x}{y}"])
def test_a_tile_url_must_be_an_http_template(url):
    with pytest.raises(ConfigurationError, match="ANPR_MAP_TILE_URL"):
        settings_mod.load({"ANPR_MAP_TILE_URL": url})


@pytest.mark.parametrize("seconds", ["3601", "86400", "604800"])
def test_retention_runs_at_least_hourly_inside_serve(seconds):
    """R1: a day is destroyed at the first retention run after its first passage turns 28
    days old. An operator who set ANPR_RETENTION_INTERVAL_S to a day or a week kept
    passages and photos that much past 28 days; it is refused at start-up, naming the
    setting. 0 (a timer runs `anpr retention run`) and up to an hour are taken."""
    from anpr import settings as settings_mod
    from anpr.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="ANPR_RETENTION_INTERVAL_S"):
        settings_mod.load({"ANPR_RETENTION_INTERVAL_S": seconds})
    for ok in ("0", "60", "3600"):
        got = settings_mod.load({"ANPR_RETENTION_INTERVAL_S": ok}).intake.retention_interval_s
        assert got == int(ok)
