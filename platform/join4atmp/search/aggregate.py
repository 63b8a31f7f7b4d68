"""From passage scores to expert scores.

A document scores its best passage. The default, ``soft_max`` ("lse"), scores an expert by a smooth
maximum of their document scores: T * log(sum(exp(score / T))) with T = 0.08. One strong document
decides; more documents add little unless they are nearly as strong (n equally strong documents add
T * ln n). Chosen by measurement on the shared expert-finding sets and the graded ATMP questions
together (docs/matching-aggregation-study.md): ``top5-sum``, the former default, let five weak matches
beat one strong one, so the experts with the most documents took most top places; plain ``max`` ignores
breadth entirely, which the Stack Exchange sets punish. Both stay as references, with ``mean``.
"""

import numpy as np


def document_maxima(owners, documents, scores):
    """Best passage score per document: returns (document owners, document scores)."""
    owners, documents, scores = map(np.asarray, (owners, documents, scores))
    if scores.size == 0:
        return owners[:0], scores[:0]
    order = np.lexsort((-scores, documents))  # by document, best passage first
    _, first = np.unique(documents[order], return_index=True)
    picked = order[first]
    return owners[picked], scores[picked]


def top_docs_sum(owners, documents, scores, k: int = 5) -> dict:
    """Expert score = sum of the expert's k best document scores."""
    doc_owners, doc_scores = document_maxima(owners, documents, scores)
    if doc_scores.size == 0:
        return {}
    order = np.lexsort((-doc_scores, doc_owners))  # by owner, best document first
    sorted_owners = doc_owners[order]
    starts = np.r_[0, np.flatnonzero(sorted_owners[1:] != sorted_owners[:-1]) + 1]
    rank_in_owner = np.arange(sorted_owners.size) - np.repeat(starts, np.diff(np.r_[starts, sorted_owners.size]))
    keep = rank_in_owner < k
    unique_owners, inverse = np.unique(sorted_owners[keep], return_inverse=True)
    sums = np.bincount(inverse, weights=doc_scores[order][keep])
    return dict(zip(unique_owners.tolist(), sums.tolist()))


SOFT_MAX_TEMPERATURE = 0.08


def soft_max(owners, documents, scores, temperature: float = SOFT_MAX_TEMPERATURE) -> dict:
    """Expert score = T * log(sum over the expert's documents of exp(document score / T))."""
    doc_owners, doc_scores = document_maxima(owners, documents, scores)
    if doc_scores.size == 0:
        return {}
    unique_owners, inverse = np.unique(doc_owners, return_inverse=True)
    best = np.full(unique_owners.size, -np.inf)
    np.maximum.at(best, inverse, doc_scores)
    sums = np.bincount(inverse, weights=np.exp((doc_scores - best[inverse]) / temperature))
    return dict(zip(unique_owners.tolist(), (best + temperature * np.log(sums)).tolist()))


def max_score(owners, documents, scores) -> dict:
    """Expert score = best passage score (the reference baseline)."""
    result = {}
    for owner, score in zip(np.asarray(owners).tolist(), np.asarray(scores).tolist()):
        if score > result.get(owner, -np.inf):
            result[owner] = score
    return result


def mean_score(owners, documents, scores) -> dict:
    """Expert score = mean passage score (ranks badly; kept to show why it is not used)."""
    owners, scores = np.asarray(owners), np.asarray(scores)
    unique_owners, inverse = np.unique(owners, return_inverse=True)
    sums = np.bincount(inverse, weights=scores)
    counts = np.bincount(inverse)
    return dict(zip(unique_owners.tolist(), (sums / counts).tolist()))


AGGREGATIONS = {
    "lse": soft_max,
    "top5-sum": lambda o, d, s: top_docs_sum(o, d, s, k=5),
    "max": max_score,
    "mean": mean_score,
}
