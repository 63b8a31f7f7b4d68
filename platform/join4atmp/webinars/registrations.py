"""Registration rules: seats, the waiting list, cancelling, attendance.

Capacity holds across processes because a seat is only ever taken by a conditional UPDATE of the
webinar's counter (``seats_taken + n <= capacity``) in the same transaction that inserts the
registration: if the update matches no row, the webinar is full and the person joins the waiting list.
The transaction also holds the webinar's row lock (``lock_webinar``), so a seat freed by a cancellation
goes to the waiting list, in order, before anyone else can take it.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..core.errors import DomainError, NotAllowed
from ..core.roles import Role
from ..core.time import utcnow
from ..extensions import db
from .mail import notify
from .models import Registration, RegistrationStatus, Webinar, WebinarQuestion
from .policy import can_view, lock_webinar, require_manager

ALREADY_REGISTERED = _l("You are already registered for this webinar.")
CLOSED = _l("Registration for this webinar is closed.")
NOT_REGISTERED = _l("You are not registered for this webinar.")
STARTED = _l("The webinar has started: the registration can no longer be cancelled.")


def reminder_hours() -> list[int]:
    return sorted(int(h) for h in current_app.config["WEBINAR_REMINDERS_HOURS"])


def max_seats(user) -> int:
    """An organisation contact may book places for its members (WEBINAR_MAX_SEATS_PER_REGISTRATION, the
    one place that says how many); everyone else books one."""
    if user is not None and user.is_authenticated and user.role in (Role.PATIENT_ORG, Role.ADMIN):
        return int(current_app.config["WEBINAR_MAX_SEATS_PER_REGISTRATION"])
    return 1


def seats_rule(limit):
    """The refusal for a number of places outside 1..``limit``: the form and the service say the same."""
    return _l("You can book between 1 and %(n)d places.", n=limit) if limit > 1 else _l("You can book one place.")


def passed_reminder(webinar, now):
    """The smallest reminder offset whose moment has already passed (those are not sent late)."""
    passed = [h for h in reminder_hours() if now >= webinar.starts_at - timedelta(hours=h)]
    return min(passed) if passed else None


def registration_of(webinar, user) -> Registration | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.webinar_id == webinar.id, Registration.user_id == user.id)
    )


def _take_seats(webinar, seats) -> bool:
    result = db.session.execute(
        update(Webinar)
        .where(Webinar.id == webinar.id, Webinar.seats_taken + seats <= Webinar.capacity)
        .values(seats_taken=Webinar.seats_taken + seats, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seats(webinar, seats):
    db.session.execute(
        update(Webinar)
        .where(Webinar.id == webinar.id, Webinar.seats_taken >= seats)
        .values(seats_taken=Webinar.seats_taken - seats, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False)
    )


def _confirm(registration, now):
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at, registration.waitlisted_at = now, None
    registration.reminded_hours = passed_reminder(registration.webinar, now)


def _lock_for_registration(webinar, user, now) -> Registration | None:
    """Lock the webinar and check again what may have changed meanwhile; returns a cancelled earlier
    registration of ``user`` to reuse, if any."""
    if not webinar.is_open_for_registration(now):
        raise DomainError(CLOSED)
    lock_webinar(webinar)  # also reloads it: an organiser may have just cancelled or moved it
    registration = registration_of(webinar, user)
    if registration is not None and registration.is_active:
        db.session.rollback()
        raise DomainError(ALREADY_REGISTERED)
    if not webinar.is_open_for_registration(now):
        db.session.rollback()
        raise DomainError(CLOSED)
    return registration


def register_for_webinar(user, webinar, seats=1, needs="") -> Registration:
    """Give ``user`` ``seats`` seats, or a place on the waiting list when the webinar is full.
    Emails a confirmation with a calendar file, or the waiting-list notice."""
    now, seats = utcnow(), int(seats or 1)
    if not can_view(webinar, user):
        raise NotAllowed("hidden webinar")
    limit = max_seats(user)
    if not 1 <= seats <= limit:
        raise DomainError(seats_rule(limit), "seats")
    registration = _lock_for_registration(webinar, user, now)
    took = _take_seats(webinar, seats)
    if registration is None:
        registration = Registration(webinar=webinar, user=user, status=RegistrationStatus.WAITLISTED)
        db.session.add(registration)
    registration.seats, registration.needs = seats, (needs or "").strip()[:2000] or None
    registration.created_at, registration.cancelled_at, registration.reminded_hours = now, None, None
    if took:
        _confirm(registration, now)
    else:
        registration.status, registration.waitlisted_at = RegistrationStatus.WAITLISTED, now
    try:
        db.session.flush()
    except IntegrityError:  # the same person registering twice at the same moment
        db.session.rollback()
        raise DomainError(ALREADY_REGISTERED) from None
    notify(
        registration,
        "webinar_confirmed" if registration.holds_seats else "webinar_waitlisted",
        position=waitlist_position(registration),
    )
    db.session.commit()
    return registration


def release_rule(held):
    """The refusal for giving back more places than one has (or fewer than one)."""
    return _ln(
        "Your registration is for %(num)d place: you can only give it back whole.",
        "Your registration is for %(num)d places: give back between 1 and %(num)d.",
        held,
    )


def cancel_registration(registration, user, places=None) -> list[Registration]:
    """Cancel one's own registration (or leave the waiting list) before the start; with ``places``, give
    back only that many of one's places and keep the rest (all of them is a cancellation). Freed seats go
    to the waiting list at once, and so may a smaller request still waiting. Returns the registrations promoted."""
    if user is None or registration.user_id != user.id:
        raise NotAllowed("not this user's registration")
    webinar, now = registration.webinar, utcnow()
    if webinar.has_started(now):
        raise DomainError(STARTED)
    lock_webinar(webinar)
    db.session.refresh(registration)
    if not registration.is_active:
        db.session.rollback()
        raise DomainError(NOT_REGISTERED)
    places = registration.seats if places is None else int(places)
    if not 1 <= places <= registration.seats:
        db.session.rollback()
        raise DomainError(release_rule(registration.seats), "places")
    held = registration.holds_seats
    if places == registration.seats:
        registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, now
        notify(registration, "webinar_registration_cancelled", calendar_file=held)
    else:
        registration.seats -= places
    if held:
        _release_seats(webinar, places)
    promoted = promote_waitlisted(webinar, now)
    db.session.commit()
    return promoted


def cancel_registrations_of(user) -> int:
    """Give up every place and waiting-list spot ``user`` holds for webinars not started yet, e.g. before
    the account is deleted, so that the places go to others. Returns how many were cancelled."""
    now, count = utcnow(), 0
    for registration in registrations_of(user):
        if not registration.webinar.has_started(now):
            cancel_registration(registration, user)
            count += 1
    return count


def waiting_list(webinar) -> list[Registration]:
    return db.session.scalars(
        select(Registration)
        .where(Registration.webinar_id == webinar.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()


def promote_waitlisted(webinar, now) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served; a booking for more places than
    are free waits while smaller ones behind it go ahead. The caller holds the lock and commits."""
    if webinar.is_draft or webinar.is_cancelled or webinar.has_started(now):
        return []
    db.session.flush()
    db.session.refresh(webinar)
    free, promoted = webinar.seats_left, []
    for registration in waiting_list(webinar):
        if registration.seats <= free and _take_seats(webinar, registration.seats):
            free -= registration.seats
            _confirm(registration, now)
            notify(registration, "webinar_promoted")
            promoted.append(registration)
        if free <= 0:
            break
    return promoted


