"""The vector spaces a question is matched in, and each one's live index of the experts' passages.

The primary space is the primary encoder's (EMBEDDING_MODEL, all-MiniLM-L6-v2: English). The multilingual one
(EMBEDDING_MULTILINGUAL_MODEL, multilingual-e5-small) places a French question near the English passage that
says the same thing, and an English question near a German passage. Every passage is embedded in both, and its
language is detected when it is (``search.language``: a code, or "und" when unclear). Then:

- a question clearly not in English is matched in the multilingual space, over every passage;
- an English question is matched in the primary space over the English (and unclear) passages, and in the
  multilingual space over the others (``OTHER_LANGUAGES``), the two lists merged before the aggregation:
  MiniLM reads English only, and a German profile would otherwise be found by chance. The two indexes split
  the passages between them, so the multilingual one is complete when it is as large as both;
- a question whose language is unclear (often a few words: "hospital exemption") is matched in both spaces
  over every passage; a document found in both counts once, by its better score (the aggregation takes a
  document's best passage);
- with the multilingual encoder turned off, everything is matched in the primary space, as before.

Scores of the two encoders are put on one scale, the primary one's: multilingual-e5's cosines crowd into a
narrow band (around 0.83, spread 0.02, against MiniLM's 0.21 and 0.11), so its scores are mapped by
``shift + factor * cosine`` (EMBEDDING_MULTILINGUAL_CALIBRATION, measured as those means and spreads of the
demo threads' questions against the demo evidence, with no grade in sight). The aggregation's temperature,
the strength labels and the preference boost then mean the same everywhere. docs/multilingual-matching.md has
the figures behind these choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import and_, func, or_, select

from .. import embedding
from ..extensions import db
from ..search.language import UNDETERMINED, language_of
from .models import DOCUMENT_SOURCES, EvidencePassage, IndexChange, document_sources

if TYPE_CHECKING:
    import numpy as np

ENGLISH = "en"


@dataclass(frozen=True)
class Space:
    name: str
    index_name: str
    multilingual: bool  # whose vectors: the multilingual encoder's, or the primary one's


PRIMARY = Space("primary", "passages", False)
MULTILINGUAL = Space("multilingual", "passages-multilingual", True)
OTHER_LANGUAGES = Space("other-languages", "passages-other-languages", True)


@dataclass
class Part:
    """One index searched for a question, with the question's vector in that index's space."""

    space: Space
    vector: np.ndarray


def space_encoder(space: Space):
    return embedding.multilingual_encoder() if space.multilingual else embedding.encoder()


def spaces() -> list[Space]:
    """The encoders' spaces configured: the primary one, and the multilingual one unless it is turned off."""
    return [PRIMARY, MULTILINGUAL] if embedding.multilingual_encoder() else [PRIMARY]


def indexed_spaces() -> list[Space]:
    """Every space that keeps a live index: the encoders' spaces, and the other languages' part of the
    multilingual one."""
    return [*spaces(), OTHER_LANGUAGES] if len(spaces()) > 1 else spaces()


def columns(space: Space):
    """EvidencePassage's (model name, vector) columns for this space."""
    if space.multilingual:
        return EvidencePassage.multilingual_model, EvidencePassage.multilingual_vector
    return EvidencePassage.model, EvidencePassage.vector


def sentence_column(space: Space):
    """EvidencePassage's column of sentence vectors for this space."""
    return EvidencePassage.multilingual_sentence_vectors if space.multilingual else EvidencePassage.sentence_vectors


def calibration(space: Space) -> tuple[float, float]:
    """(shift, factor) that put this space's cosines on the primary space's scale."""
    return tuple(current_app.config["EMBEDDING_MULTILINGUAL_CALIBRATION"]) if space.multilingual else (0.0, 1.0)


def offsets(space: Space):
    """documents -> what this space adds to each one's scores by its kind of source, or None: the primary
    space's MATCHING_SOURCE_OFFSETS, the multilingual one's EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS (what a kind
    of document is worth is measured per encoder; docs/matching-aggregation-study.md)."""
    key = "EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS" if space.multilingual else "MATCHING_SOURCE_OFFSETS"
    return source_offsets(current_app.config[key])


def source_offsets(by_source: dict):
    """document keys -> the offset of each one's kind of source in ``by_source`` (None when all are 0)."""
    if not any(by_source.values()):
        return None
    import numpy as np

    table = np.array([float(by_source.get(source, 0.0)) for source in DOCUMENT_SOURCES] + [0.0])
    return lambda documents: table[document_sources(documents)]


