"""Consent records and their rules: where consent is the legal basis, when it was given, under which notice,
and withdrawn when; grant, withdraw, and whether consent for a purpose is in force. On the ground floor, so
that any area can ask (profiles shows a contact address only with consent); privacy/ shows and exports them."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .time import utcnow


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


PUBLIC_CONTACT = "public_contact"

PURPOSES = {
    PUBLIC_CONTACT: _l("Show my contact email on my public profile"),
}


def active_consent(user, purpose) -> Consent | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        select(Consent)
        .where(Consent.user_id == user.id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .order_by(Consent.id.desc())
    )


def has_consent(user, purpose) -> bool:
    return active_consent(user, purpose) is not None


def consenting_users(user_ids, purpose) -> set[int]:
    """Which of these users' consent for ``purpose`` is in force, in one statement (for lists)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Consent.user_id).where(
                Consent.user_id.in_(ids), Consent.purpose == purpose, Consent.withdrawn_at.is_(None)
            )
        )
    )


def set_consent(user, purpose, granted: bool) -> bool:
    """Record a grant (under the current notice version) or a withdrawal; nothing when the state does
    not change. The caller commits. Returns True when something was recorded."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    current = active_consent(user, purpose)
    if granted and current is None:
        db.session.add(
            Consent(user_id=user.id, purpose=purpose, notice_version=str(current_app.config["PRIVACY_NOTICE_VERSION"]))
        )
        return True
    if not granted and current is not None:
        current.withdrawn_at = utcnow()
        return True
    return False


def withdraw(user, purpose) -> bool:
    """Withdraw consent for ``purpose`` at once (commits)."""
    changed = set_consent(user, purpose, False)
    db.session.commit()
    return changed


def consent_history(user) -> list[Consent]:
    return db.session.scalars(
        select(Consent).where(Consent.user_id == user.id).order_by(Consent.granted_at.desc(), Consent.id.desc())
    ).all()
