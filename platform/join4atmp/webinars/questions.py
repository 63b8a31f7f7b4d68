"""Questions sent ahead of a webinar: asking, voting, moderating, answering, and grouping by theme.

Registered people ask until the start and vote until the end. Everyone sees the questions (without
their authors); organisers see authors, hide questions, answer them, and see them grouped by theme.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.errors import DomainError, NotAllowed
from ..core.time import utcnow
from ..extensions import db
from ..search import cluster
from .models import QuestionStatus, WebinarQuestion, WebinarStatus, WebinarVote
from .policy import require_manager
from .registrations import registration_of

MAX_LENGTH = 1000


def _is_registered(webinar, user) -> bool:
    registration = registration_of(webinar, user)
    return registration is not None and registration.is_active


def can_ask(webinar, user, now=None) -> bool:
    now = now or utcnow()
    return webinar.status == WebinarStatus.PUBLISHED and not webinar.has_started(now) and _is_registered(webinar, user)


def can_vote(webinar, user, now=None) -> bool:
    now = now or utcnow()
    return webinar.status == WebinarStatus.PUBLISHED and not webinar.has_ended(now) and _is_registered(webinar, user)


def ask_question(webinar, user, text) -> WebinarQuestion:
    """Send a question ahead (registered people, before the start; a few per person)."""
    if not can_ask(webinar, user):
        raise NotAllowed(_l("Questions can be sent by registered participants until the webinar starts."))
    text = " ".join((text or "").split())
    if len(text) < 10:
        raise DomainError(_l("Write a question of at least 10 characters."), "text")
    if len(text) > MAX_LENGTH:
        raise DomainError(_l("Keep the question under %(n)d characters.", n=MAX_LENGTH), "text")
    limit = int(current_app.config.get("WEBINAR_MAX_QUESTIONS_PER_PERSON", 5))
    asked = db.session.scalar(select(func.count()).select_from(WebinarQuestion).where(
        WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.author_id == user.id))
    if asked >= limit:
        raise DomainError(_l("You have sent %(n)d questions for this webinar, the most one person can.", n=limit),
                          "text")
    question = WebinarQuestion(webinar=webinar, author=user, text=text)
    db.session.add(question)
    db.session.commit()
    return question


def has_voted(question, user) -> bool:
    return user.is_authenticated and db.session.get(WebinarVote, (question.id, user.id)) is not None


def toggle_vote(question, user) -> bool:
    """Vote for a question, or take the vote back. Returns whether the user now votes for it."""
    if question.status == QuestionStatus.HIDDEN:
        raise NotAllowed("hidden question")
    if not can_vote(question.webinar, user):
        raise DomainError(_l("Registered participants can vote until the webinar ends."))
    if question.author_id == user.id:
        raise DomainError(_l("You cannot vote for your own question."))
    step = -1 if db.session.execute(delete(WebinarVote).where(
        WebinarVote.question_id == question.id, WebinarVote.user_id == user.id)).rowcount else 1
    if step == 1:
        db.session.add(WebinarVote(question_id=question.id, user_id=user.id))
        try:
            db.session.flush()
        except IntegrityError:       # the same vote sent twice at once: it counts once
            db.session.rollback()
            return True
    db.session.execute(update(WebinarQuestion).where(WebinarQuestion.id == question.id)
                       .values(vote_count=WebinarQuestion.vote_count + step)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return step == 1


def set_hidden(question, user, hidden: bool):
    """Organisers hide a question from everyone (or show it again)."""
    require_manager(question.webinar, user)
    if hidden:
        question.status = QuestionStatus.HIDDEN
    else:
        question.status = QuestionStatus.ANSWERED if question.answer else QuestionStatus.OPEN
    db.session.commit()


def answer_question(question, user, answer):
    """Organisers publish the answer given in the webinar; answered questions stay on its page."""
    require_manager(question.webinar, user)
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise DomainError(_l("Write the answer first."), "answer")
    question.answer, question.answered_at = answer[:20000], utcnow()
    if question.status != QuestionStatus.HIDDEN:
        question.status = QuestionStatus.ANSWERED
    db.session.commit()


def visible_questions(webinar) -> list[WebinarQuestion]:
    """Questions everyone sees, most votes first."""
    return db.session.scalars(select(WebinarQuestion).where(
        WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.status != QuestionStatus.HIDDEN)
        .order_by(WebinarQuestion.vote_count.desc(), WebinarQuestion.id)).all()


def votes_of(user, questions) -> set[int]:
    if not user.is_authenticated or not questions:
        return set()
    return set(db.session.scalars(select(WebinarVote.question_id).where(
        WebinarVote.user_id == user.id, WebinarVote.question_id.in_([q.id for q in questions]))).all())


@dataclass
class Theme:
    label: str
    questions: list = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(q.vote_count for q in self.questions)


def question_themes(webinar, user) -> list[Theme]:
    """The visible questions grouped by theme, the most voted theme first (for organisers)."""
    require_manager(webinar, user)
    questions = visible_questions(webinar)
    if not questions:
        return []
    from ..matching.indexing import encoder
    vectors = encoder().encode([q.text for q in questions])
    max_distance = float(current_app.config.get("WEBINAR_THEME_DISTANCE", cluster.DEFAULT_MAX_DISTANCE))
    themes = []
    for members in cluster.group_by_theme(vectors, max_distance):
        label = questions[cluster.representative(vectors, members)].text
        themes.append(Theme(label=label, questions=sorted((questions[i] for i in members),
                                                          key=lambda q: (-q.vote_count, q.id))))
    return sorted(themes, key=lambda theme: (-theme.votes, -len(theme.questions)))
