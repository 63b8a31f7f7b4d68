"""In-app notifications (the outbox of email lives in core/mail.py)."""

from ..core.time import utcnow
from ..extensions import db


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
    emailed_at = db.Column(db.DateTime, index=True)  # at once, or in a digest
    # What the notification is about, so that access is checked again when it is sent (services.py)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), index=True)
