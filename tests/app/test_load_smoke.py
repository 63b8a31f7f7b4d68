"""The short version of bench/load.py: the whole stack in real processes (gunicorn workers and a job worker over
the demo data), forty people at once reading and writing, then no 5xx, nothing lost, every mail once. The full
run (220 people, two bursts, 4 workers, SQLite, then PostgreSQL with Redis and two job workers) is `make load`;
test_jobs.py runs PostgreSQL with Redis and two job workers."""

import sys

import pytest

from processes import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402

pytestmark = pytest.mark.timeout(600)


def test_a_burst_of_mixed_requests_gives_no_5xx_and_loses_nothing(demo_template):
    figures = load.run_load("sqlite", clients=40, rounds=1, web_workers=2, demo_template=demo_template)
    assert figures["requests"] == 40
    assert figures["by_kind"].get("answer") and figures["by_kind"].get("registration")  # writes were in the mix
    assert figures["mails_queued"] > 0
    assert load.passed(figures), figures
