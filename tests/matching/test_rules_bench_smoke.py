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
    assert (
        small["all candidates, no filter"]["kept"] == 20 and large["all candidates, no filter"]["kept"] == 200
    )  # all listed, none in conflict
    assert 0 < large["all candidates, country and language"]["kept"] < 200
    assert small["all candidates, no filter"]["statements"] == large["all candidates, no filter"]["statements"] <= 8
    table = "\n".join(rules.report({"bare_encode_ms": 1.0, "candidates": 200, "sizes": [small, large]}))
    assert "| 600 | all candidates, no filter |" in table


def test_reading_the_ranking_in_windows_chooses_what_reading_it_all_chooses():
    """best_eligible stops reading once no later candidate could be chosen; its choice is apply_rules' own."""
    import random

    sys.path.insert(0, str(ROOT / "bench"))
    import rules

    from join4atmp.matching.evaluation import temporary_app
    from join4atmp.matching.services import MatchQuery, apply_rules, best_eligible

    with temporary_app():
        asker = rules._directory(3000)
        rng = random.Random(1)
        for k, filters in [
            (5, {}),
            (1, {}),
            (10, {"preferred_countries": ["FR"], "preferred_languages": ["en"]}),
            (5, {"country": "SE"}),  # one in eight: the windows grow
            (5, {"skip_profile_ids": set(range(1, 3000, 2))}),
        ]:
            # near-equal scores too, so that the less loaded expert's reordering is exercised
            ranking = sorted(((pid, round(rng.random(), 2)) for pid in range(1, 3001)), key=lambda r: -r[1])
            query = MatchQuery(text="x", k=k, **filters)
            every = apply_rules(ranking, query, asker)
            windowed = best_eligible(ranking, query, asker)
            assert len(windowed) < len(every)
            assert [m.profile.id for m in windowed[:k]] == [m.profile.id for m in every[:k]]
