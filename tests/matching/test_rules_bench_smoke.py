"""A short run of bench/rules.py (the rules over one search's candidates in directories of two sizes): the
bench works on a fresh machine, keeps every eligible candidate, and the number of SQL statements grows with
neither the directory nor the candidates. Times are the bench's business, not this test's."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_rules_bench_runs_and_reads_candidates_in_a_fixed_number_of_statements():
    sys.path.insert(0, str(ROOT / "bench"))
    import rules

    small = rules._time_rules(60, 20, repeat=2)
    large = rules._time_rules(600, 200, repeat=2)
    assert small["no filter"]["kept"] == 20 and large["no filter"]["kept"] == 200  # all listed, none in conflict
    assert 0 < large["country and language"]["kept"] < 200
    assert small["no filter"]["statements"] == large["no filter"]["statements"] <= 8
    table = "\n".join(rules.report({"bare_encode_ms": 1.0, "candidates": 200, "sizes": [small, large]}))
    assert "| 600 | no filter |" in table
