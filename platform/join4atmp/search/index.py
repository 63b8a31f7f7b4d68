"""A FAISS inner-product index over normalised passage vectors, with each passage's owner and document.

Passage ids are the caller's (database ids). Owners are experts; documents group an owner's passages
(a profile statement, a publication, an answer), so that long documents do not count twice.

Made to be shared by forked web workers: the bulk (the FAISS index and the id, owner and document maps,
kept as numpy arrays, never as Python dicts whose reference counts would copy every page they touch) is
built once and then only read. Changes after that go to a small overlay: the owners taken out of the
bulk, and their new passages in a plain numpy segment searched beside it. When the overlay grows past
``OVERLAY_SHARE`` of the bulk, ``fragmented`` says so and the owner (search.live) rebuilds.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from .aggregate import AGGREGATIONS

OVERLAY_SHARE = 0.2  # overlay passages, as a share of the bulk, past which a rebuild is due
OVERLAY_MINIMUM = 10_000  # ... but never for fewer overlay passages than this


def _faiss():
    """faiss, imported on first use (every command and worker start would pay for it otherwise)."""
    import faiss

    # One query at a time: OpenMP start-up costs more than it saves at these sizes (measured in bench/:
    # 1.0 ms on one thread against 4.3 ms on two for 10k passages).
    faiss.omp_set_num_threads(1)
    return faiss


class _Maps:
    """Passage id -> (owner, document) as arrays sorted by id, and each owner's passages by a second
    order sorted by owner: lookups are binary searches."""

    def __init__(self, ids, owners, documents):
        order = np.argsort(ids, kind="stable")
        self.ids, self.owners, self.documents = ids[order], owners[order], documents[order]
        self.by_owner = np.argsort(self.owners, kind="stable")
        self.owner_keys = self.owners[self.by_owner]

    def __len__(self):
        return self.ids.size

    def lookup(self, ids):
        positions = np.searchsorted(self.ids, ids)
        return self.owners[positions], self.documents[positions]

    def ids_of(self, owner) -> np.ndarray:
        start, end = np.searchsorted(self.owner_keys, [owner, owner + 1]) if self.owner_keys.size else (0, 0)
        return np.sort(self.ids[self.by_owner[start:end]])

    def distinct_owners(self) -> np.ndarray:
        return np.unique(self.owner_keys)


def _empty_maps():
    empty = np.zeros(0, dtype=np.int64)
    return _Maps(empty, empty, empty)


class _Overlay:
    """Passages added after the bulk was built: a few thousand at most, searched by a matrix product."""

    def __init__(self, dimension):
        self.ids = np.zeros(0, dtype=np.int64)
        self.owners = np.zeros(0, dtype=np.int64)
        self.documents = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, dimension), dtype=np.float32)

    def __len__(self):
        return self.ids.size

    def add(self, ids, owners, documents, vectors):
        self.ids = np.concatenate([self.ids, ids])
        self.owners = np.concatenate([self.owners, owners])
        self.documents = np.concatenate([self.documents, documents])
        self.vectors = np.concatenate([self.vectors, vectors])

    def remove_owner(self, owner):
        keep = self.owners != owner
        self.ids, self.owners, self.documents, self.vectors = (
            self.ids[keep],
            self.owners[keep],
            self.documents[keep],
            self.vectors[keep],
        )

    def search(self, vector, depth):
        """Positions of the ``depth`` best rows, and their scores."""
        if not len(self) or depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.vectors @ vector
        top = np.argpartition(-scores, depth - 1)[:depth] if depth < scores.size else np.arange(scores.size)
        return top, scores[top]


def rank_together(parts, depth: int | None = None, aggregation: str = "lse"):
    """Experts by aggregated score over the ``depth`` best passages of each of several indexes (all when None):
    [(owner, score)], best first. ``parts`` is [(index, query vector, (shift, factor))]: each index's scores are
    first mapped by ``shift + factor * score``, onto one scale (indexes of different models), and the lists are
    merged before the aggregation. A document's passages must all be in one of the indexes.
    A part may hold a fourth item, ``offsets(documents)``: an amount added to each of its passages' scores by
    their document (e.g. by the kind of document), after the mapping and before the aggregation."""
    found = []
    for index, vector, (shift, factor), *offsets in parts:
        _, scores, owners, documents = index.search(vector, len(index) if depth is None else depth)
        if (shift, factor) != (0.0, 1.0):
            scores = shift + factor * scores.astype(np.float64)
        if offsets and offsets[0] is not None:
            scores = scores + offsets[0](documents)
        found.append((owners, documents, scores))
    if not found:
        return []
    owners, documents, scores = (np.concatenate(column) for column in zip(*found))
    expert_scores = AGGREGATIONS[aggregation](owners, documents, scores)
    return sorted(expert_scores.items(), key=lambda item: (-item[1], item[0]))


class PassageIndex:
    def __init__(self, dimension: int, approximate_from: int | None = None, nprobe: int = 16):
        self.dimension = dimension
        self.approximate_from, self.nprobe = approximate_from, nprobe  # search.approximate, past that size
        self.faiss = None  # the bulk: made by the first add(), read-only afterwards
        self.maps = _empty_maps()
        self.removed: set = set()  # owners whose bulk passages no longer count
        self.removed_passages = 0
        self.overlay = _Overlay(dimension)
        self.version = 0  # the caller's change counter this copy reflects
        self.stamp = ""  # the caller's fingerprint of that version (tells two databases apart)

    def __len__(self):
        return len(self.maps) - self.removed_passages + len(self.overlay)

    @property
    def owners(self) -> set:
        bulk = set(self.maps.distinct_owners().tolist()) - self.removed
        return bulk | set(self.overlay.owners.tolist())

    @property
    def fragmented(self) -> bool:
        """Whether the overlay has grown enough that rebuilding the bulk is due."""
        changed = len(self.overlay) + self.removed_passages
        return changed > max(OVERLAY_MINIMUM, OVERLAY_SHARE * len(self.maps))

    def add(self, ids, owners, documents, vectors):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        owners = np.asarray(owners, dtype=np.int64)
        documents = np.asarray(documents, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        if self.faiss is None:
            self._build(ids, owners, documents, vectors)
        else:
            for owner in np.unique(owners).tolist():  # re-adding an owner replaces what it had
                self.remove_owner(owner)
            self.overlay.add(ids, owners, documents, vectors)

    def _build(self, ids, owners, documents, vectors):
        faiss = _faiss()
        if self.approximate_from and ids.size >= self.approximate_from:
            from .approximate import build_ivf

            self.faiss = build_ivf(faiss, ids, vectors, self.nprobe)
        else:
            self.faiss = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
            self.faiss.add_with_ids(vectors, ids)
        self.maps = _Maps(ids, owners, documents)

    def remove_owner(self, owner):
        if owner not in self.removed:
            in_bulk = self.maps.ids_of(owner).size
            if in_bulk:
                self.removed.add(owner)
                self.removed_passages += in_bulk
        self.overlay.remove_owner(owner)

    def search(self, vector, depth: int):
        """The ``depth`` best passages: (passage ids, scores, owners, documents), best first."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        depth = min(depth, len(self))
        ids, scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        owners = documents = ids
        if depth > 0 and self.faiss is not None and len(self.maps):
            # ask the bulk for enough more that the removed owners' passages can be dropped
            wanted = min(depth + self.removed_passages, len(self.maps))
            found_scores, found_ids = self.faiss.search(vector.reshape(1, -1), wanted)
            keep = found_ids[0] >= 0
            ids, scores = found_ids[0][keep], found_scores[0][keep]
            owners, documents = self.maps.lookup(ids)
            if self.removed:
                live = ~np.isin(owners, np.fromiter(self.removed, dtype=np.int64, count=len(self.removed)))
                ids, scores, owners, documents = ids[live], scores[live], owners[live], documents[live]
        if len(self.overlay) and depth > 0:
            top, extra_scores = self.overlay.search(vector, depth)
            ids = np.concatenate([ids, self.overlay.ids[top]])
            scores = np.concatenate([scores, extra_scores])
            owners = np.concatenate([owners, self.overlay.owners[top]])
            documents = np.concatenate([documents, self.overlay.documents[top]])
        best = np.argsort(-scores, kind="stable")[:depth]
        return ids[best], scores[best], owners[best], documents[best]

    def rank(self, vector, depth: int | None = None, aggregation: str = "lse"):
        """Experts by aggregated score over the ``depth`` best passages (all when None): [(owner, score)]."""
        return rank_together([(self, vector, (0.0, 1.0))], depth, aggregation)

    def passages_of(self, owner, vector, limit: int = 3):
        """An owner's best passages for ``vector``: [(passage id, score)], best first."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        mine = self.overlay.owners == owner
        if mine.any():
            ids, vectors = self.overlay.ids[mine], self.overlay.vectors[mine]
        elif owner in self.removed or self.faiss is None:
            return []
        else:
            ids = self.maps.ids_of(owner)
            if not ids.size:
                return []
            vectors = np.vstack([self.faiss.reconstruct(int(pid)) for pid in ids])
        scores = vectors @ vector
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def _all_rows(self):
        """Every live passage: (ids, owners, documents, vectors)."""
        parts = []
        if self.faiss is not None and len(self.maps):
            keep = ~np.isin(self.maps.owners, np.fromiter(self.removed, dtype=np.int64, count=len(self.removed)))
            ids = self.maps.ids[keep]
            vectors = np.vstack([self.faiss.reconstruct(int(pid)) for pid in ids]) if ids.size else None
            if ids.size:
                parts.append((ids, self.maps.owners[keep], self.maps.documents[keep], vectors))
        if len(self.overlay):
            parts.append((self.overlay.ids, self.overlay.owners, self.overlay.documents, self.overlay.vectors))
        if not parts:
            return None
        return tuple(np.concatenate(column) for column in zip(*parts))

    # -- persistence: a cache beside the database, which holds the vectors themselves --------

    def save(self, path: Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        faiss = _faiss()
        bulk = self
        if self.removed or len(self.overlay):  # write the live passages as one bulk
            bulk = PassageIndex(self.dimension, self.approximate_from, self.nprobe)
            rows = self._all_rows()
            if rows is not None:
                bulk.add(*rows)
        index = bulk.faiss or faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
        meta = {
            "ids": bulk.maps.ids,
            "owners": bulk.maps.owners,
            "documents": bulk.maps.documents,
            "version": np.array([self.version], dtype=np.int64),
            "stamp": np.array([self.stamp]),
        }
        # Write both files under temporary names, then rename: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".faiss") as tmp_index:
            faiss.write_index(index, tmp_index.name)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as tmp_meta:
            np.savez(tmp_meta, **meta)
        os.replace(tmp_meta.name, path.with_suffix(".npz"))
        os.replace(tmp_index.name, path.with_suffix(".faiss"))

    @classmethod
    def load(cls, path: Path, approximate_from: int | None = None, nprobe: int = 16):
        """The cached index, or None if missing or unreadable (an exact or approximate one, as it was built)."""
        path = Path(path)
        try:
            meta = np.load(path.with_suffix(".npz"))
            raw = _faiss().read_index(str(path.with_suffix(".faiss")))
            ids, owners, documents = meta["ids"], meta["owners"], meta["documents"]
            version, stamp = int(meta["version"][0]), str(meta["stamp"][0])
        except (OSError, RuntimeError, ValueError, KeyError):
            return None
        if raw.ntotal != ids.size:
            return None
        index = cls(raw.d, approximate_from, nprobe)
        index.faiss = raw if ids.size else None  # read_index returns the concrete type (IndexIDMap2, IndexIVFFlat)
        if hasattr(raw, "nprobe"):
            raw.nprobe = min(nprobe, raw.nlist)
        index.maps = _Maps(ids.astype(np.int64), owners.astype(np.int64), documents.astype(np.int64))
        index.version, index.stamp = version, stamp
        return index
