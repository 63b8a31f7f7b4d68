"""A FAISS inner-product index over normalised passage vectors, with each passage's owner and document.

Passage ids are the caller's (database ids). Owners are experts; documents group an owner's passages
(a profile statement, a publication, an answer), so that long documents do not count twice.
"""

import os
import tempfile
from pathlib import Path

import faiss
import numpy as np

from .aggregate import AGGREGATIONS

# One query at a time: OpenMP start-up costs more than it saves at these sizes (measured in bench/:
# 1.0 ms on one thread against 4.3 ms on two for 10k passages).
faiss.omp_set_num_threads(1)


class PassageIndex:
    def __init__(self, dimension: int):
        self.dimension = dimension
        self.faiss = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.owner = {}  # passage id -> owner id
        self.document = {}  # passage id -> document id (int)
        self.by_owner = {}  # owner id -> set of passage ids
        self._arrays = None  # sorted (ids, owners, documents), rebuilt after a change
        self.version = 0  # the caller's change counter this copy reflects
        self.stamp = ""  # the caller's fingerprint of that version (tells two databases apart)

    def __len__(self):
        return self.faiss.ntotal

    @property
    def owners(self) -> set:
        return set(self.by_owner)

    def add(self, ids, owners, documents, vectors):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        self.faiss.add_with_ids(vectors, ids)
        for pid, owner, document in zip(ids.tolist(), owners, documents):
            self.owner[pid], self.document[pid] = owner, document
            self.by_owner.setdefault(owner, set()).add(pid)
        self._arrays = None

    def _lookup(self, ids):
        """Owners and documents of passage ids, vectorised (searches are hot, changes are rare)."""
        if self._arrays is None:
            all_ids = np.fromiter(self.owner.keys(), dtype=np.int64, count=len(self.owner))
            order = np.argsort(all_ids)
            all_ids = all_ids[order]
            owners = np.fromiter(self.owner.values(), dtype=np.int64, count=len(self.owner))[order]
            documents = np.fromiter(self.document.values(), dtype=np.int64, count=len(self.document))[order]
            self._arrays = (all_ids, owners, documents)
        all_ids, owners, documents = self._arrays
        positions = np.searchsorted(all_ids, ids)
        return owners[positions], documents[positions]

    def remove_owner(self, owner):
        ids = self.by_owner.pop(owner, set())
        if ids:
            self.faiss.remove_ids(np.fromiter(ids, dtype=np.int64))
        for pid in ids:
            self.owner.pop(pid, None)
            self.document.pop(pid, None)
        self._arrays = None

    def search(self, vector, depth: int):
        """The ``depth`` best passages: (passage ids, scores), best first."""
        depth = min(depth, len(self))
        if depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.faiss.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), depth)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def rank(self, vector, depth: int | None = None, aggregation: str = "lse"):
        """Experts by aggregated score over the ``depth`` best passages (all when None): [(owner, score)]."""
        ids, scores = self.search(vector, len(self) if depth is None else depth)
        owners, documents = self._lookup(ids)
        expert_scores = AGGREGATIONS[aggregation](owners, documents, scores)
        return sorted(expert_scores.items(), key=lambda item: (-item[1], item[0]))

    def passages_of(self, owner, vector, limit: int = 3):
        """An owner's best passages for ``vector``: [(passage id, score)], best first."""
        ids = sorted(self.by_owner.get(owner, ()))
        if not ids:
            return []
        vectors = np.vstack([self.faiss.reconstruct(pid) for pid in ids])
        scores = vectors @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-scores)[:limit]
        return [(ids[i], float(scores[i])) for i in order]

    # -- persistence: a cache beside the database, which holds the vectors themselves --------

    def save(self, path: Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        ids = np.fromiter(self.owner.keys(), dtype=np.int64, count=len(self.owner))
        meta = {
            "ids": ids,
            "owners": np.array([self.owner[i] for i in ids.tolist()], dtype=np.int64),
            "documents": np.array([self.document[i] for i in ids.tolist()], dtype=np.int64),
            "version": np.array([self.version], dtype=np.int64),
            "stamp": np.array([self.stamp]),
        }
        # Write both files under temporary names, then rename: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".faiss") as tmp_index:
            faiss.write_index(self.faiss, tmp_index.name)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as tmp_meta:
            np.savez(tmp_meta, **meta)
        os.replace(tmp_meta.name, path.with_suffix(".npz"))
        os.replace(tmp_index.name, path.with_suffix(".faiss"))

    @classmethod
    def load(cls, path: Path):
        """The cached index, or None if missing or unreadable."""
        path = Path(path)
        try:
            meta = np.load(path.with_suffix(".npz"))
            raw = faiss.read_index(str(path.with_suffix(".faiss")))
        except (OSError, RuntimeError, ValueError):
            return None
        index = cls(raw.d)
        index.faiss = raw  # read_index returns the concrete type (IndexIDMap2)
        for pid, owner, document in zip(meta["ids"].tolist(), meta["owners"].tolist(), meta["documents"].tolist()):
            index.owner[pid], index.document[pid] = owner, document
            index.by_owner.setdefault(owner, set()).add(pid)
        index.version = int(meta["version"][0])
        index.stamp = str(meta["stamp"][0])
        if index.faiss.ntotal != len(index.owner):
            return None
        return index
