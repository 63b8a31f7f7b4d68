"""A member's home: their own work in one page. Each list is one statement, whatever its length."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.time import utcnow
from ..extensions import db
from ..matching.models import MatchRequest, RequestStatus
from ..notifications.models import Notification
from ..questions.models import Answer, Question, QuestionStatus
from ..questions.watching import notice_text
from ..webinars.models import Registration, RegistrationStatus, Webinar

LIMIT = 10

# What a profile lacks, and why it matters to the people who look for experts.
PROFILE_STEPS = (
    (
        "expertise",
        lambda p: p.expertise.strip(),
        _l("Describe your expertise in plain words: matching reads it first to find you for questions."),
    ),
    ("country", lambda p: p.country, _l("Say your country: askers often prefer experts who know their system.")),
    ("topics", lambda p: p.topics, _l("Choose your topics: askers filter the directory by them.")),
    ("languages", lambda p: p.languages, _l("Add the languages you work in: askers can ask for one.")),
    (
        "organisation",
        lambda p: p.organisation.strip(),
        _l("Name your organisation: it keeps conflicts of interest out of your requests."),
    ),
)


def missing_profile_steps(profile) -> list:
    """[(field, why)] for what the profile does not say yet; empty when it says everything."""
    if profile is None:
        return []
    return [(name, why) for name, present, why in PROFILE_STEPS if not present(profile)]


def member_home(user) -> dict:
    profile = user.profile
    return {
        "questions": _questions(user),
        "requests": _requests(profile) if profile else [],
        "registrations": _registrations(user),
        "notifications": _notifications(user),
        "missing": missing_profile_steps(profile),
    }


def _notifications(user) -> list:
    """[(notification, its text in the reader's language)], the latest five: a question's are worded again,
    the others read as they were sent."""
    rows = db.session.execute(
        select(Notification, Question.title)
        .outerjoin(Question, Question.id == Notification.question_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc())
        .limit(5)
    ).all()
    shown = []
    for note, title in rows:
        worded = notice_text(note.kind, title) if title is not None else None
        shown.append((note, note.text if worded is None else str(worded)))
    return shown


def _questions(user) -> list:
    """The member's questions, those still open first, each with its answers, accepted answers and the
    expert requests still open."""
    visible = (Answer.question_id == Question.id, Answer.hidden_at.is_(None))
    answers = select(func.count(Answer.id)).where(*visible).scalar_subquery()
    accepted = select(func.count(Answer.id)).where(*visible, Answer.is_accepted.is_(True)).scalar_subquery()
    open_requests = (
        select(func.count(MatchRequest.id))
        .where(MatchRequest.question_id == Question.id, MatchRequest.status.in_(RequestStatus.open()))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Question, answers, accepted, open_requests)
        .where(Question.asker_id == user.id)
        .order_by((Question.status == QuestionStatus.CLOSED).asc(), Question.created_at.desc())
        .limit(LIMIT)
    ).all()
    return [{"question": q, "answers": n, "accepted": a, "open_requests": r} for q, n, a, r in rows]


def _requests(profile) -> list:
    """Requests the expert still has to respond to or answer, soonest deadline first."""
    return db.session.scalars(
        select(MatchRequest)
        .where(MatchRequest.profile_id == profile.id, MatchRequest.status.in_(RequestStatus.open()))
        .options(selectinload(MatchRequest.question))
        .order_by(MatchRequest.deadline)
        .limit(LIMIT)
    ).all()


def _registrations(user) -> list:
    return db.session.scalars(
        select(Registration)
        .join(Webinar)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(RegistrationStatus.active()),
            Webinar.ends_at >= utcnow(),
        )
        .options(selectinload(Registration.webinar))
        .order_by(Webinar.starts_at)
        .limit(LIMIT)
    ).all()
