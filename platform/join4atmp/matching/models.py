"""Matching state: evidence passages with their vectors, the index change log, and match requests."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.text import guard_text
from ..core.time import utcnow
from ..extensions import db


class EvidencePassage(db.Model):
    """A passage of an expert's evidence (profile statement, publication, accepted answer) and its
    vector. The database holds the vectors, so any process can build its FAISS index from here."""

    __tablename__ = "evidence_passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # statement, publication, answer
    source_id: Mapped[int | None]  # publication or answer id
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised
    language: Mapped[str | None] = mapped_column(String(8))  # detected when embedded (ISO 639-1)
    # The same passage in the multilingual encoder's space (matching/spaces.py), when one is configured.
    multilingual_model: Mapped[str | None] = mapped_column(String(200))
    multilingual_vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The person's own sentences in the passage, the only text evidence highlights (never the topics,
    # organisation or question title the index adds to it), and their vectors in each space, computed when
    # the passage is embedded (float16, one row per sentence): explaining a match encodes nothing.
    sentences: Mapped[list | None] = mapped_column(JSON)
    sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary)
    multilingual_sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def document_key(self) -> int:
        """Passages of one document share this number (aggregation counts a document once); its kind of
        source can be read back from it (``document_sources``)."""
        kind = DOCUMENT_SOURCES.index(self.source) if self.source in DOCUMENT_SOURCES else len(DOCUMENT_SOURCES)
        return (self.profile_id * 4 + kind) * _KEY_SPAN + (self.source_id or 0)


DOCUMENT_SOURCES = ("statement", "publication", "answer")
_KEY_SPAN = 10_000_000


def document_sources(keys):
    """The position in DOCUMENT_SOURCES of each document key's source (3: another source), as an array."""
    import numpy as np  # with the index code, loaded by the first match

    return (np.asarray(keys, dtype=np.int64) // _KEY_SPAN) % 4


class IndexChange(db.Model):
    """Append-only log: each row is one profile whose passages changed (none: everything was rebuilt).
    The largest id is the index version; a process whose copy is older applies the rows after it."""

    __tablename__ = "index_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int | None]  # no foreign key: the log outlives deleted profiles
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaleEvidence(db.Model):
    """A profile whose evidence changed and awaits re-embedding: written in the transaction of the change,
    removed by the re-embedding job once the new vectors are stored. ``version`` grows with every new
    mark, so a change made while the job was encoding leaves its mark for another round."""

    __tablename__ = "stale_evidence"

    profile_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)  # the oldest change not yet embedded


class RequestStatus(str, enum.Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    ANSWERED = "answered"

    @classmethod
    def open(cls):
        """States that count towards an expert's workload."""
        return (cls.INVITED, cls.ACCEPTED)


class MatchRequest(db.Model):
    """A question offered to one expert, with the score and evidence that proposed them."""

    __tablename__ = "match_request"
    __table_args__ = (
        db.UniqueConstraint("question_id", "profile_id"),
        # the candidates' open requests, counted on every match (with a status index beside a profile_id
        # one, SQLite read every open request of the platform)
        db.Index("ix_match_request_profile_status", "profile_id", "status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True)
    profile_id = db.Column(db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), nullable=False)
    rank = db.Column(db.Integer, nullable=False)
    score = db.Column(db.Float, nullable=False)
    explanation = db.Column(db.JSON, nullable=False, default=list)  # the evidence shown to the asker
    status = db.Column(
        db.Enum(RequestStatus, native_enum=False, length=20, validate_strings=True),
        nullable=False,
        default=RequestStatus.INVITED,
        index=True,
    )
    invited_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    deadline = db.Column(db.DateTime, nullable=False, index=True)
    responded_at = db.Column(db.DateTime)
    answered_at = db.Column(db.DateTime)
    decline_reason = db.Column(db.Text)
    # Named by the invitation link beside the id, so that a link never outlives its request (links.py)
    link_secret = db.Column(db.String(32), nullable=False, default=lambda: secrets.token_hex(16))
    # The request this one replaced after a decline or an expiry.
    replaces_id = db.Column(db.Integer, db.ForeignKey("match_request.id", ondelete="SET NULL"))

    question = db.relationship("Question", back_populates="match_requests")
    profile = db.relationship("ExpertProfile")


class MatchResult(db.Model):
    """A question's ranking, run once and stored (matching/results.py): the results page, the requests sent
    from it and the re-routing read it, applying the rules (availability, workload, conflicts) afresh. It
    holds references and numbers, no one's text: the evidence is a passage and the positions of its marked
    sentences, and the question's vectors serve to explain a match again without encoding anything."""

    __tablename__ = "match_result"

    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    signature = db.Column(db.String(64), nullable=False)  # of the text, preferences and models it was run for
    ranking = db.Column(db.JSON, nullable=False)  # [[profile id, score]], best first, by evidence alone
    complete = db.Column(db.Boolean, nullable=False)  # whether the ranking holds every indexed expert
    evidence = db.Column(db.JSON, nullable=False, default=dict)  # {profile id: [passage id, [sentence positions]]}
    spaces = db.Column(db.JSON, nullable=False)  # the spaces searched, in the order of `vectors`
    vectors = db.Column(db.LargeBinary, nullable=False)  # the question's float32 vector in each
    index_version = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


# Length and control-character rules on every member-written field (core/text.py).
guard_text(MatchRequest)
