"""The approximate index at scale: recall@10 against exact search on the same vectors, and one match's time
against encoding the question alone (same run).

The vectors: a few thousand real passages of the shared expert-finding sets (android, dblp, physics),
encoded with the platform's model, and ``--passages`` vectors spread around them (each one a mixture of two
real passages plus noise, renormalised), owned five by five by experts, so that the collection has the
topical clumps of real text at a size no shared set reaches. The queries are the sets' own queries, which
were not used to build anything. The approximate index is the platform's (search/approximate.py, with the
configured INDEX_NPROBE); exact search is FAISS's flat inner-product index.
Run by bench/run.py (`make bench`); `python bench/approximate.py [--passages N]` for these figures alone.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "expert-finding"
SETS = ("android", "dblp", "physics")


def _texts(data: Path, documents_per_set: int, queries_per_set: int):
    documents, queries = [], []
    for name in SETS:
        experts = [json.loads(line) for line in (data / name / "experts.jsonl").read_text().splitlines()]
        documents += [d for e in experts for d in e["documents"]][:documents_per_set]
        lines = (data / name / "queries.jsonl").read_text().splitlines()[:queries_per_set]
        queries += [json.loads(line)["text"] for line in lines]
    return documents, queries


def _spread(base, count, seed=0):
    """``count`` unit vectors around the real ones: 0.75·a + 0.25·b + noise, a and b real passages."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        mix = 0.75 * base[rng.integers(0, len(base), n)] + 0.25 * base[rng.integers(0, len(base), n)]
        mix += rng.normal(0, 0.02, mix.shape).astype(np.float32)
        out[start : start + n] = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    return out


def _median_ms(function, items):
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(model_path=None, passages=1_000_000, documents_per_set=1000, queries_per_set=100, nprobe=None):
    import numpy as np

    from join4atmp import config
    from join4atmp.search.encoder import Encoder
    from join4atmp.search.index import PassageIndex
    from join4atmp.search.passages import split_passages

    nprobe = nprobe or config.INDEX_NPROBE
    encoder = Encoder(model_path)
    documents, queries = _texts(DATA, documents_per_set, queries_per_set)
    real = encoder.encode([p for d in documents for p in split_passages(d)][:5000])
    query_vectors = encoder.encode(queries, query=True)
    vectors = _spread(real, passages)
    ids = np.arange(passages, dtype=np.int64)
    owners = ids // 5
    built = {}
    for label, threshold in (("exact", None), ("approximate", 1)):
        index = PassageIndex(encoder.dimension, approximate_from=threshold, nprobe=nprobe)
        started = time.perf_counter()
        index.add(ids, owners, ids, vectors)
        built[label] = (index, time.perf_counter() - started)
        print(f"  {passages:,} passages, {label}: built in {built[label][1]:.1f} s", flush=True)
    exact, approximate = built["exact"][0], built["approximate"][0]
    recall, expert_recall = [], []
    for vector in query_vectors:
        truth, found = exact.search(vector, 1000), approximate.search(vector, 1000)
        recall.append(len(set(truth[0][:10]) & set(found[0][:10])) / 10)
        best = [owner for owner, _ in exact.rank(vector, 1000)[:10]]
        expert_recall.append(len(set(best) & {owner for owner, _ in approximate.rank(vector, 1000)[:10]}) / 10)
    encoder.encode_one(queries[0])  # warm up
    bare = _median_ms(encoder.encode_one, queries[:50])
    figures = {
        "passages": passages,
        "queries": len(queries),
        "nprobe": approximate.faiss.nprobe,
        "cells": approximate.faiss.nlist,
        "recall_at_10": float(np.mean(recall)),
        "expert_recall_at_10": float(np.mean(expert_recall)),
        "build_exact_s": built["exact"][1],
        "build_approximate_s": built["approximate"][1],
        "search_exact_ms": _median_ms(lambda v: exact.rank(v, 1000), query_vectors[:50]),
        "search_approximate_ms": _median_ms(lambda v: approximate.rank(v, 1000), query_vectors[:50]),
        "match_ms": _median_ms(lambda q: approximate.rank(encoder.encode_one(q), 1000), queries[:50]),
        "bare_ms": bare,
    }
    print(
        f"  recall@10 {figures['recall_at_10']:.3f} (experts {figures['expert_recall_at_10']:.3f}); search "
        f"{figures['search_exact_ms']:.1f} ms exact, {figures['search_approximate_ms']:.1f} ms approximate; one "
        f"match {figures['match_ms']:.1f} ms = {figures['match_ms'] / bare:.2f}x encoding ({bare:.1f} ms)",
        flush=True,
    )
    return figures


def report(a) -> list[str]:
    ratio = a["match_ms"] / a["bare_ms"]
    return [
        "",
        f"The approximate index at {a['passages']:,} passages (search/approximate.py: {a['cells']:,} cells, "
        f"nprobe {a['nprobe']}), on vectors spread around real passages of the shared sets, {a['queries']} of "
        "their queries (bench/approximate.py):",
        "",
        "| figure | exact (FAISS flat) | approximate | target |",
        "|---|---|---|---|",
        f"| recall@10 of the passages against exact | 1 | {a['recall_at_10']:.3f} | ≥ 0.95: "
        f"{'met' if a['recall_at_10'] >= 0.95 else 'not met'} |",
        f"| recall@10 of the experts after aggregation | 1 | {a['expert_recall_at_10']:.3f} | |",
        f"| search + aggregation, 1,000 passages deep | {a['search_exact_ms']:.1f} ms | "
        f"{a['search_approximate_ms']:.1f} ms | |",
        f"| one match (encode + search + aggregation) | | {a['match_ms']:.1f} ms = {ratio:.2f}x encoding alone "
        f"({a['bare_ms']:.1f} ms) | ≤ 2x: {'met' if ratio <= 2 else 'not met'} |",
        f"| build | {a['build_exact_s']:.1f} s | {a['build_approximate_s']:.1f} s (k-means training included) | |",
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--nprobe", type=int)
    args = parser.parse_args()
    print("\n".join(report(measure(passages=args.passages, nprobe=args.nprobe))))
    sys.exit(0)
