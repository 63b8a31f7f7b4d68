"""Consent records: where consent is the legal basis, when it was given, under which notice, and withdrawn when."""
from ..core.time import utcnow
from ..extensions import db


class Consent(db.Model):
    """One grant of consent for one purpose. Withdrawal stamps ``withdrawn_at`` on the active row once;
    consenting again appends a new row, so the history of grants and withdrawals stays readable."""

    __tablename__ = "consent"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    purpose = db.Column(db.String(40), nullable=False)
    notice_version = db.Column(db.String(40), nullable=False)
    granted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    withdrawn_at = db.Column(db.DateTime)

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
