"""Organisers write to the people registered for a webinar, one email each, through the outbox."""

from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError
from ..extensions import db
from .mail import notify
from .models import RegistrationStatus
from .policy import require_manager

MAX_SUBJECT, MAX_BODY = 150, 10_000


def recipients(webinar, include_waitlisted=False) -> list:
    """Registrations that get a message: those holding places (confirmed or attended), and the waiting
    list if asked; never cancelled ones, nor rows whose person was purged."""
    wanted = {RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED}
    if include_waitlisted:
        wanted.add(RegistrationStatus.WAITLISTED)
    return [r for r in webinar.registrations if r.status in wanted and r.user is not None]


def message_registrants(webinar, user, subject, body, include_waitlisted=False) -> int:
    """Check the organiser's message and hand it to the worker, which emails each registrant (one job,
    however many people). Returns how many people it is for."""
    subject, body, targets = _checked(webinar, user, subject, body, include_waitlisted)
    from .tasks import send_message

    try:
        send_message(webinar.id, user.id, subject, body, include_waitlisted)
    except Exception as error:  # noqa: BLE001 - nothing was sent: say so rather than lose it
        raise DomainError(_l("The message could not be queued. Please try again in a minute.")) from error
    return len(targets)


def queue_messages(webinar, user, subject, body, include_waitlisted=False) -> int:
    """In the worker: queue the message to each registrant in the outbox, in one transaction."""
    subject, body, targets = _checked(webinar, user, subject, body, include_waitlisted)
    for registration in targets:
        notify(
            registration, "webinar_message", calendar_file=False, subject_params={"subject": subject}, message_body=body
        )
    db.session.commit()
    return len(targets)


def _checked(webinar, user, subject, body, include_waitlisted):
    require_manager(webinar, user)
    if webinar.is_draft or webinar.purged_at is not None:
        raise DomainError(_l("Nobody can be reached for this webinar."))
    subject = " ".join((subject or "").split())  # one line: no header tricks
    body = (body or "").strip()
    if not 3 <= len(subject) <= MAX_SUBJECT:
        raise DomainError(_l("Write a subject of 3 to %(n)d characters.", n=MAX_SUBJECT), "subject")
    if not 10 <= len(body) <= MAX_BODY:
        raise DomainError(_l("Write a message of 10 to %(n)d characters.", n=MAX_BODY), "body")
    targets = recipients(webinar, include_waitlisted)
    if not targets:
        raise DomainError(_l("Nobody is registered yet."))
    return subject, body, targets
