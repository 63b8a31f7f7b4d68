"""Similar public questions by the sentence encoder (the same one matching uses, search.encoder.shared).

Each public question keeps its vector on its row. Every process holds a small live copy of those vectors
(``search.live``), rebuilt when the set changes (a cheap fingerprint query tells). What it returns is checked
against the database at once, so a confidential or hidden question never appears, even from a stale copy.
"""

import numpy as np
from sqlalchemy import func, select

from ..embedding import encoder, live_index
from ..extensions import db
from .models import Question, QuestionStatus, Visibility


def embed_question(question):
    """Store the question's vector (public questions only); the caller commits."""
    if question.visibility != Visibility.PUBLIC:
        question.vector = question.vector_model = None
        return
    model = encoder()
    question.vector = model.encode_one(question.text).tobytes()
    question.vector_model = model.name


def _public_condition():
    return (Question.visibility == Visibility.PUBLIC) & Question.hidden_at.is_(None)


class PublicQuestionSource:
    """Public, visible questions' vectors, for the live index. There is no change log: the version is a
    fingerprint (how many, and the latest change), and any change rebuilds the small copy."""

    @property
    def dimension(self) -> int:
        return encoder().dimension

    def _indexed(self):
        return _public_condition() & Question.vector.is_not(None) & (Question.vector_model == encoder().name)

    def version(self):
        count, latest = db.session.execute(
            select(func.count(Question.id), func.max(Question.updated_at)).where(self._indexed())
        ).one()
        return f"{count}:{latest.isoformat() if latest else ''}"

    def stamp(self, version) -> str:
        return version

    def changed_owners(self, since, now):
        return None

    def rows(self, owners):
        rows = db.session.execute(select(Question.id, Question.vector).where(self._indexed())).all()
        ids = [r.id for r in rows]
        return ids, ids, ids, np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32)


def _similar_index():
    return live_index("similar-questions", PublicQuestionSource)


def similar_to(question, k=5):
    """Answered public questions like ``question``: by its stored vector when it has one from the
    configured model, so that a page view encodes nothing."""
    if question.vector is not None and question.vector_model == encoder().name:
        vector = np.frombuffer(question.vector, dtype=np.float32)
        return similar_questions(question.text, k=k, exclude_id=question.id, vector=vector)
    return similar_questions(question.text, k=k, exclude_id=question.id)


def similar_questions(text, k=5, answered_only=True, exclude_id=None, min_score=0.3, vector=None):
    """[(question, score)] of public questions closest to ``text`` (or to its ``vector``), best first."""
    text = (text or "").strip()
    if len(text) < 3:
        return []
    if vector is None:
        vector = encoder().encode_one(text)
    ranking = _similar_index().current().rank(vector, depth=max(50, 5 * k), aggregation="max")
    scores = {qid: score for qid, score in ranking if score >= min_score and qid != exclude_id}
    if not scores:
        return []
    query = select(Question).where(Question.id.in_(scores), _public_condition())
    if answered_only:
        query = query.where(Question.status == QuestionStatus.ANSWERED)
    found = db.session.scalars(query).all()
    return sorted(((q, scores[q.id]) for q in found), key=lambda pair: -pair[1])[:k]
