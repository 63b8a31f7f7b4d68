"""Similar public questions by the sentence encoders (the ones matching uses, search.encoder.shared).

Each public question keeps its vector on its row, and its detected language; with a multilingual encoder
configured (EMBEDDING_MULTILINGUAL_MODEL), the worker adds the question's vector in that encoder's space too
(``embed_missing``, queued after each change and swept every minute). As matching does (matching/spaces.py),
a text not in English is compared in the multilingual space with every question, an English one in the
primary space with the English questions and in the multilingual space with the others, on one scale.

Every process holds small live copies of those vectors (``search.live``), rebuilt when the set changes (a
cheap fingerprint query tells). What they return is checked against the database at once, so a confidential
or hidden question never appears, even from a stale copy. numpy and the index code are imported where they
are used: creating the app (every command's start) does not pay for them.
"""

from flask import current_app
from sqlalchemy import func, or_, select, update

from ..core import queue
from ..embedding import encoder, live_index, multilingual_encoder
from ..extensions import db
from ..search.language import UNDETERMINED, language_of
from .models import Question, QuestionStatus, Visibility

ENGLISH = "en"
EMBED_BATCH = 50
EMBED_BATCHES_PER_RUN = 4  # about a minute of encoding: a run never holds a worker thread for long


def embed_question(question):
    """Store the question's vector and language (public questions only), and have the worker add its
    multilingual vector after the commit; the caller commits."""
    question.multilingual_vector = question.multilingual_model = None
    if question.visibility != Visibility.PUBLIC:
        question.vector = question.vector_model = question.language = None
        return
    model = encoder()
    question.vector = model.encode_one(question.text).tobytes()
    question.vector_model = model.name
    question.language = language_of(question.text)
    if multilingual_encoder() is not None:
        from .tasks import embed_multilingual

        queue.after_commit(embed_multilingual)


def embed_missing() -> int:
    """Add the multilingual vector (and the language, if unknown) to the embedded public questions that lack
    the configured model's: the job behind ``embed_question``, and the sweep, which carries on where a run
    stopped. Returns how many were embedded."""
    model = multilingual_encoder()
    if model is None:
        return 0
    done = 0
    for _ in range(EMBED_BATCHES_PER_RUN):
        rows = db.session.execute(
            select(Question.id, Question.title, Question.body, Question.updated_at)
            .where(
                _public_condition(),
                Question.vector.is_not(None),  # embedded, and not blanked by an erasure
                or_(Question.multilingual_model.is_(None), Question.multilingual_model != model.name),
            )
            .order_by(Question.id)
            .limit(EMBED_BATCH)
        ).all()
        db.session.commit()  # no transaction stays open while encoding
        if not rows:
            break
        texts = [f"{row.title}\n{row.body}".strip() for row in rows]
        for row, text, vector in zip(rows, texts, model.encode(texts, query=True)):
            db.session.execute(
                update(Question)
                .where(Question.id == row.id, Question.updated_at == row.updated_at)  # not edited meanwhile
                .values(
                    multilingual_vector=vector.tobytes(),
                    multilingual_model=model.name,
                    language=func.coalesce(Question.language, language_of(text)),
                    updated_at=Question.updated_at,  # adding a vector is no activity of the question's
                )
            )
        db.session.commit()
        done += len(rows)
    return done


def _public_condition():
    return (Question.visibility == Visibility.PUBLIC) & Question.hidden_at.is_(None)


