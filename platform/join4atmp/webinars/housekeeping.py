"""The webinars' periodic jobs: reminders before webinars, the recording announced after, and the purge
of registrants' personal data later.

All are idempotent and safe to run often, and from several machines at once.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..core.time import utcnow
from ..extensions import db
from .mail import notify
from .models import (
    Registration,
    RegistrationStatus,
    Webinar,
    WebinarQuestion,
    WebinarQuestionStatus,
    WebinarStatus,
    WebinarVote,
)
from .registrations import forget_people, reminder_hours


def _claim_reminder(registration, hours) -> bool:
    """Mark the reminder as handled unless it already is (another run may be at it too)."""
    result = db.session.execute(
        update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            or_(Registration.reminded_hours.is_(None), Registration.reminded_hours > hours),
        )
        .values(reminded_hours=hours)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_reminders(now=None) -> int:
    """Remind confirmed registrants WEBINAR_REMINDERS_HOURS before each webinar. Only the nearest due
    reminder is sent (after a missed run nobody gets "tomorrow" an hour before), and none is sent twice,
    however often this runs. Returns the number of reminders queued."""
    now = now or utcnow()
    hours = reminder_hours()
    if not hours:
        return 0
    webinars = db.session.scalars(
        select(Webinar)
        .where(
            Webinar.status == WebinarStatus.PUBLISHED,
            Webinar.starts_at > now,
            Webinar.starts_at <= now + timedelta(hours=hours[-1]),
        )
        .order_by(Webinar.starts_at)
    ).all()
    sent = 0
    for webinar in webinars:
        due = min(h for h in hours if now >= webinar.starts_at - timedelta(hours=h))
        pending = db.session.scalars(
            select(Registration).where(
                Registration.webinar_id == webinar.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.user_id.is_not(None),
                or_(Registration.reminded_hours.is_(None), Registration.reminded_hours > due),
            )
        ).all()
        for registration in pending:
            if _claim_reminder(registration, due):
                notify(registration, "webinar_reminder", hours=due)
                sent += 1
        db.session.commit()
    return sent


def announce_recording(webinar, now) -> bool:
    """Tell those who held a seat that the recording is there, once: when it is added after the end, or at
    the end when it was added before or during the webinar. Claimed in one statement, so two runs (or a
    save and a run) never both send it."""
    if (
        not webinar.recording_url
        or not webinar.has_ended(now)
        or webinar.recording_announced_at is not None
        or webinar.status != WebinarStatus.PUBLISHED
        or webinar.purged_at is not None
    ):
        return False
    claimed = db.session.execute(
        update(Webinar)
        .where(Webinar.id == webinar.id, Webinar.recording_announced_at.is_(None))
        .values(recording_announced_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    webinar.recording_announced_at = now
    for registration in webinar.registrations:
        if registration.holds_seats:
            notify(registration, "webinar_recording")
    return True


def announce_recordings(now=None) -> int:
    """Recordings of webinars that have ended and were not announced yet (one added while the webinar
    ran is announced here, once it is over). Returns the number of webinars announced."""
    now = now or utcnow()
    webinars = db.session.scalars(
        select(Webinar).where(
            Webinar.status == WebinarStatus.PUBLISHED,
            Webinar.recording_url != "",
            Webinar.recording_announced_at.is_(None),
            Webinar.purged_at.is_(None),
            Webinar.ends_at <= now,
        )
    ).all()
    announced = 0
    for webinar in webinars:
        announced += announce_recording(webinar, now)
        db.session.commit()
    return announced


def purge_due(webinar, now, days) -> bool:
    """Personal data is kept ``days`` after the webinar ended (or after it was cancelled)."""
    reference = webinar.cancelled_at if webinar.is_cancelled and webinar.cancelled_at else webinar.ends_at
    return webinar.purged_at is None and reference <= now - timedelta(days=days)


def purge_personal_data(now=None) -> int:
    """Remove who registered, asked and voted from webinars past the retention period
    (WEBINAR_PURGE_AFTER_DAYS). Figures, questions and answers stay; hidden questions go.
    Returns the number of webinars purged."""
    now = now or utcnow()
    days = int(current_app.config["WEBINAR_PURGE_AFTER_DAYS"])
    candidates = db.session.scalars(
        select(Webinar).where(
            Webinar.purged_at.is_(None),
            Webinar.status.in_([WebinarStatus.PUBLISHED, WebinarStatus.CANCELLED]),
            or_(Webinar.ends_at <= now - timedelta(days=days), Webinar.cancelled_at <= now - timedelta(days=days)),
        )
    ).all()
    purged = 0
    for webinar in candidates:
        if not purge_due(webinar, now, days):
            continue
        question_ids = select(WebinarQuestion.id).where(WebinarQuestion.webinar_id == webinar.id)
        db.session.execute(
            delete(WebinarVote)
            .where(WebinarVote.question_id.in_(question_ids))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(WebinarQuestion)
            .where(WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.status == WebinarQuestionStatus.HIDDEN)
            .execution_options(synchronize_session=False)
        )
        forget_people(Registration.webinar_id == webinar.id, WebinarQuestion.webinar_id == webinar.id)
        webinar.purged_at = now
        db.session.commit()
        purged += 1
    return purged
