"""Sessions held on the server: logging out, a password change or "sign out everywhere" really end them.

The signed Flask cookie carries only a random session id (and what Flask-Login needs). The table keeps
the id's SHA-256 digest, so a database leak gives no usable cookie. A session is accepted while its row is
not revoked, has seen a request within SESSION_IDLE_TIMEOUT and is younger than SESSION_ABSOLUTE_TIMEOUT.
"""

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from ..core import audit, pagecache
from ..core.time import utcnow
from ..extensions import db
from .models import ApiToken, UserSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user, ip, user_agent) -> str:
    """Open a new session for ``user`` after a complete login (password and, if enrolled, second factor),
    record the login, commit, and return the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user=user,
            created_at=now,
            last_seen_at=now,
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:255],
        )
    )
    user.last_login_at = now
    audit.record(user, "login", user, detail=f"ip {ip}")
    db.session.commit()
    return token


def _expired(record, now) -> bool:
    config = current_app.config
    return (
        now - record.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - record.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )


def session_for_token(token) -> UserSession | None:
    """The live session the cookie's token names, or None. Refreshes ``last_seen_at`` at most once per
    SESSION_TOUCH_INTERVAL, so that an ordinary page view does not write to the database."""
    if not token or not isinstance(token, str):
        return None
    record = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == _digest(token)).options(joinedload(UserSession.user))
    )  # the user in the same statement: every logged-in request reads both
    now = utcnow()
    if record is None or record.revoked_at is not None or _expired(record, now):
        return None
    if now - record.last_seen_at >= current_app.config["SESSION_TOUCH_INTERVAL"]:
        _touch(record, now)
    return record


def _touch(record, now):
    """Note the session's use. Only bookkeeping: when the database is busy the page goes on without it
    (the next request tries again), so a locked database never fails a request here."""
    try:
        db.session.execute(
            update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now),
            execution_options={pagecache.NEUTRAL: True},  # "last seen" may lag by PAGE_CACHE_SECONDS
        )
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        current_app.logger.info("Session %s not touched (database busy): %s", record.id, error.orig)


def active_sessions(user) -> list[UserSession]:
    """The user's sessions that still let someone in, newest first (for the account page)."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return [row for row in rows if not _expired(row, now)]


def _revoke(query) -> int:
    result = db.session.execute(
        query.where(UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def end_session(record, by=None) -> None:
    """End one session (logout, or the owner ending it from the account page); commits."""
    _revoke(update(UserSession).where(UserSession.id == record.id))
    audit.record(by or record.user, "logout" if by is None else "session.end", record.user)
    db.session.commit()


def end_users_session(user, session_id) -> UserSession | None:
    """End one of ``user``'s own sessions by its row id; None when it is not theirs (the view answers 404)."""
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id:
        return None
    end_session(record, by=user)
    return record


def end_other_sessions(user, keep=None) -> int:
    """End every session of ``user`` except ``keep`` (a UserSession or None for all); the caller commits."""
    query = update(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return _revoke(query)


def end_api_tokens(user) -> int:
    """Revoke every active API token of ``user`` (a token acts as a session for scripts); the caller
    commits. Returns the count."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def sign_out_everywhere(user, keep) -> tuple[int, int]:
    """ "Sign out everywhere else": end all the user's sessions but this one, and their API tokens;
    commits. Returns (sessions ended, tokens ended)."""
    count = end_other_sessions(user, keep)
    tokens = end_api_tokens(user)
    detail = f"{counted(count, 'session')} and {counted(tokens, 'token')} ended"
    audit.record(user, "session.end_others", user, detail=detail)
    db.session.commit()
    return count, tokens


def counted(number, noun) -> str:
    """'1 session', '2 sessions': counts in audit details, which are stored in English, not translated."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def purge_ended(before) -> int:
    """Delete sessions ended or last seen before ``before`` (retention of IP addresses and browsers);
    the caller commits. Returns the count."""
    result = db.session.execute(
        delete(UserSession)
        .where(or_(UserSession.revoked_at < before, UserSession.last_seen_at < before))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
