"""Who may see and manage a webinar, and the row lock that serialises changes to its seats."""
from sqlalchemy import update

from ..core.errors import NotAllowed
from ..extensions import db
from .models import Webinar


def can_manage(webinar, user) -> bool:
    """The webinar's organiser (while they keep the organiser duty) and admins."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or (user.is_organiser and webinar.organiser_id == user.id)


def can_view(webinar, user) -> bool:
    """Published and cancelled webinars are public; a draft is seen by those who manage it."""
    return not webinar.is_draft or can_manage(webinar, user)


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
        update(Webinar).where(Webinar.id == webinar.id)
        .values(seats_taken=Webinar.seats_taken, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False))
    db.session.refresh(webinar)
