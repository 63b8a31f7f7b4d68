"""Consent rules: grant, withdraw, and whether consent for a purpose is in force."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.time import utcnow
from ..extensions import db
from .models import Consent

PUBLIC_CONTACT = "public_contact"

PURPOSES = {
    PUBLIC_CONTACT: _l("Show my contact email on my public profile"),
}


def active_consent(user, purpose) -> Consent | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(Consent).where(Consent.user_id == user.id, Consent.purpose == purpose,
                                                   Consent.withdrawn_at.is_(None)).order_by(Consent.id.desc()))


def has_consent(user, purpose) -> bool:
    return active_consent(user, purpose) is not None


def set_consent(user, purpose, granted: bool) -> bool:
    """Record a grant (under the current notice version) or a withdrawal; nothing when the state does
    not change. The caller commits. Returns True when something was recorded."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    current = active_consent(user, purpose)
    if granted and current is None:
        db.session.add(Consent(user_id=user.id, purpose=purpose,
                               notice_version=str(current_app.config["PRIVACY_NOTICE_VERSION"])))
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
    return db.session.scalars(select(Consent).where(Consent.user_id == user.id)
                              .order_by(Consent.granted_at.desc(), Consent.id.desc())).all()
