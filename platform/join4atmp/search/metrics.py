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


# --- Graded judgements (the ATMP development set: grade 0-3 per expert) -------------------------------

RELEVANT_GRADE = 2  # P@1 and MAP count an expert graded 2 ("clearly competent") or 3 as relevant


def graded_metrics(ranking: list, grades: dict) -> dict:
    """nDCG@5 with gains 2^grade - 1, P@1 and AP (relevant: grade >= RELEVANT_GRADE) of one ranking."""
    gains = [2 ** grades.get(expert, 0) - 1 for expert in ranking[:5]]
    ideal = sorted((2**g - 1 for g in grades.values()), reverse=True)[:5]
    ideal_dcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = {e for e, g in grades.items() if g >= RELEVANT_GRADE}
    binary = query_metrics(ranking, relevant)
    return {
        "ndcg5": sum(g / math.log2(i + 2) for i, g in enumerate(gains)) / ideal_dcg if ideal_dcg else 0.0,
        "p1": binary["p1"],
        "ap": binary["ap"],
    }


def summarise_graded(per_query: list[dict]) -> dict:
    return {
        "nDCG@5": float(np.mean([q["ndcg5"] for q in per_query])),
        "P@1": float(np.mean([q["p1"] for q in per_query])),
        "MAP": float(np.mean([q["ap"] for q in per_query])),
        "queries": len(per_query),
    }


def breadth_bias(top_fives: list[list], documents: dict, judged: dict, share: float = 0.1) -> dict:
    """Whether the experts with the most documents take more top-five places than their relevance earns.

    ``documents``: {expert: number of documents}; the "broad" experts are the ``share`` with the most
    (at least one). ``judged``: {expert: how much relevance the judgements give them over all queries (sum
    of grades, or number of queries they are relevant to)}. Returns the broad experts' share of all
    top-five places, beside their share of all judged relevance."""
    ordered = sorted(documents, key=lambda e: -documents[e])
    cut = documents[ordered[max(1, round(len(ordered) * share)) - 1]]
    broad = {e for e, n in documents.items() if n >= cut}
    places = [e for five in top_fives for e in five[:5]]
    total_judged = sum(judged.values()) or 1
    return {
        "broad_experts": len(broad),
        "broad_min_documents": cut,
        "top5_share": sum(e in broad for e in places) / (len(places) or 1),
        "judged_share": sum(v for e, v in judged.items() if e in broad) / total_judged,
    }