def waitlist_position(registration) -> int | None:
    """1 for the first person waiting; None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return 1 + sum(
        1
        for other in waiting_list(registration.webinar)
        if (other.waitlisted_at, other.id) < (registration.waitlisted_at, registration.id)
    )


def registrations_by_status(webinar) -> dict:
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.webinar_id == webinar.id)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    groups = {status: [r for r in rows if r.status == status] for status in RegistrationStatus}
    groups[RegistrationStatus.WAITLISTED].sort(key=lambda r: (r.waitlisted_at, r.id))
    return groups


def mark_attendance(webinar, user, attended_ids):
    """Record who attended (from the start on): the ticked registrations become attended."""
    require_manager(webinar, user)
    if not webinar.has_started(utcnow()) or webinar.is_cancelled:
        raise DomainError(_l("Attendance can be recorded once the webinar has started."))
    attended_ids = {int(i) for i in attended_ids}
    for registration in webinar.registrations:
        if registration.holds_seats:
            registration.status = (
                RegistrationStatus.ATTENDED if registration.id in attended_ids else RegistrationStatus.CONFIRMED
            )
    db.session.commit()


def registrations_of(user) -> list[Registration]:
    """The user's registrations that are still active, by the webinar's start."""
    return db.session.scalars(
        select(Registration)
        .join(Webinar)
        .where(Registration.user_id == user.id, Registration.status.in_(RegistrationStatus.active()))
        .order_by(Webinar.starts_at)
    ).all()


def forget_people(registrations, questions) -> None:
    """Cut the people from the registrations and the questions sent ahead that match these conditions
    (a purged webinar's, or an erased member's): the rows stay, so that the figures still add up, but say
    nobody's name or needs. The caller commits."""
    for model, condition, values in (
        (Registration, registrations, {"user_id": None, "needs": None}),
        (WebinarQuestion, questions, {"author_id": None}),
    ):
        db.session.execute(update(model).where(condition).values(**values).execution_options(synchronize_session=False))
