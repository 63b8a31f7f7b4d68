"""Queue email in the outbox and deliver it after the commit, by SMTP or into instance/outbox/.

A message is rendered and stored in the caller's transaction (``queue_email``), so it exists
exactly when the change that caused it was committed. Delivery happens after that commit, in a
separate session; a failure leaves the message queued with a back-off, and
``flask mail send-pending`` (or the next commit) retries it, so nothing is lost while SMTP is down.
"""
import base64
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_app_context, render_template
from flask_babel import force_locale, lazy_gettext as _l
from flask_mail import Message
from jinja2 import TemplateNotFound
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from ..core.time import utcnow
from ..extensions import db, mail
from ..accounts.models import User
from .models import Notification, OutboxMessage

_PENDING_KEY = "outbox_new_ids"
CLAIM_FOR = timedelta(minutes=5)


def queue_email(recipient, subject, template, *, locale=None, kind=None, attachments=(), **context):
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) into the outbox.

    The caller commits; delivery follows that commit. ``subject`` may be a lazy string: it is
    rendered in ``locale`` (the recipient's language) like the body.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_text = str(subject)
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            body_html = None
    message = OutboxMessage(
        kind=kind or template, recipient=recipient, subject=subject_text, body_text=body_text,
        body_html=body_html, attachments=[
            {"filename": name, "content_type": ctype, "data": base64.b64encode(data).decode()}
            for name, ctype, data in attachments],
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(message.id)
    return message


def deliver_pending(ids=None, limit=500):
    """Deliver due, unsent messages (only ``ids`` if given). Returns (sent, failed)."""
    app = current_app._get_current_object()
    now = utcnow()
    sent = failed = 0
    with Session(db.engine, expire_on_commit=False) as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.due_at <= now,
            OutboxMessage.attempts < app.config["MAIL_MAX_ATTEMPTS"],
        ).order_by(OutboxMessage.id).limit(limit)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        for message_id in session.scalars(query).all():
            if not _claim(session, message_id):
                continue  # another process is delivering it
            message = session.get(OutboxMessage, message_id)
            try:
                _transport(app, message)
            except Exception as error:  # noqa: BLE001 - any transport failure keeps the message queued
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                message.due_at = utcnow() + min(timedelta(minutes=2 ** message.attempts), timedelta(hours=6))
                message.claimed_until = None
                failed += 1
                app.logger.warning("Mail %s to %s not delivered: %s", message.id, message.recipient, error)
            else:
                message.attempts += 1
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            session.commit()
    return sent, failed


def _claim(session, message_id) -> bool:
    now = utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + CLAIM_FOR)
    )
    session.commit()
    return result.rowcount == 1


def build_message(app, message) -> Message:
    mail_message = Message(
        subject=message.subject, recipients=[message.recipient], body=message.body_text,
        html=message.body_html, sender=app.config["MAIL_DEFAULT_SENDER"],
    )
    for item in message.attachments or []:
        mail_message.attach(item["filename"], item["content_type"], base64.b64decode(item["data"]))
    return mail_message


def outbox_dir(app) -> Path:
    return Path(app.instance_path) / "outbox"


def _transport(app, message):
    mail_message = build_message(app, message)
    if app.config.get("MAIL_SERVER"):
        mail.send(mail_message)
        return
    folder = outbox_dir(app)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}.eml"
    path.write_bytes(mail_message.as_bytes())
    app.logger.info("Mail to %s written to %s", message.recipient, path)


# Registered once at import (not per app): they act only inside an app context.
@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session):
    """Deliver the messages this commit queued, when the app is configured to."""
    ids = session.info.pop(_PENDING_KEY, None)
    if ids and has_app_context() and current_app.config.get("MAIL_DELIVER_AFTER_COMMIT"):
        deliver_pending(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, _previous_transaction):
    session.info.pop(_PENDING_KEY, None)


def notify(user, kind, text, url):
    """Tell a member something: emailed now, or kept for their daily digest. The caller commits."""
    note = Notification(user_id=user.id, kind=kind, text=str(text), url=url)
    db.session.add(note)
    if user.notification_mode != "digest":
        queue_email(user.email, text, "notification", locale=user.locale, note=note)
        note.emailed_at = utcnow()
    return note


def send_digests() -> int:
    """One email per digest reader with everything not emailed yet; each notification goes out once,
    however often this runs (the notifications are marked in the same transaction as the email)."""
    pending = db.session.scalars(select(Notification).join(User, User.id == Notification.user_id).where(
        Notification.emailed_at.is_(None), User.notification_mode == "digest").order_by(Notification.id)).all()
    by_user = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        queue_email(user.email, _l("Your JOIN4ATMP digest"), "digest", locale=user.locale, notes=notes)
        for note in notes:
            note.emailed_at = utcnow()
        db.session.commit()
    return len(by_user)
