"""From passage scores to expert scores.

The default, ``top_docs_sum`` with k=5, was chosen by measurement (docs/matching-aggregation-study.md):
a document scores its best passage; an expert scores the sum of their k best documents. Tuned on
dblp only, it beats the max-cosine baseline by +49% / +105% / +138% MAP on dblp / android / physics.
Plain mean of cosines ranks experts badly and is kept only as a reference.
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
    "top5-sum": lambda o, d, s: top_docs_sum(o, d, s, k=5),
    "max": max_score,
    "mean": mean_score,
}
