"""The second factor: TOTP codes from an authenticator app, and one-time recovery codes.

The TOTP secret must be readable to check codes, so it is encrypted (Fernet) with a key derived from
SECRET_KEY: a copy of the database alone does not give the secrets away. Changing SECRET_KEY therefore
makes every enrolled user unable to give a code; reset them with ``flask users reset-2fa EMAIL``.
A code is accepted once: the newest time step used is kept, and a code of that step or an earlier one is
refused. Wrong codes count against a per-account limit, so six digits cannot be guessed by trying.
The cryptography and QR code libraries are imported where they are used, not at every command's start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import TYPE_CHECKING

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ..core import audit
from ..core.errors import DomainError
from ..core.ratelimit import clear_hits, forget
from ..core.time import utcnow
from ..extensions import db
from .attempts import check_current_password, throttle
from .models import RecoveryCode, TwoFactor
from .sessions import end_other_sessions

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

WRONG_CODE = _l("That code is not correct, or it has been used already.")
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _fernet() -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"join4atmp totp secret").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(two_factor) -> str | None:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(two_factor.secret_encrypted.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since enrolment: no code can match
        return None


def _totp(secret) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


# --- Enrolment --------------------------------------------------------------------------------


def start_enrolment(user) -> None:
    """Give ``user`` a new, unconfirmed secret (replacing an unconfirmed one); commits."""
    if user.has_second_factor:
        raise DomainError(_l("Two-step login is already on."))
    if user.two_factor is not None:
        db.session.delete(user.two_factor)
        db.session.flush()
    secret = pyotp.random_base32()
    user.two_factor = TwoFactor(secret_encrypted=_fernet().encrypt(secret.encode()).decode())
    db.session.commit()


def pending_secret(user) -> str | None:
    """The secret being set up, to show as text and as a QR code; None when nothing is being set up."""
    if user.two_factor is None or user.two_factor.is_enabled:
        return None
    return _secret(user.two_factor)


def readable_secret(secret) -> str | None:
    """The secret in groups of four ("ABCD EFGH …") for typing in by hand; authenticator apps (and
    ``oathtool -b``) ignore the spaces."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) if secret else None


def provisioning_uri(user, secret) -> str:
    return _totp(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TWO_FACTOR_ISSUER"])


def qr_data_uri(uri) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (the CSP allows data: images)."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_enrolment(user, code) -> list[str]:
    """Switch the second factor on once a first code proves the app holds the secret; commits.
    Returns the recovery codes, to be shown once."""
    two_factor = user.two_factor
    if two_factor is None or two_factor.is_enabled:
        raise DomainError(_l("Start the set-up again."))
    hit = _attempt(user)
    if not _accept_totp(two_factor, code):
        raise DomainError(WRONG_CODE, "code")
    forget(hit)
    two_factor.confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record(user, "2fa.enrol", user)
    db.session.commit()
    return codes


# --- Checking codes ---------------------------------------------------------------------------


def _step_now() -> int:
    return int(time.time()) // 30


def _accept_totp(two_factor, code) -> bool:
    """Accept a code of the current step or one either side (clock drift), newer than the last used.
    The conditional UPDATE makes the check atomic: two workers cannot both accept one code."""
    code = "".join((code or "").split())
    secret = _secret(two_factor)
    if secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp, now = _totp(secret), _step_now()
    for step in (now + 1, now, now - 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            result = db.session.execute(
                update(TwoFactor)
                .where(TwoFactor.id == two_factor.id)
                .where((TwoFactor.last_used_step.is_(None)) | (TwoFactor.last_used_step < step))
                .values(last_used_step=step)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def _normalise_recovery(code) -> str:
    return "".join(ch for ch in (code or "").lower() if ch in RECOVERY_ALPHABET)


def _recovery_digest(salt, code) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _accept_recovery(user, code) -> bool:
    code = _normalise_recovery(code)
    if len(code) != 10:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if hmac.compare_digest(row.code_hash, _recovery_digest(row.salt, code)):
            result = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def _limit_key(user) -> str:
    return f"2fa:acct:{user.id}"


def _attempt(user) -> int:
    """Count this code before checking it (a parallel burst counts every code); growing delays past
    TWO_FACTOR_LIMIT_PER_ACCOUNT."""
    config = current_app.config
    (hit,) = throttle((_limit_key(user), config["TWO_FACTOR_LIMIT_PER_ACCOUNT"], config["LOGIN_MAX_DELAY"]))
    return hit


def verify_login_code(user, code, ip) -> str:
    """Check the code given at login: a TOTP code, or else a recovery code (used up). Commits.
    Returns "totp" or "recovery"; raises RateLimited or DomainError."""
    _attempt(user)
    if user.has_second_factor and _accept_totp(user.two_factor, code):
        kind = "totp"
    elif user.has_second_factor and _accept_recovery(user, code):
        kind = "recovery"
        audit.record(user, "2fa.recovery_code_used", user, detail=f"ip {ip}")
    else:
        audit.record(user, "2fa.failed", user, detail=f"ip {ip}")
        db.session.commit()
        raise DomainError(WRONG_CODE, "code")
    clear_hits(_limit_key(user))
    db.session.commit()
    return kind


# --- Recovery codes, switching off, admin reset -----------------------------------------------


def _new_recovery_codes(user) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(current_app.config["TWO_FACTOR_RECOVERY_CODES"]):
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        salt = secrets.token_hex(16)
        db.session.add(RecoveryCode(user_id=user.id, salt=salt, code_hash=_recovery_digest(salt, code)))
        codes.append(f"{code[:5]}-{code[5:]}")
    return codes


def unused_recovery_codes(user) -> int:
    return sum(1 for row in user.recovery_codes if row.used_at is None)


def _check_password(user, password):
    check_current_password(user, password)


def regenerate_recovery_codes(user, password) -> list[str]:
    """Replace all recovery codes (the old ones stop working); commits. Returns the new codes."""
    if not user.has_second_factor:
        raise DomainError(_l("Two-step login is off."))
    _check_password(user, password)
    codes = _new_recovery_codes(user)
    audit.record(user, "2fa.recovery_codes_regenerated", user)
    db.session.commit()
    return codes


def disable(user, password) -> None:
    """Switch the second factor off, when the user's duties do not require it; commits."""
    if user.needs_second_factor:
        raise DomainError(_l("Your role or duties require two-step login: it cannot be turned off."))
    if not user.has_second_factor:
        raise DomainError(_l("Two-step login is off."))
    _check_password(user, password)
    _remove(user)
    audit.record(user, "2fa.disable", user)
    db.session.commit()


def _remove(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.expire(user, ["two_factor", "recovery_codes"])


def admin_reset(user, by=None) -> None:
    """Remove a locked-out user's second factor and end their sessions (they enrol again at their next
    login if their duties require it); commits. ``by`` is None on the command line."""
    _remove(user)
    end_other_sessions(user)
    clear_hits(_limit_key(user))
    audit.record(by, "2fa.admin_reset", user, detail=None if by else "command line")
    db.session.commit()
