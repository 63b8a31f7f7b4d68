"""The platform's rules at scale: ``apply_rules`` (listing, availability, workload, conflicts of interest, the
asker's filters) over the candidates one search reads, in a directory of a thousand and of a million experts
(same run, same candidates count), beside encoding the question alone; and ``best_eligible``, which reads
the ranking only as far as choosing the best five needs (a results page). Also counts the SQL statements.

The directory: members and profiles inserted in bulk into a temporary SQLite database (one language each,
one in ten with an open request); the candidates: ``--candidates`` profile ids drawn at random, as the
experts behind the 1,000 passages a search reads. Run by bench/run.py (`make bench`); `python bench/rules.py
[--experts N ...]` for these figures alone.
"""

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
QUESTION = "What comparability data will the authority expect after we change our lentiviral vector supplier?"
COUNTRIES = ("DE", "FR", "ES", "IT", "NL", "SE", "PL", "AT")
ROLES = ("developer", "clinician", "patient_org", "regulator")


def _directory(count, batch=50_000):
    """``count`` listed experts, inserted in bulk; returns their profile ids."""
    from datetime import timedelta

    from sqlalchemy import insert

    from join4atmp.accounts.models import User
    from join4atmp.core.time import utcnow
    from join4atmp.extensions import db
    from join4atmp.matching.models import MatchRequest, RequestStatus
    from join4atmp.profiles.models import ExpertProfile, ProfileLanguage
    from join4atmp.questions.models import Question

    now = utcnow()
    for start in range(1, count + 1, batch):
        ids = range(start, min(start + batch, count + 1))
        db.session.execute(
            insert(User),
            [
                dict(
                    id=i,
                    email=f"expert{i}@organisation{i % 5000}.example",
                    password_hash="x",
                    role=ROLES[i % 4],
                    email_confirmed_at=now,
                    verified_at=now,
                    created_at=now,
                )
                for i in ids
            ],
        )
        db.session.execute(
            insert(ExpertProfile),
            [
                dict(
                    id=i,
                    user_id=i,
                    display_name=f"Expert {i}",
                    organisation=f"Organisation {i % 5000}",
                    country=COUNTRIES[i % len(COUNTRIES)],
                    expertise="Quality and regulatory work on advanced therapies.",
                    updated_at=now,
                )
                for i in ids
            ],
        )
        db.session.execute(insert(ProfileLanguage), [dict(profile_id=i, code="en") for i in ids])
    asker = User(email="asker@asking-sme.example", password_hash="x", role="developer", email_confirmed_at=now)
    db.session.add(asker)
    db.session.flush()
    question = Question(asker_id=asker.id, title="Vector supplier change", body=QUESTION)
    db.session.add(question)
    db.session.flush()
    db.session.execute(
        insert(MatchRequest),
        [
            dict(
                question_id=question.id,
                profile_id=i,
                rank=1,
                score=0.5,
                status=RequestStatus.INVITED,
                deadline=now + timedelta(days=7),
                link_secret=f"secret-{i}",
            )
            for i in range(1, count + 1, 10)
        ],
    )
    db.session.commit()
    return asker


def _time_rules(count, candidates, repeat, seed=0):
    from sqlalchemy import event

    from join4atmp.extensions import db
    from join4atmp.matching.evaluation import temporary_app
    from join4atmp.matching.services import MatchQuery, apply_rules, best_eligible

    with temporary_app():
        started = time.perf_counter()
        asker = _directory(count)
        built = time.perf_counter() - started
        rng = random.Random(seed)
        queries = {
            "all candidates, no filter": MatchQuery(text=QUESTION),
            "all candidates, country and language": MatchQuery(text=QUESTION, country="DE", language="en"),
        }
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        result = {"experts": count, "build_seconds": built}
        runs = [(name, query, apply_rules) for name, query in queries.items()]
        runs.append(("the best 5 only", queries["all candidates, no filter"], best_eligible))
        for name, query, rules in runs:
            times, counts, kept = [], [], []
            for _ in range(repeat):
                ranking = [(pid, rng.random()) for pid in rng.sample(range(1, count + 1), candidates)]
                ranking.sort(key=lambda row: -row[1])  # best first, as a search returns it
                db.session.expire_all()
                statements.clear()
                begun = time.perf_counter()
                matches = rules(ranking, query, asker)
                times.append((time.perf_counter() - begun) * 1000)
                counts.append(len(statements))
                kept.append(len(matches))
            result[name] = {
                "ms": statistics.median(times),
                "statements": max(counts),
                "kept": statistics.median(kept),
            }
    return result


def measure(model_path=None, sizes=(1_000, 1_000_000), candidates=1000, repeat=20) -> dict:
    from ask_path import median_ms  # bench/: the script's own folder is on the path

    from join4atmp.search.encoder import Encoder

    encoder = Encoder(model_path)
    encoder.encode_one("warm-up")
    bare = median_ms(lambda: encoder.encode_one(QUESTION), repeat)
    result = {"bare_encode_ms": bare, "candidates": candidates, "sizes": []}
    for size in sizes:
        print(f"  rules over {size:,} experts", flush=True)
        result["sizes"].append(_time_rules(size, min(candidates, size), repeat))
    return result


def report(result) -> list[str]:
    smallest = result["sizes"][0]
    lines = [
        "",
        f"## The rules at scale (bench/rules.py: `apply_rules` over {result['candidates']:,} candidates)",
        "",
        f"Encoding the question alone (the baseline): median {result['bare_encode_ms']:.1f} ms.",
        "",
        "| experts in the directory | case | rules: median | vs the smallest directory | vs encoding alone "
        "| SQL statements | candidates kept |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["sizes"]:
        for name in ("all candidates, no filter", "all candidates, country and language", "the best 5 only"):
            figures = row[name]
            lines.append(
                f"| {row['experts']:,} | {name} | {figures['ms']:.1f} ms | "
                f"{figures['ms'] / smallest[name]['ms']:.2f}x | {figures['ms'] / result['bare_encode_ms']:.2f}x | "
                f"{figures['statements']} | {figures['kept']:.0f} |"
            )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", nargs="*", type=int, default=[1_000, 1_000_000])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    result = measure(sizes=args.experts, candidates=args.candidates, repeat=args.repeat)
    print("\n".join(report(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
