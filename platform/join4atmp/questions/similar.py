"""Similar public questions by the sentence encoder (the same one matching uses, search.encoder.shared).

Each public question keeps its vector on its row. Every process holds a small FAISS copy of those
vectors, rebuilt when the set changes (a cheap fingerprint query tells). What it returns is checked
against the database at once, so a confidential or hidden question never appears, even from a stale copy.
"""
import threading

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..search.encoder import shared as shared_encoder
from ..search.index import PassageIndex
from .models import Question, QuestionStatus, Visibility

_EXTENSION = "join4atmp.similar"


def encoder():
    return shared_encoder(current_app.config.get("EMBEDDING_MODEL"))


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


def _fingerprint():
    row = db.session.execute(select(func.count(Question.id), func.max(Question.updated_at)).where(
        _public_condition(), Question.vector.is_not(None), Question.vector_model == encoder().name)).one()
    return (row[0], row[1])


class _SimilarIndex:
    def __init__(self):
        self.index, self.fingerprint, self.lock = None, None, threading.Lock()

    def current(self) -> PassageIndex:
        fingerprint = _fingerprint()
        with self.lock:
            if self.index is None or fingerprint != self.fingerprint:
                rows = db.session.execute(select(Question.id, Question.vector).where(
                    _public_condition(), Question.vector.is_not(None),
                    Question.vector_model == encoder().name)).all()
                index = PassageIndex(encoder().dimension)
                if rows:
                    ids = [r.id for r in rows]
                    index.add(ids, ids, ids, np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32))
                self.index, self.fingerprint = index, fingerprint
            return self.index


def _similar_index():
    state = current_app.extensions.setdefault(_EXTENSION, {})
    return state.setdefault("index", _SimilarIndex())


def similar_questions(text, k=5, answered_only=True, exclude_id=None, min_score=0.3):
    """[(question, score)] of public questions closest to ``text``, best first."""
    text = (text or "").strip()
    if len(text) < 3:
        return []
    ranking = _similar_index().current().rank(encoder().encode_one(text), depth=max(50, 5 * k), aggregation="max")
    scores = {qid: score for qid, score in ranking if score >= min_score and qid != exclude_id}
    if not scores:
        return []
    query = select(Question).where(Question.id.in_(scores), _public_condition())
    if answered_only:
        query = query.where(Question.status == QuestionStatus.ANSWERED)
    found = db.session.scalars(query).all()
    return sorted(((q, scores[q.id]) for q in found), key=lambda pair: -pair[1])[:k]
