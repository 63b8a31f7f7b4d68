"""Ranking metrics of the expert-finding benchmark (definitions in shared/data/expert-finding/README.md)."""

import math

import numpy as np


def rank_all(scores: dict, candidates: list, seed: int = 0) -> list:
    """Every candidate ranked by score, best first; ties broken by a seeded random permutation."""
    tiebreak = np.random.default_rng(seed).permutation(len(candidates))
    order = sorted(range(len(candidates)), key=lambda i: (-scores.get(candidates[i], 0.0), tiebreak[i]))
    return [candidates[i] for i in order]


def query_metrics(ranking: list, relevant: set) -> dict:
    positions = sorted(i + 1 for i, expert in enumerate(ranking) if expert in relevant)
    if not positions:
        return dict(ap=0.0, rr=0.0, p1=0.0, p5=0.0, ndcg10=0.0, r10=0.0)
    ideal = sum(1 / math.log2(j + 1) for j in range(1, min(len(relevant), 10) + 1))
    return dict(
        ap=sum((i + 1) / r for i, r in enumerate(positions)) / len(relevant),
        rr=1 / positions[0],
        p1=sum(r <= 1 for r in positions) / 1,
        p5=sum(r <= 5 for r in positions) / 5,
        ndcg10=sum(1 / math.log2(r + 1) for r in positions if r <= 10) / ideal,
        r10=sum(r <= 10 for r in positions) / len(relevant),
    )


def summarise(per_query: list[dict]) -> dict:
    """Mean of each metric over queries, with the standard error of MAP."""
    if not per_query:
        return {}
    aps = np.array([q["ap"] for q in per_query])
    return {
        "MAP": float(aps.mean()),
        "MAP_se": float(aps.std(ddof=1) / math.sqrt(len(aps))) if len(aps) > 1 else 0.0,
        "MRR": float(np.mean([q["rr"] for q in per_query])),
        "P@1": float(np.mean([q["p1"] for q in per_query])),
        "P@5": float(np.mean([q["p5"] for q in per_query])),
        "nDCG@10": float(np.mean([q["ndcg10"] for q in per_query])),
        "Recall@10": float(np.mean([q["r10"] for q in per_query])),
        "queries": len(per_query),
    }