class PublicQuestionSource:
    """Public, visible questions' vectors in one space (``part``: "primary", "multilingual" or "other"
    languages'), for the live index. There is no change log: the version is a fingerprint (how many, and the
    latest change), and any change rebuilds the small copy."""

    def __init__(self, part="primary"):
        self.part = part

    @property
    def _multilingual(self) -> bool:
        return self.part != "primary"

    @property
    def _model(self):
        return multilingual_encoder() if self._multilingual else encoder()

    @property
    def dimension(self) -> int:
        return self._model.dimension

    def _columns(self):
        if self._multilingual:
            return Question.multilingual_model, Question.multilingual_vector
        return Question.vector_model, Question.vector

    def _indexed(self):
        model, vector = self._columns()
        condition = _public_condition() & vector.is_not(None) & (model == self._model.name)
        if self.part == "other":  # clearly not English (the primary index holds the unclear ones)
            return condition & Question.language.not_in((ENGLISH, UNDETERMINED))
        if self.part == "primary" and multilingual_encoder() is not None:  # the others are found across languages
            name = multilingual_encoder().name
            covered = Question.multilingual_model.is_not(None) & (Question.multilingual_model == name)
            language = Question.language
            return condition & or_(language.is_(None), language.in_((ENGLISH, UNDETERMINED)), ~covered)
        return condition

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
        rows = db.session.execute(select(Question.id, self._columns()[1].label("vector")).where(self._indexed())).all()
        import numpy as np

        ids = [r.id for r in rows]
        return ids, ids, ids, np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32)


def _similar_index(part="primary"):
    name = "similar-questions" if part == "primary" else f"similar-questions-{part}"
    return live_index(name, lambda: PublicQuestionSource(part))


def _parts(text, stored, language=None):
    """[(index, vector, (shift, factor))] to search for ``text`` (see the module's notes). ``stored``: the
    text's vectors already at hand ({"primary": ..., "multilingual": ...}); the others are encoded."""

    def vector(kind, model):
        found = stored.get(kind)
        return found if found is not None else model.encode_one(text)

    multilingual = multilingual_encoder()
    primary_index = _similar_index().current()

    def primary():
        return primary_index, vector("primary", encoder()), (0.0, 1.0)

    if multilingual is None:
        return [primary()]
    calibration = tuple(current_app.config["EMBEDDING_MULTILINGUAL_CALIBRATION"])
    language = language or language_of(text)
    others = _similar_index("other").current()
    if language != ENGLISH:
        everything = _similar_index("multilingual").current()
        if len(everything) >= len(primary_index) + len(others):  # else still filling: as for English meanwhile
            part = (everything, vector("multilingual", multilingual), calibration)
            return [primary(), part] if language == UNDETERMINED else [part]
    if len(others):
        return [primary(), (others, vector("multilingual", multilingual), calibration)]
    return [primary()]


def similar_to(question, k=5):
    """Answered public questions like ``question``: by its stored vectors when they are from the configured
    models, so that a page view encodes nothing."""
    import numpy as np

    stored = {}
    if question.vector is not None and question.vector_model == encoder().name:
        stored["primary"] = np.frombuffer(question.vector, dtype=np.float32)
    multilingual = multilingual_encoder()
    if multilingual is not None and question.multilingual_vector is not None:
        if question.multilingual_model == multilingual.name:
            stored["multilingual"] = np.frombuffer(question.multilingual_vector, dtype=np.float32)
    return similar_questions(question.text, k=k, exclude_id=question.id, stored=stored, language=question.language)


def similar_questions(text, k=5, answered_only=True, exclude_id=None, min_score=0.3, stored=None, language=None):
    """[(question, score)] of public questions closest to ``text``, best first (scores on the primary encoder's
    scale). ``stored``: the text's vectors already at hand (``_parts``); ``language``: its language."""
    text = (text or "").strip()
    if len(text) < 3:
        return []
    from ..search.index import rank_together

    ranking = rank_together(_parts(text, stored or {}, language), depth=max(50, 5 * k), aggregation="max")
    scores = {qid: score for qid, score in ranking if score >= min_score and qid != exclude_id}
    if not scores:
        return []
    query = select(Question).where(Question.id.in_(scores), _public_condition())
    if answered_only:
        query = query.where(Question.status == QuestionStatus.ANSWERED)
    found = db.session.scalars(query).all()
    return sorted(((q, scores[q.id]) for q in found), key=lambda pair: -pair[1])[:k]
