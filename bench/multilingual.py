"""The multilingual development set: bench/atmp-dev/queries.<language>.jsonl holds the 49 graded ATMP questions
as French, German, Spanish and Italian developers would write them (same grades). Each is matched as the ask
page matches it (language detected, then the primary or the multilingual space) over the demo experts, beside
the primary (English) space alone; and both encoders' load and per-question encode times, as ratios.

Run alone: `.venv/bin/python bench/multilingual.py` (make bench runs it too).
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "bench" / "atmp-dev"
LANGUAGES = ("en", "fr", "de", "es", "it")
LOAD = "import time; t = time.perf_counter(); from join4atmp.search.encoder import Encoder; e = Encoder({!r}); "
LOAD += "e.encode_one('warm-up'); print(time.perf_counter() - t)"


def queries_of(language):
    name = "queries.jsonl" if language == "en" else f"queries.{language}.jsonl"
    return [json.loads(line) for line in (DEV / name).read_text().splitlines() if line.strip()]


def quality(model=None) -> dict:
    """{language: {"platform": metrics, "primary": metrics, "multilingual_share": float}}."""
    from join4atmp.demo.services import load_demo, load_demo_threads
    from join4atmp.embedding import encoder
    from join4atmp.extensions import db
    from join4atmp.matching.evaluation import temporary_app
    from join4atmp.matching.indexing import reindex_all
    from join4atmp.matching.services import rank_candidates
    from join4atmp.matching.spaces import MULTILINGUAL, PRIMARY, Part, query_parts
    from join4atmp.profiles.models import ExpertProfile
    from join4atmp.search import metrics

    results = {}
    with temporary_app(model):
        load_demo("evaluation only")
        load_demo_threads()
        started = time.perf_counter()
        passages = reindex_all()
        print(f"  both spaces indexed: {passages} passages in {time.perf_counter() - started:.0f} s", flush=True)
        email_of = {p.id: p.user.email for p in db.session.scalars(db.select(ExpertProfile))}
        candidates = sorted(email_of.values())

        def graded(query, parts):
            scores = {email_of[pid]: score for pid, score in rank_candidates(parts, None)}
            return metrics.graded_metrics(metrics.rank_all(scores, candidates), query["grades"])

        for language in LANGUAGES:
            platform, primary, routed = [], [], 0
            for query in queries_of(language):
                parts = query_parts(query["text"])
                routed += parts[0].space is MULTILINGUAL
                platform.append(graded(query, parts))
                primary.append(graded(query, [Part(PRIMARY, encoder().encode_one(query["text"]))]))
            results[language] = {
                "platform": metrics.summarise_graded(platform),
                "primary": metrics.summarise_graded(primary),
                "multilingual_share": routed / len(platform),
            }
            figures = results[language]["platform"]
            print(f"  {language}: nDCG@5 {figures['nDCG@5']:.3f}, P@1 {figures['P@1']:.3f}", flush=True)
    return results


def costs(repeat=3) -> dict:
    """Load time (a fresh process each, median of ``repeat``) and per-question encode time of both encoders."""
    from join4atmp.search.encoder import MULTILINGUAL_E5, Encoder, default_model_path

    result = {}
    texts = [q["text"] for q in queries_of("fr")]
    for key, name in (("primary", default_model_path()), ("multilingual", MULTILINGUAL_E5)):
        loads = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", LOAD.format(name)], capture_output=True, text=True, check=True)
            loads.append(float(out.stdout.strip().splitlines()[-1]))
        encoder = Encoder(name)
        encoder.encode_one("warm-up")
        times = []
        for text in texts:
            started = time.perf_counter()
            encoder.encode_one(text)
            times.append((time.perf_counter() - started) * 1000)
        result[key] = {"name": encoder.name, "load_s": statistics.median(loads), "encode_ms": statistics.median(times)}
    return result


def report(figures) -> list[str]:
    """Markdown lines for {"quality": quality(), "costs": costs()}."""
    quality_figures, cost_figures = figures["quality"], figures["costs"]
    english = quality_figures["en"]["platform"]["nDCG@5"]
    lines = [
        "",
        "## Languages (bench/atmp-dev in five languages, the demo experts; bench/multilingual.py)",
        "",
        "Each question is matched as the ask page does: its language detected, then the primary (English) space or "
        "the multilingual one. Beside it, the primary space alone (what the platform did before).",
        "",
        "| language | nDCG@5 | vs English | P@1 | MAP | matched in the multilingual space | primary space alone: "
        "nDCG@5 | P@1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for language in LANGUAGES:
        row = quality_figures[language]
        p, b = row["platform"], row["primary"]
        lines.append(
            f"| {language} | {p['nDCG@5']:.3f} | {p['nDCG@5'] / english:.2f}x | {p['P@1']:.3f} | {p['MAP']:.3f} | "
            f"{row['multilingual_share']:.0%} | {b['nDCG@5']:.3f} | {b['P@1']:.3f} |"
        )
    primary, multilingual = cost_figures["primary"], cost_figures["multilingual"]
    lines += [
        "",
        "| encoder | load (fresh process) | one question encoded (median, French set) |",
        "|---|---|---|",
        f"| {primary['name']} (primary) | {primary['load_s']:.2f} s | {primary['encode_ms']:.1f} ms |",
        f"| {multilingual['name']} | {multilingual['load_s']:.2f} s "
        f"({multilingual['load_s'] / primary['load_s']:.2f}x) | {multilingual['encode_ms']:.1f} ms "
        f"({multilingual['encode_ms'] / primary['encode_ms']:.2f}x) |",
    ]
    return lines


def main():
    sys.path.insert(0, str(ROOT / "platform"))
    print("\n".join(report({"quality": quality(), "costs": costs()})))


if __name__ == "__main__":
    main()
