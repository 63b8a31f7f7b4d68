"""The outbox: email queued in the transaction that causes it, delivered by the job worker, by SMTP or
into instance/outbox/. Every area sends mail through ``queue_email``; nothing else talks to SMTP.

A message is rendered and stored in the caller's transaction (``queue_email``), so it exists
exactly when the change that caused it was committed; the commit enqueues its delivery job. The
worker sends it with a socket timeout; a temporary failure leaves it queued with a back-off and a
retry job at that time, a permanent one (a 5xx answer) ends its attempts. The periodic sweep
(``deliver_due``) delivers whatever a lost job left behind, so nothing waits for a person or a cron.
"""

import base64
import hashlib
import smtplib
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Connection, Message
from jinja2 import TemplateNotFound
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from . import outbox_files, queue
from .dates import forced_zone
from .queue import crontab
from .time import utcnow

_PENDING_KEY = "outbox_new_ids"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(40), nullable=False, index=True)
    recipient = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text)
    # [{"filename", "content_type", "data" (base64)}], e.g. calendar invites
    attachments = db.Column(db.JSON, nullable=False, default=list)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    due_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    claimed_until = db.Column(db.DateTime)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    sent_at = db.Column(db.DateTime, index=True)
    last_error = db.Column(db.Text)

    @property
    def status(self):
        if self.sent_at:
            return "sent"
        return "retrying" if self.attempts else "queued"


class UndeliverableMessage(ValueError):
    """A message that no server could ever accept (a newline in a header, no valid recipient)."""


def forget_recipient(address) -> None:
    """Delete every message to ``address``, sent or waiting (an erased account), and the files the local
    outbox wrote for them. The caller commits."""
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.recipient == address).execution_options(synchronize_session=False)
    )
    outbox_files.remove(lambda message: address.casefold() in (message.get("To") or "").casefold())


def queue_email(recipient, subject, template, *, locale=None, timezone=None, kind=None, attachments=(), **context):
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) into the outbox.

    The caller commits; delivery follows that commit. ``subject`` may be a lazy string: it is
    rendered in ``locale`` (the recipient's language) like the body, and its times in ``timezone`` (the
    recipient's zone; UTC when None, never the zone of whoever caused the message). Raises
    UndeliverableMessage for a message that could never be sent, instead of storing it to fail for ever.
    """
    message = render_email(
        recipient, subject, template, locale=locale, timezone=timezone, kind=kind, attachments=attachments, **context
    )
    db.session.add(message)
    db.session.flush()
    pending = db.session.info.get(_PENDING_KEY)
    if pending is None:
        pending = db.session.info[_PENDING_KEY] = []
        queue.after_commit(deliver, pending)  # one job for every message of this transaction
    pending.append(message.id)
    return message


def render_email(
    recipient, subject, template, *, locale=None, timezone=None, kind=None, attachments=(), **context
) -> OutboxMessage:
    """The message ``queue_email`` would store, rendered and checked but not stored (also used to do the
    same work for an address that has no account, so that timing does not tell the two apart)."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]), forced_zone(timezone):
        subject_text = str(subject)
        limit = OutboxMessage.subject.type.length
        subject_text = subject_text if len(subject_text) <= limit else subject_text[: limit - 1] + "…"
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            body_html = None
    message = OutboxMessage(
        kind=kind or template,
        recipient=recipient,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        attachments=[
            {"filename": name, "content_type": ctype, "data": base64.b64encode(data).decode()}
            for name, ctype, data in attachments
        ],
    )
    _check_sendable(message)
    return message


def _check_sendable(message):
    if "@" not in (message.recipient or "") or any(c in message.recipient for c in "\r\n,;<> "):
        raise UndeliverableMessage(f"not an email address: {message.recipient!r}")
    if "\r" in message.subject or "\n" in message.subject:
        raise UndeliverableMessage(f"a newline in the subject: {message.subject!r}")


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session, *_):
    session.info.pop(_PENDING_KEY, None)


