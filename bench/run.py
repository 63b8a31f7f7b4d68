"""`make bench`: matching quality on the shared expert-finding datasets and matching speed.

Every figure is printed beside a baseline measured in the same run:
- quality: the platform's matcher (through `flask matching evaluate`'s code) against max-cosine,
  top5-sum, BM25, popularity and a random ranking on the same data, and against the max-cosine figure
  of RESULTS.md; the breadth bias of each; and the same matcher on the graded ATMP questions of
  bench/atmp-dev over the demo experts (nDCG@5, P@1, MAP), and the same questions in French, German, Spanish
  and Italian beside English (bench/multilingual.py);
- speed: one match (encode + FAISS search + aggregation) at 1k, 10k and 100k passages as a ratio
  to encoding the question alone; reindexing as a ratio to raw `model.encode` throughput; the ask page's
  path on the demo data against encoding the question (bench/ask_path.py); the approximate index's
  recall@10 against exact search and its match time at 1M passages (bench/approximate.py); the platform's
  rules over one search's candidates in a directory of 1k and of 1M experts (bench/rules.py).
Writes the table to bench/results/latest.md (with the machine described).
"""

import argparse
import json
import os
import platform as stdlib_platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import approximate  # bench/: the script's own folder is on the path
import ask_path
import rules
from ask_path import median_ms as _median_ms

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "expert-finding"
ATMP_DEV = ROOT / "bench" / "atmp-dev" / "queries.jsonl"
QUESTION = (
    "We changed the lentiviral vector supplier for our CAR-T product after phase I; what comparability "
    "data will the competent authority expect before phase II?"
)


def _default_aggregation() -> str:
    from join4atmp import config

    return config.MATCHING_AGGREGATION


DEFAULT = _default_aggregation()


def reference_max_cosine(data_dir: Path) -> dict:
    """MAP of `minilm-max` per dataset from RESULTS.md."""
    text = (data_dir / "RESULTS.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| method |"))
    names = [c.strip() for c in header.strip("|").split("|")][1:]
    row = next(line for line in text.splitlines() if line.startswith("| minilm-max |"))
    values = [float(c) for c in row.strip("|").split("|")[1:]]
    return dict(zip(names, values))


