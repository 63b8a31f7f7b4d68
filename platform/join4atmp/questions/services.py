"""Question rules: asking, who may read a question, answering."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.errors import DomainError, NotAllowed
from ..extensions import db
from ..matching.models import RequestStatus
from ..matching.routing import mark_answered
from ..profiles import taxonomy
from .models import Answer, Question, QuestionStatus, Visibility

PREFERENCE_KEYS = {"k", "role", "country", "language", "verified_only", "preferred_countries",
                   "preferred_languages", "exclude_organisations", "balanced"}


def create_question(asker, title, body, topics=(), visibility="public", preferences=None) -> Question:
    title, body = (title or "").strip(), (body or "").strip()
    if len(title) < 10:
        raise DomainError(_l("Write a title of at least 10 characters."), "title")
    unknown = [t for t in topics if t not in taxonomy.TOPICS]
    if unknown:
        raise DomainError(_l("Unknown topic: %(value)s", value=", ".join(unknown)), "topics")
    question = Question(asker=asker, title=title[:200], body=body, visibility=Visibility(visibility),
                        match_preferences={k: v for k, v in (preferences or {}).items() if k in PREFERENCE_KEYS})
    question.topics = list(topics)
    db.session.add(question)
    db.session.commit()
    return question


def accepted_expert_user_ids(question) -> set:
    return {r.profile.user_id for r in question.match_requests
            if r.status in (RequestStatus.ACCEPTED, RequestStatus.ANSWERED)}


def invited_user_ids(question) -> set:
    return {r.profile.user_id for r in question.match_requests}


def can_read(question, user) -> bool:
    """Public questions: everyone. Confidential: the asker, experts who accepted, admins."""
    if question.visibility == Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.id == question.asker_id or user.is_admin or user.id in accepted_expert_user_ids(question)


def can_answer(question, user) -> bool:
    return bool(user and user.is_authenticated) and question.status != QuestionStatus.CLOSED and \
        user.id in accepted_expert_user_ids(question)


def post_answer(question, user, body) -> Answer:
    if not can_answer(question, user):
        raise NotAllowed(_l("Only experts who accepted this question can answer it."))
    body = (body or "").strip()
    if len(body) < 2:
        raise DomainError(_l("Write your answer first."), "body")
    answer = Answer(question=question, author=user, body=body)
    db.session.add(answer)
    mark_answered(question, user)
    if question.status == QuestionStatus.OPEN:
        question.status = QuestionStatus.ANSWERED
    db.session.commit()
    return answer


def questions_asked_by(user):
    return db.session.scalars(select(Question).where(Question.asker_id == user.id)
                              .order_by(Question.created_at.desc())).all()


