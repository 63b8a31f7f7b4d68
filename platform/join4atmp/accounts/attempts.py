"""Attempts that guess a secret (a password, a second-factor code), counted before they are checked:
``core.ratelimit.attempt`` under one or several keys, with growing delays past the free attempts."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError, RateLimited
from ..core.ratelimit import attempt, forget
from .passwords import verify_password


def check_current_password(user, password, field="password", message=None):
    """A member's own password asked again (to change it, to erase the account, for two-step settings):
    counted before it is checked, with growing delays past PASSWORD_CHECK_LIMIT."""
    config = current_app.config
    (hit,) = throttle((f"password-check:user:{user.id}", config["PASSWORD_CHECK_LIMIT"], config["LOGIN_MAX_DELAY"]))
    if not verify_password(user.password_hash, password or ""):
        raise DomainError(message or _l("Your password is not correct."), field)
    forget(hit)


def throttle(*limits) -> list[int]:
    """``core.ratelimit.attempt`` under each (key, limit, max delay); when one refuses, the attempts
    already recorded for the others are taken back. Returns the attempts' ids."""
    hits = []
    try:
        for key, limit, max_delay in limits:
            hits.append(attempt(key, limit, seconds(max_delay)))
    except RateLimited:
        for hit in hits:
            forget(hit)
        raise
    return hits


def seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
