"""Attempt counters kept in the database, so that limits hold across worker processes.

Keys are hashed: the table holds no email address or IP address in clear.
"""

import hashlib
import math
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, select

from ..extensions import db
from .time import utcnow


class RateLimitHit(db.Model):
    __tablename__ = "rate_limit_hit"

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(64), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_limited(key: str, limit: tuple[int, timedelta]) -> bool:
    """True when ``key`` has reached ``limit`` = (attempts, window) within the window."""
    attempts, window = limit
    since = utcnow() - _window(window)
    count = db.session.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.key == _digest(key), RateLimitHit.created_at >= since)
    )
    return count >= attempts


def record_hit(key: str, limit: tuple[int, timedelta]) -> None:
    """Count one attempt for ``key`` (the caller commits) and forget hits older than the window."""
    _, window = limit
    digest = _digest(key)
    db.session.execute(
        delete(RateLimitHit).where(RateLimitHit.key == digest, RateLimitHit.created_at < utcnow() - _window(window))
    )
    db.session.add(RateLimitHit(key=digest))


def attempt(key: str, limit: tuple[int, timedelta], max_delay: float) -> int:
    """Record an attempt under ``key`` *before* it is checked, then let it through or refuse it.

    ``limit`` = (free attempts, window). Past the free ones, each attempt must come at least 1 s, 2 s,
    4 s... (doubling, at most ``max_delay`` seconds) after the one before: growing delays, never a hard
    lock that a stranger could put on someone else's account. Recording first and committing before
    counting means a parallel burst counts every one of its attempts, whatever the number of workers.
    A refused attempt is forgotten, so that hammering does not lengthen the wait of the person whose
    account it is. Commits. Returns the attempt's id: ``forget(id)`` it when it succeeds, so that only
    failures (and attempts in flight) count."""
    free, window = limit
    digest, now = _digest(key), utcnow()
    since = now - _window(window)
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.key == digest, RateLimitHit.created_at < since))
    hit = RateLimitHit(key=digest, created_at=now)
    db.session.add(hit)
    db.session.commit()
    earlier = db.session.scalars(
        select(RateLimitHit.created_at)
        .where(RateLimitHit.key == digest, RateLimitHit.created_at >= since, RateLimitHit.id < hit.id)
        .order_by(RateLimitHit.id.desc())
    ).all()
    if len(earlier) >= free:
        needed = min(float(max_delay), 2.0 ** (len(earlier) - free))
        waited = (now - earlier[0]).total_seconds()
        if waited < needed:
            forget(hit.id)
            from .errors import RateLimited

            seconds = max(1, math.ceil(needed - waited))
            raise RateLimited(
                lazy_ngettext(
                    "Too many attempts. Please wait %(num)d second and try again.",
                    "Too many attempts. Please wait %(num)d seconds and try again.",
                    seconds,
                )
            )
    return hit.id


def forget(hit_id: int) -> None:
    """Take back one attempt (it succeeded, or it was refused); commits."""
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.id == hit_id))
    db.session.commit()


def clear_hits(key: str) -> None:
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.key == _digest(key)))


def spend(action: str, user) -> None:
    """Count one ``action`` by ``user`` and by the request's address, or refuse when either has used up
    its allowance in ABUSE_LIMITS. The caller commits (a refused attempt counts nothing).

    Check and count are two statements, so a burst spread over several workers may pass a limit by a
    request or two: good enough against abuse, and no lock held across workers."""
    from flask import current_app

    # a deployment that sets ABUSE_LIMITS for some actions keeps the defaults of the others
    from .. import config as defaults
    from .errors import RateLimited
    from .views import client_ip

    limits = current_app.config["ABUSE_LIMITS"].get(action) or defaults.ABUSE_LIMITS[action]
    checks = [(f"{action}:user:{user.id}", limits["user"]), (f"{action}:ip:{client_ip()}", limits["ip"])]
    checks = [(key, (count, _window(window))) for key, (count, window) in checks]
    if any(is_limited(key, limit) for key, limit in checks):
        raise RateLimited(_l("You have done this too often for now. Please try again later."))
    for key, limit in checks:
        record_hit(key, limit)


def _window(window) -> timedelta:
    """A timedelta, or seconds: a limit given as JSON in the environment (JOIN4ATMP_LOGIN_LIMIT_PER_IP=[20, 900])."""
    return window if isinstance(window, timedelta) else timedelta(seconds=window)
