"""The README says what the project is, its two commands, the map of its packages and where
to read on, in under 10 KB; the map and the links hold for the tree as it stands."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_the_readme_is_short_and_starts_with_the_two_commands():
    text = README.read_text()
    assert len(text.encode()) <= 10 * 1024, len(text.encode())
    first_block = re.search(r"```\n(.*?)```", text, re.S).group(1).split()
    assert first_block == ["bash", "scripts/up", "bash", "scripts/test"]


def test_the_package_map_names_every_top_level_package_and_only_those():
    text = README.read_text()
    table = text[text.index("| package | owns |"):text.index("## Documentation")]
    named = set(re.findall(r"^\| `([a-z_]+)/` \|", table, re.M))
    packages = {p.name for p in ROOT.iterdir()
                if p.is_dir() and (p / "__init__.py").exists()} | {"tests"}
    assert named == packages, (named ^ packages)


def test_every_document_the_readme_links_exists():
    for link in re.findall(r"\]\((docs/[^)]+)\)", README.read_text()):
        assert (ROOT / link).is_file(), link


def test_the_performance_document_is_made_of_generated_runs():
    """docs/performance.md: every benchmark's section is a run as ``anpr bench --markdown``
    prints it (bench.figures.markdown), one per benchmark, none kept by hand."""
    from bench.cli import BENCHES

    text = (ROOT / "docs" / "performance.md").read_text()
    runs = re.findall(r"^### `(anpr bench [a-z]+)[^`]*`\n\nMeasured \d{4}-\d\d-\d\d \d\d:\d\d UTC "
                      r"on [^\n]+; load average [\d.]+, [\d.]+, [\d.]+\.\n\n"
                      r"\| figure \| value \| unit \| baseline \| ratio \| target \| met \|\n"
                      r"\| --- \| ---: \| --- \| ---: \| ---: \| --- \| --- \|\n(?:\|[^\n]+\|\n)+",
                      text, re.M)
    assert sorted(runs) == sorted(f"anpr bench {m.rsplit('.', 1)[1]}" for m, _ in BENCHES)
    assert text.count("\n### ") == len(runs)