def quality(data_dir: Path, datasets, model_path):
    import numpy as np

    from join4atmp.matching.evaluation import evaluate, read_dataset
    from join4atmp.search import metrics
    from join4atmp.search.keyword import KeywordIndex

    rows = []
    for name in datasets:
        directory = data_dir / name
        started = time.perf_counter()
        platform = evaluate(
            directory, model=model_path, aggregations=tuple(dict.fromkeys((DEFAULT, "max", "top5-sum")))
        )
        experts, queries = read_dataset(directory)
        candidates = [e["id"] for e in experts]
        keyword = KeywordIndex(candidates, [" ".join(e["documents"]) for e in experts])
        rng = np.random.default_rng(1)
        bm25, random = [], []
        for query in queries:
            relevant = set(query["relevant"])
            bm25.append(metrics.query_metrics(metrics.rank_all(keyword.scores(query["text"]), candidates), relevant))
            scores = dict(zip(candidates, rng.random(len(candidates)).tolist()))
            random.append(metrics.query_metrics(metrics.rank_all(scores, candidates), relevant))
        # A text-free ranking by number of documents: strong on Stack Exchange sets (README of the data).
        popular = {e["id"]: float(len(e["documents"])) for e in experts}
        popularity = [metrics.query_metrics(metrics.rank_all(popular, candidates), set(q["relevant"])) for q in queries]
        rows.append(
            {
                "dataset": name,
                "platform": platform[DEFAULT],
                "max": platform["max"],
                "top5-sum": platform["top5-sum"],
                "bm25": metrics.summarise(bm25),
                "random": metrics.summarise(random),
                "popularity": metrics.summarise(popularity),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print(f"  {name}: MAP {platform[DEFAULT]['MAP']:.3f} (max-cosine {platform['max']['MAP']:.3f})", flush=True)
    return rows


def graded_quality(queries_path, model=None, aggregations=("top5-sum",)) -> dict:
    """The platform's matching on the demo experts and threads, against graded questions (bench/atmp-dev):
    {aggregation: nDCG@5, P@1, MAP and the breadth-bias figures}. Every listed expert is ranked by the
    evidence alone (no availability or workload rule), as for the shared sets."""
    from join4atmp.demo.services import load_demo, load_demo_threads
    from join4atmp.extensions import db
    from join4atmp.matching.evaluation import temporary_app
    from join4atmp.matching.models import EvidencePassage
    from join4atmp.search import metrics

    queries = [json.loads(line) for line in Path(queries_path).read_text().splitlines() if line.strip()]
    with temporary_app(model) as app:
        load_demo("evaluation only")
        load_demo_threads()
        from join4atmp.embedding import encoder
        from join4atmp.matching.indexing import reindex_all
        from join4atmp.matching.services import rank_candidates
        from join4atmp.profiles.models import ExpertProfile

        reindex_all()
        email_of = {p.id: p.user.email for p in db.session.scalars(db.select(ExpertProfile))}
        documents = {email_of[pid]: 0 for pid in email_of}
        passages = db.select(EvidencePassage.profile_id, EvidencePassage.source, EvidencePassage.source_id)
        for pid, _, _ in db.session.execute(passages.distinct()):  # one row per document
            documents[email_of[pid]] += 1
        judged = {}
        for query in queries:
            for expert, grade in query["grades"].items():
                judged[expert] = judged.get(expert, 0) + grade
        vectors = encoder().encode([q["text"] for q in queries])
        candidates = sorted(documents)
        results = {}
        offsets = app.config["MATCHING_SOURCE_OFFSETS"]
        for name in aggregations:
            app.config["MATCHING_AGGREGATION"] = name
            # the references stay plain; these English questions search the primary space only
            app.config["MATCHING_SOURCE_OFFSETS"] = offsets if name == DEFAULT else {}
            per_query, top_fives = [], []
            for query, vector in zip(queries, vectors):
                scores = {email_of[pid]: score for pid, score in rank_candidates(vector, depth=None)}
                ranking = metrics.rank_all(scores, candidates)
                per_query.append(metrics.graded_metrics(ranking, query["grades"]))
                top_fives.append(ranking[:5])
            results[name] = metrics.summarise_graded(per_query)
            results[name]["breadth"] = metrics.breadth_bias(top_fives, documents, judged)
    return results


def speed(model_path, sizes, repeat):
    import numpy as np

    from join4atmp.search.encoder import Encoder
    from join4atmp.search.index import PassageIndex

    encoder = Encoder(model_path)
    started = time.perf_counter()
    encoder.model
    load_seconds = time.perf_counter() - started
    encoder.encode_one(QUESTION)  # warm up
    bare = _median_ms(lambda: encoder.encode_one(QUESTION), repeat)
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        vectors = rng.standard_normal((size, encoder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index = PassageIndex(encoder.dimension)
        index.add(np.arange(size), (np.arange(size) // 5).tolist(), np.arange(size).tolist(), vectors)
        match = _median_ms(lambda: index.rank(encoder.encode_one(QUESTION), depth=1000), repeat)
        search_only = _median_ms(lambda: index.rank(vectors[0], depth=1000), repeat)
        rows.append({"passages": size, "match_ms": match, "search_aggregate_ms": search_only, "ratio": match / bare})
        print(f"  {size} passages: match {match:.1f} ms = {match / bare:.2f}x encoding", flush=True)
    return {"load_seconds": load_seconds, "bare_encode_ms": bare, "sizes": rows}


def reindex_throughput(data_dir: Path, model_path, documents_count):
    """Platform reindex (split, encode, store, index) against raw model.encode on the same passages."""
    from join4atmp.accounts.services import create_user
    from join4atmp.extensions import db
    from join4atmp.matching import indexing
    from join4atmp.matching.evaluation import storable, temporary_app
    from join4atmp.profiles.models import Publication
    from join4atmp.search.encoder import Encoder
    from join4atmp.search.passages import split_passages

    experts = [json.loads(line) for line in (data_dir / "dblp" / "experts.jsonl").read_text().splitlines()]
    documents = [(e["id"], storable(d)) for e in experts for d in e["documents"]][:documents_count]
    passages = [p for _, d in documents for p in split_passages(d)]
    encoder = Encoder(model_path)
    encoder.encode(passages[:64])  # warm up
    started = time.perf_counter()
    encoder.encode(passages)
    raw = len(passages) / (time.perf_counter() - started)
    with temporary_app(model_path, MATCHING_INDEX_ON_CHANGE=False, EMBEDDING_MULTILINGUAL_MODEL=None):
        from join4atmp.accounts.passwords import hash_password

        shared = hash_password("bench only")
        for number, (expert_id, text) in enumerate(documents):
            user = create_user(
                f"b{number}@bench.invalid",
                "bench only",
                "developer",
                password_hash=shared,
                display_name=str(expert_id),
                confirmed=True,
            )
            user.profile.publications = [Publication(title="", abstract=text)]
        db.session.commit()
        started = time.perf_counter()
        count = indexing.reindex_all()
        platform = count / (time.perf_counter() - started)
    print(f"  reindex {platform:.0f} passages/s, raw encode {raw:.0f} passages/s", flush=True)
    return {"passages": len(passages), "platform_per_s": platform, "raw_per_s": raw, "ratio": platform / raw}


def machine():
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import faiss
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {stdlib_platform.python_version()}, torch {torch.__version__}, "
        f"faiss {faiss.__version__}, {stdlib_platform.system()} {stdlib_platform.release()}"
    )


def report(result) -> str:
    lines = [
        f"# Matching benchmark, {result['date']}",
        "",
        f"Machine: {result['machine']}",
        "",
        f"Model: {result['model']}",
        "",
        "## Quality (MAP and friends; every query ranks every expert)",
        "",
        "| dataset | method | MAP ± s.e. | MRR | P@1 | P@5 | nDCG@10 | R@10 | MAP vs max-cosine (this run) "
        "| MAP vs RESULTS.md max-cosine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["quality"]:
        reference = result["reference"].get(row["dataset"])
        for method, label in (
            ("platform", f"platform: {DEFAULT}"),
            ("max", "max-cosine"),
            ("top5-sum", "top5-sum"),
            ("bm25", "BM25"),
            ("popularity", "popularity (no text)"),
            ("random", "random"),
        ):
            if method not in row:
                continue
            m = row[method]
            vs_run = m["MAP"] / row["max"]["MAP"]
            vs_ref = f"{m['MAP'] / reference:.2f}x" if reference else "—"
            lines.append(
                f"| {row['dataset']} | {label} | {m['MAP']:.3f} ± {m['MAP_se']:.3f} | {m['MRR']:.3f} | "
                f"{m['P@1']:.3f} | {m['P@5']:.3f} | {m['nDCG@10']:.3f} | {m['Recall@10']:.3f} | "
                f"{vs_run:.2f}x | {vs_ref} |"
            )
    lines += [
        "",
        "Breadth bias: the share of top-five places taken by the experts with the most documents (the tenth "
        "with the most), beside the share of the judged relevance they hold.",
        "",
        "| set | broad experts | platform | max-cosine | top5-sum | judged |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["quality"]:
        b = {m: row[m]["breadth"] for m in ("platform", "max", "top5-sum")}
        lines.append(
            f"| {row['dataset']} | {b['platform']['broad_experts']} (≥ {b['platform']['broad_min_documents']} "
            f"documents) | {b['platform']['top5_share']:.2f} | {b['max']['top5_share']:.2f} | "
            f"{b['top5-sum']['top5_share']:.2f} | {b['platform']['judged_share']:.2f} |"
        )
    a = result.get("atmp")
    if a:
        lines += [
            "",
            f"## ATMP development set (bench/atmp-dev: {a[DEFAULT]['queries']} graded questions, the demo experts)",
            "",
            "| method | nDCG@5 | P@1 | MAP | top-five share of the broad experts | their judged share |",
            "|---|---|---|---|---|---|",
        ]
        for method in dict.fromkeys((DEFAULT, "max", "top5-sum")):
            m = a[method]
            label = f"platform: {method}, source offsets" if method == DEFAULT else method
            lines.append(
                f"| {label} | {m['nDCG@5']:.3f} | {m['P@1']:.3f} | {m['MAP']:.3f} | {m['breadth']['top5_share']:.2f} "
                f"| {m['breadth']['judged_share']:.2f} |"
            )
    s = result["speed"]
    lines += [
        "",
        "## Speed",
        "",
        f"Model load: {s['load_seconds']:.1f} s. Encoding the question alone "
        f"(the baseline): median {s['bare_encode_ms']:.1f} ms.",
        "",
        "| indexed passages | one match: encode + search + aggregation | search + aggregation alone "
        "| ratio to encoding alone |",
        "|---|---|---|---|",
    ]
    for row in s["sizes"]:
        lines.append(
            f"| {row['passages']:,} | {row['match_ms']:.1f} ms | {row['search_aggregate_ms']:.2f} ms | "
            f"{row['ratio']:.2f}x |"
        )
    r = result["reindex"]
    lines += [
        "",
        f"Reindex (split, encode, store in the database, rebuild FAISS) of {r['passages']} dblp passages: "
        f"{r['platform_per_s']:.0f} passages/s against raw `model.encode` {r['raw_per_s']:.0f} passages/s: "
        f"**{r['ratio']:.2f}x**.",
    ]
    lines += ask_path.report(result["demo"])
    lines += approximate.report(result["approximate"])
    lines += rules.report(result["rules"])
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--datasets", nargs="*", help="default: every dataset in --data")
    parser.add_argument("--sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reindex-documents", type=int, default=600)
    parser.add_argument("--approximate-passages", type=int, default=1_000_000)
    parser.add_argument("--rules-experts", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    args = parser.parse_args()
    from join4atmp.search.encoder import Encoder, default_model_path

    model_path = os.environ.get("JOIN4ATMP_EMBEDDING_MODEL") or default_model_path()
    datasets = args.datasets or sorted(p.name for p in args.data.iterdir() if (p / "experts.jsonl").exists())
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "model": Encoder(model_path).name,
    }
    print("Speed", flush=True)
    result["speed"] = speed(model_path, args.sizes, args.repeat)
    result["reindex"] = reindex_throughput(args.data, model_path, args.reindex_documents)
    result["demo"] = ask_path.measure(model_path, args.repeat)
    result["approximate"] = approximate.measure(model_path, args.approximate_passages)
    result["rules"] = rules.measure(model_path, sizes=(1_000, args.rules_experts), repeat=args.repeat)
    print("Quality", flush=True)
    result["reference"] = reference_max_cosine(args.data)
    result["quality"] = quality(args.data, datasets, model_path)
    result["atmp"] = graded_quality(
        ATMP_DEV, model_path, aggregations=tuple(dict.fromkeys((DEFAULT, "max", "top5-sum")))
    )
    print(f"  atmp-dev: nDCG@5 {result['atmp'][DEFAULT]['nDCG@5']:.3f}, P@1 {result['atmp'][DEFAULT]['P@1']:.3f}")
    print("Languages", flush=True)
    import multilingual

    result["languages"] = {"quality": multilingual.quality(model_path), "costs": multilingual.costs()}
    text = report(result) + "\n".join(multilingual.report(result["languages"])) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
