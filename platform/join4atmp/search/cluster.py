"""Group sentence vectors into themes: agglomerative clustering with a cosine distance threshold.

Plain Python over numpy and scikit-learn (no Flask; scikit-learn is imported when first used: it costs
a second and a half, which every command and worker start would otherwise pay). Used to show an
organiser the questions sent ahead of a webinar grouped by what they ask about. There is no fixed
number of themes: two texts end up together when the average cosine distance between their groups
is under the threshold.
"""

import numpy as np

# Average-linkage cosine distance under which two groups merge. For all-MiniLM-L6-v2, questions on the
# same subject in other words sit around 0.3-0.5 apart; unrelated questions beyond 0.7.
DEFAULT_MAX_DISTANCE = 0.55


def _normalised(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError("expected a 2-D array of vectors")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def group_by_theme(vectors, max_distance: float = DEFAULT_MAX_DISTANCE) -> list[list[int]]:
    """Row indices of ``vectors`` grouped by theme: the largest group first, then by first appearance;
    indices within a group ascending. Every row is in exactly one group."""
    matrix = _normalised(vectors)
    count = len(matrix)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=max_distance
    )
    labels = model.fit_predict(matrix)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda members: (-len(members), members[0]))


def representative(vectors, members: list[int]) -> int:
    """The member closest to its group's mean direction: a fair one-line label for the theme."""
    matrix = _normalised(vectors)[members]
    centre = matrix.mean(axis=0)
    return members[int(np.argmax(matrix @ centre))]
