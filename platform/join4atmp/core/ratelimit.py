"""Attempt counters kept in the database, so that limits hold across worker processes.

Keys are hashed: the table holds no email address or IP address in clear.
"""
import hashlib
from datetime import timedelta

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
    since = utcnow() - window
    count = db.session.scalar(
        select(func.count()).select_from(RateLimitHit)
        .where(RateLimitHit.key == _digest(key), RateLimitHit.created_at >= since)
    )
    return count >= attempts


def record_hit(key: str, limit: tuple[int, timedelta]) -> None:
    """Count one attempt for ``key`` (the caller commits) and forget hits older than the window."""
    _, window = limit
    digest = _digest(key)
    db.session.execute(
        delete(RateLimitHit).where(RateLimitHit.key == digest, RateLimitHit.created_at < utcnow() - window)
    )
    db.session.add(RateLimitHit(key=digest))


def clear_hits(key: str) -> None:
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.key == _digest(key)))
