"""An approximate FAISS index for large collections: an inverted file (IVF) over k-means cells.

Past ``approximate_from`` passages an exact search reads every vector (160 ms at a million); the inverted
file reads the ``nprobe`` cells nearest the query, a few thousand vectors. ``bench/approximate.py`` measures
its recall@10 against exact search on the same vectors, and the match time, beside encoding the question.
"""

import math
import os

import numpy as np

TRAINING_PER_CELL = 64  # vectors per cell for k-means (FAISS warns below 39)


def cells_for(count: int) -> int:
    """About 2·√n cells: ~2,000 at a million passages, each holding ~500."""
    return max(1, int(2 * math.sqrt(count)))


def build_ivf(faiss, ids, vectors, nprobe: int, seed: int = 0):
    """An ``IndexIVFFlat`` over ``vectors`` (inner product) keyed by ``ids``, trained on a sample, with a
    direct map so that a passage's vector can be read back by its id."""
    count, dimension = vectors.shape
    cells = cells_for(count)
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantizer, dimension, cells, faiss.METRIC_INNER_PRODUCT)
    sample = min(count, TRAINING_PER_CELL * cells)
    rows = np.random.default_rng(seed).choice(count, sample, replace=False) if sample < count else slice(None)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # training, once per build, is worth every core
    try:
        index.train(np.ascontiguousarray(vectors[rows]))
    finally:
        faiss.omp_set_num_threads(threads)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    index.nprobe = min(nprobe, cells)
    return index