def calibrated(space: Space, scores):
    import numpy as np  # numpy loads with the first match, not at every command's start

    shift, factor = calibration(space)
    return shift + factor * np.asarray(scores, dtype=np.float64)


def query_parts(text: str, primary=None) -> list[Part]:
    """The indexes to search for this question, with its vector in each (see the module's notes).
    ``primary``: the question's vector in the primary space, when it is known already."""
    primary = Part(PRIMARY, embedding.encoder().encode_one(text) if primary is None else primary)
    if len(spaces()) == 1:
        return [primary]
    language = language_of(text)
    if language != ENGLISH and _filled():
        multilingual = Part(MULTILINGUAL, space_encoder(MULTILINGUAL).encode_one(text))
        return [primary, multilingual] if language == UNDETERMINED else [multilingual]
    if len(live_index(OTHER_LANGUAGES).current()):
        return [primary, Part(OTHER_LANGUAGES, space_encoder(OTHER_LANGUAGES).encode_one(text))]
    return [primary]


def spaces_for(text: str) -> list[Space]:
    """The spaces a question is matched in."""
    return [part.space for part in query_parts(text)]


def _filled() -> bool:
    """Whether the multilingual space holds every passage: right after it is turned on, the worker is still
    embedding them, and until then questions in other languages are matched as English ones."""
    primary, others = live_index(PRIMARY).current(), live_index(OTHER_LANGUAGES).current()
    return len(live_index(MULTILINGUAL).current()) >= len(primary) + len(others)  # they split every passage


def index_version() -> int:
    return db.session.scalar(select(func.max(IndexChange.id))) or 0


class EvidenceSource:
    """The experts' passages in one space, for its live index: versioned by the ``IndexChange`` log."""

    def __init__(self, space: Space = PRIMARY):
        self.space = space

    @property
    def dimension(self) -> int:
        return space_encoder(self.space).dimension

    def version(self) -> int:
        return index_version()

    def stamp(self, version: int) -> str:
        """A cache written for another database, or with other passages chosen by language (the multilingual
        encoder turned on or off, or changed), does not match it."""
        created = db.session.scalar(select(IndexChange.created_at).where(IndexChange.id == version))
        multilingual = embedding.multilingual_encoder()
        return f"{version}:{created.isoformat() if created else ''}:{multilingual.name if multilingual else '-'}"

    def changed_owners(self, since, now):
        if since > now:
            return None
        changed = set(
            db.session.scalars(
                select(IndexChange.profile_id).where(IndexChange.id > since, IndexChange.id <= now)
            ).all()
        )
        return None if None in changed or len(changed) > 500 else changed

    def rows(self, owners):
        model, vector = columns(self.space)
        query = select(
            EvidencePassage.id,
            EvidencePassage.profile_id,
            EvidencePassage.source,
            EvidencePassage.source_id,
            vector.label("vector"),
        ).where(model == space_encoder(self.space).name, vector.is_not(None))
        query = query.where(*self._languages())
        if owners is not None:
            query = query.where(EvidencePassage.profile_id.in_(owners))
        rows = db.session.execute(query).all()
        documents = [
            EvidencePassage(profile_id=r.profile_id, source=r.source, source_id=r.source_id).document_key for r in rows
        ]
        import numpy as np

        vectors = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32)
        return [r.id for r in rows], [r.profile_id for r in rows], documents, vectors

    def _languages(self):
        """The passages a space holds by language (a passage embedded before languages were detected counts
        as English)."""
        if self.space is OTHER_LANGUAGES:  # clearly not English (the primary space holds the unclear ones)
            return [EvidencePassage.language.not_in((ENGLISH, UNDETERMINED)), *self._covered()]
        if self.space is PRIMARY and len(spaces()) > 1:
            language = EvidencePassage.language
            return [or_(language.is_(None), language.in_((ENGLISH, UNDETERMINED)), ~and_(*self._covered()))]
        return []

    @staticmethod
    def _covered():
        """Has its vector from the configured multilingual encoder (never NULL, so that it can be negated)."""
        model, vector = columns(MULTILINGUAL)
        return [model.is_not(None), vector.is_not(None), model == space_encoder(MULTILINGUAL).name]


def live_index(space: Space = PRIMARY):
    """This process's copy of one space's passage index (cached in instance/index/)."""
    return embedding.live_index(
        space.index_name, lambda: EvidenceSource(space), cached=True, model=space_encoder(space).name
    )
