"""One process's in-memory FAISS copy of vectors kept in a database, brought up to date before each use.

The database stays the source of truth; a ``Source`` (written by the area that owns the rows) tells
this module what it needs, without this module knowing about databases or Flask:

- ``version()``: where the data stands now (a change counter, or any fingerprint compared by equality);
- ``changed_owners(since, now)``: the owners whose rows changed between two versions, or None when the
  copy must be rebuilt (no change log, too many changes, a version that went back);
- ``rows(owners)``: ``(ids, owners, documents, vectors)`` of those owners, or of all rows for None;
- ``stamp(version)``: a fingerprint of a version that tells two databases apart (for the cache file);
- ``dimension``: the vectors' length.

Several workers each hold a copy and each catches up on its own before its next search. A copy made
before the web server forks its workers is shared by them: changes land in its small overlay
(search.index) rather than in the shared bulk, until they outgrow it. With a
``cache_path`` the copy is written to disk after a rebuild and read back at start (when its dimension
and stamp still match), so a restarted process needs no rebuild; only integer versions are cached.
"""

import logging
import threading
from pathlib import Path
from typing import Hashable, Protocol

import numpy as np

from .index import PassageIndex

log = logging.getLogger(__name__)


class Source(Protocol):
    dimension: int

    def version(self) -> Hashable: ...

    def changed_owners(self, since, now) -> set | None: ...

    def rows(self, owners: set | None) -> tuple[list, list, list, np.ndarray]: ...

    def stamp(self, version) -> str: ...


class LiveIndex:
    def __init__(self, source: Source, cache_path: Path | None = None, **index_options):
        self.source, self.cache_path = source, cache_path
        self.index_options = index_options  # PassageIndex's: approximate_from, nprobe
        self.index: PassageIndex | None = None
        self.lock = threading.Lock()

    def current(self) -> PassageIndex:
        """The copy, up to date with the source's version as read now."""
        version = self.source.version()
        with self.lock:
            if self.index is None and self.cache_path is not None:
                self.index = self._load_cache()
            if self.index is None:
                self._rebuild(version)
            elif self.index.version != version:
                changed = self.source.changed_owners(self.index.version, version)
                if changed is None:
                    self._rebuild(version)
                else:
                    self._apply(changed, version)
                    if self.index.fragmented:  # the changes outgrew the overlay: one bulk again
                        self._rebuild(version)
            return self.index

    def rebuild(self) -> PassageIndex:
        """Build the copy again from every row (and write the cache), e.g. after a full re-embedding."""
        with self.lock:
            self._rebuild(self.source.version())
            return self.index

    def _apply(self, owners, version):
        for owner in owners:
            self.index.remove_owner(owner)
        if owners:
            self._add(set(owners))
        self.index.version, self.index.stamp = version, self.source.stamp(version)

    def _rebuild(self, version):
        self.index = PassageIndex(self.source.dimension, **self.index_options)
        self._add(None)
        self.index.version, self.index.stamp = version, self.source.stamp(version)
        self._save_cache()

    def _add(self, owners):
        ids, row_owners, documents, vectors = self.source.rows(owners)
        if len(ids):
            self.index.add(ids, row_owners, documents, vectors)

    def _load_cache(self) -> PassageIndex | None:
        index = PassageIndex.load(self.cache_path, **self.index_options)
        if index is None or index.dimension != self.source.dimension or index.stamp != self.source.stamp(index.version):
            return None
        return index

    def _save_cache(self):
        if self.cache_path is None or not isinstance(self.index.version, int):
            return
        try:
            self.index.save(self.cache_path)
        except OSError as error:  # a cache: failing to write it is not fatal
            log.warning("Could not write the index cache %s: %s", self.cache_path, error)
