"""Notifications: what a member wants to know, emailed at once or gathered into the daily digest."""

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


def notify(user, kind, text, url, question_id=None):
    """Tell a member something: emailed now, or kept for their daily digest. The caller commits."""
    note = Notification(user_id=user.id, kind=kind, text=str(text), url=url, question_id=question_id)
    if not may_read(note, user):
        return None
    db.session.add(note)
    if user.notification_mode != "digest":
        queue_email(user.email, text, "notification", locale=user.locale, note=note)
        note.emailed_at = utcnow()
    return note


def send_digests() -> int:
    """One email per digest reader with everything not emailed yet; each notification goes out once,
    however often this runs (the notifications are marked in the same transaction as the email)."""
    pending = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.notification_mode == "digest")
        .order_by(Notification.id)
    ).all()
    by_user = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        readable = [note for note in notes if may_read(note, user)]
        for note in notes:
            if note not in readable:  # access ended since: the title is not sent, and not kept
                db.session.delete(note)
        if not readable:
            db.session.commit()
            continue
        notes = readable
        queue_email(user.email, _l("Your JOIN4ATMP digest"), "digest", locale=user.locale, notes=notes)
        for note in notes:
            note.emailed_at = utcnow()
        db.session.commit()
    return len(by_user)
