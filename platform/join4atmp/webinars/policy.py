"""The object rules of the webinars area (who may see, manage, ask and vote), and the row lock that
serialises changes to a webinar's seats. Routes, services and templates all ask these predicates."""

from sqlalchemy import select, update

from ..core.errors import NotAllowed
from ..core.time import utcnow
from ..extensions import db
from .models import Registration, RegistrationStatus, Webinar, WebinarStatus


def can_manage(webinar, user) -> bool:
    """The webinar's organiser (while they keep the organiser duty) and admins."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or (user.is_organiser and webinar.organiser_id == user.id)


def can_view(webinar, user) -> bool:
    """Published and cancelled webinars are public; a draft is seen by those who manage it."""
    return not webinar.is_draft or can_manage(webinar, user)


def is_registered(webinar, user) -> bool:
    """Holds a seat or a place on the waiting list."""
    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Registration.id).where(
                Registration.webinar_id == webinar.id,
                Registration.user_id == user.id,
                Registration.status.in_(RegistrationStatus.active()),
            )
        )
        is not None
    )


def can_ask(webinar, user, now=None) -> bool:
    """Registered people send questions ahead until the webinar starts."""
    return (
        webinar.status == WebinarStatus.PUBLISHED
        and not webinar.has_started(now or utcnow())
        and is_registered(webinar, user)
    )


def can_vote(webinar, user, now=None) -> bool:
    """Registered people vote on the questions until the webinar ends."""
    return (
        webinar.status == WebinarStatus.PUBLISHED
        and not webinar.has_ended(now or utcnow())
        and is_registered(webinar, user)
    )


def can_publish_answers(webinar, now=None) -> bool:
    """The answers become a Q&A thread once the webinar has ended."""
    return webinar.status == WebinarStatus.PUBLISHED and webinar.has_ended(now or utcnow())


def require_manager(webinar, user):
    if not can_manage(webinar, user):
        raise NotAllowed("not a manager of this webinar")


def lock_webinar(webinar):
    """Take the webinar row's write lock for the rest of the transaction, then reload it.

    A no-op UPDATE is the one lock both databases honour: PostgreSQL locks the row, SQLite takes the
    database write lock (and starts the transaction there, so nothing read before it is stale).
    Registrations, cancellations and capacity changes of one webinar therefore happen one at a time,
    and a freed seat always goes to the waiting list before anyone else sees it."""
    db.session.execute(
        update(Webinar)
        .where(Webinar.id == webinar.id)
        .values(seats_taken=Webinar.seats_taken, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(webinar)