def deliver_pending(ids=None, limit=500):
    """Deliver due, unsent messages (only ``ids`` if given). Returns (sent, failed, next_due): next_due is
    the earliest retry time of the messages that failed, or None."""
    app = current_app._get_current_object()
    now = utcnow()
    sent = failed = 0
    next_due = None
    with Session(db.engine, expire_on_commit=False) as session:
        query = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.due_at <= now,
                OutboxMessage.attempts < app.config["MAIL_MAX_ATTEMPTS"],
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        message_ids = session.scalars(query).all()
        session.commit()  # no transaction stays open while mail travels (nothing is expired)
        for message_id in message_ids:
            if not _claim(session, message_id):
                continue  # another worker is delivering it, or did
            message = session.get(OutboxMessage, message_id)
            session.commit()
            try:
                _transport(app, message)
            except Exception as error:  # noqa: BLE001 - any transport failure keeps the message queued
                _record_failure(app, message, error)
                failed += 1
                if message.sent_at is None and message.attempts < app.config["MAIL_MAX_ATTEMPTS"]:
                    next_due = min(next_due or message.due_at, message.due_at)
            else:
                message.attempts += 1
                message.sent_at = utcnow()
                message.last_error = None
                message.claimed_until = None
                sent += 1
            session.add(message)
            session.commit()
    return sent, failed, next_due


def _record_failure(app, message, error):
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.claimed_until = None
    if _permanent(error):
        message.attempts = max(message.attempts, app.config["MAIL_MAX_ATTEMPTS"])  # no server will take it
    delay = app.config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
    message.due_at = utcnow() + timedelta(seconds=min(delay, app.config["MAIL_RETRY_MAX_SECONDS"]))
    app.logger.warning("Mail %s to %s not delivered: %s", message.id, message.recipient, error)


def _permanent(error) -> bool:
    """A 5xx answer: the server refuses this message, and sending it again would not change that."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _claim(session, message_id) -> bool:
    now = utcnow()
    claim_for = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + claim_for)
    )
    session.commit()
    return result.rowcount == 1


def delivery_figures() -> dict:
    """Outbox state for ``/healthz``: messages waiting for delivery and the age of the oldest."""
    now = utcnow()
    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"]
        )
    ).one()
    return {"unsent": count, "oldest_unsent_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0.0}


def build_message(app, message) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        sender=app.config["MAIL_DEFAULT_SENDER"],
    )
    mail_message.msgId = message_id_header(app, message)
    for item in message.attachments or []:
        mail_message.attach(item["filename"], item["content_type"], base64.b64decode(item["data"]))
    return mail_message


def message_id_header(app, message) -> str:
    """A Message-ID fixed per outbox row: if a delivery is repeated after an unclear failure (the
    connection broke after the server took the message), mail clients see one message, not two."""
    domain = app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(" >") or "join4atmp.invalid"
    digest = hashlib.sha256(f"{app.config['SECRET_KEY']}:{message.id}:{message.created_at}".encode()).hexdigest()
    return f"<{message.created_at:%Y%m%d%H%M%S}.{message.id}.{digest[:16]}@{domain}>"


class _TimedConnection(Connection):
    """Flask-Mail's connection with MAIL_TIMEOUT on the socket (Flask-Mail 0.10 opens it without one,
    so a server that stops answering would hold the worker for ever)."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        factory = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = factory(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _transport(app, message):
    mail_message = build_message(app, message)
    if app.config.get("MAIL_SERVER"):
        with _TimedConnection(app.extensions["mail"]) as connection:
            connection.send(mail_message)
        return
    path = outbox_files.write(app, message, mail_message)
    app.logger.info("Mail to %s written to %s", message.recipient, path)


@queue.task()
def deliver(ids):
    """Deliver the messages one transaction queued; a retry job follows at the back-off time."""
    _, _, next_due = deliver_pending(ids)
    if next_due is not None:
        deliver.schedule((ids,), delay=max(1.0, (next_due - utcnow()).total_seconds()))


@queue.periodic(crontab(minute="*"))
def deliver_due():
    """Every minute: whatever is due and not sent (a job lost with a killed worker, a queue that was down)."""
    deliver_pending()
