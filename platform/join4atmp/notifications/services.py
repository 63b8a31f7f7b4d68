"""Notifications: what a member wants to know, emailed at once or gathered into the daily digest."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core.mail import queue_email
from ..core.time import utcnow
from ..extensions import db
from .models import Notification

# Checks that a member may still read what a notification is about, registered by the areas that own
# the objects (questions): fn(note, user) -> bool. A notification that fails one is never sent.
_read_checks = []


def register_read_check(check):
    _read_checks.append(check)
    return check


def may_read(note, user) -> bool:
    return all(check(note, user) for check in _read_checks)


# How a kind of notification reads, registered by the areas that send it: fn(note) -> its text in the
# language of the moment, or None for a kind the area does not word.
_wordings = []


def register_wording(wording):
    _wordings.append(wording)
    return wording


def worded(note):
    """The notification's text in the language of the moment (the email's, rendered later than the
    notification was made): worded again where its area can, so that a member who chose another language
    since reads their own; else the text as sent."""
    for wording in _wordings:
        text = wording(note)
        if text is not None:
            return text
    return note.text


def notify(user, kind, text, url, question_id=None):
    """Tell a member something: emailed now, or kept for their daily digest. The caller commits."""
    note = Notification(user_id=user.id, kind=kind, text=str(text), url=url, question_id=question_id)
    if not may_read(note, user):
        return None
    db.session.add(note)
    if user.notification_mode != "digest" and not _emailed_lately(user.id, question_id):
        queue_email(user.email, text, "notification", locale=user.locale, note=note)
        note.emailed_at = utcnow()
    return note


def _emailed_lately(user_id, question_id) -> bool:
    """Whether the member had an email about this thread within NOTIFICATION_COALESCE (then a new
    notification of it waits, to go out with the others)."""
    if question_id is None:
        return False
    since = utcnow() - current_app.config["NOTIFICATION_COALESCE"]
    recent = select(Notification.id).where(
        Notification.user_id == user_id, Notification.question_id == question_id, Notification.emailed_at >= since
    )
    return db.session.scalar(recent.limit(1)) is not None


def send_held() -> int:
    """Notifications of members who want them at once, held back because the thread had emailed them
    lately: one email per member with all of them, once the window since that email has passed."""
    held = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.notification_mode != "digest")
        .order_by(Notification.id)
    ).all()
    due = [note for note in held if not _emailed_lately(note.user_id, note.question_id)]
    return _send_gathered(due)


def send_digests() -> int:
    """One email per digest reader with everything not emailed yet; each notification goes out once,
    however often this runs (the notifications are marked in the same transaction as the email)."""
    pending = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.notification_mode == "digest")
        .order_by(Notification.id)
    ).all()
    return _send_gathered(pending)


def _send_gathered(notes) -> int:
    """One email per member with their notifications in ``notes`` (those they may still read; the others
    are dropped, title and all), each marked in the same transaction. Returns the emails sent."""
    by_user = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    sent = 0
    for user_id, mine in by_user.items():
        user = db.session.get(User, user_id)
        readable = [note for note in mine if may_read(note, user)]
        for note in mine:
            if note not in readable:  # access ended since: the title is not sent, and not kept
                db.session.delete(note)
        if readable:
            entries = [(note, worded(note)) for note in readable]
            queue_email(user.email, _l("Your JOIN4ATMP digest"), "digest", locale=user.locale, entries=entries)
            for note in readable:
                note.emailed_at = utcnow()
            sent += 1
        db.session.commit()
    return sent
