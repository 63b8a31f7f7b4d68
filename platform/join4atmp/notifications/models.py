"""The outbox: an email is stored in the transaction that causes it and delivered after the commit."""
from ..core.time import utcnow
from ..extensions import db


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


class Notification(db.Model):
    """Something a member wants to know (a new answer, an accepted answer). Emailed at once, or
    gathered into the daily digest, by the member's preference."""

    __tablename__ = "notification"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(40), nullable=False)
    text = db.Column(db.Text, nullable=False)
    url = db.Column(db.String(500), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    emailed_at = db.Column(db.DateTime, index=True)    # at once, or in a digest
