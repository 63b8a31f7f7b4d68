"""A short run of bench/pages.py (wrk against a hello-world app under the same gunicorn.conf.py): the
bench works on a fresh machine and every page it measures answers 2xx under load. Figures are the
bench's business, not this test's."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (.ci/run installs it)")
def test_the_pages_bench_runs_and_every_page_answers_under_load(demo_template):
    sys.path.insert(0, str(ROOT / "bench"))
    import pages

    arguments = ["--seconds", "1", "--rounds", "1", "--only", "/", "/experts", "/account", "--no-memory"]
    figures = pages.main([*arguments, *(["--demo-template", str(demo_template)] if demo_template else [])])
    assert [row["page"] for row in figures["pages"]] == ["/", "/experts", "/account"]
    assert all(row["app"] > 0 and row["hello"] > 0 for row in figures["pages"])
