"""Retention: records kept only as long as the privacy notice says (``flask privacy retention``).

Idempotent and safe to run from cron on several machines: each step is a bulk DELETE of rows older
than its period, and webinar registrants are purged by the webinars' own job.
"""

from datetime import timedelta, timezone
from email.utils import parsedate_to_datetime

from flask import current_app
from sqlalchemy import and_, delete, or_

from ..accounts.sessions import purge_ended
from ..core import audit, outbox_files
from ..core.mail import OutboxMessage
from ..core.ratelimit import RateLimitHit
from ..core.time import utcnow
from ..extensions import db
from ..notifications.models import Notification
from ..webinars.housekeeping import purge_personal_data


def _days(name) -> timedelta:
    return timedelta(days=int(current_app.config[name]))


def _bulk_delete(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _outbox(now) -> int:
    cutoff = now - _days("OUTBOX_RETENTION_DAYS")
    failed = and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"],
        OutboxMessage.created_at < cutoff,
    )
    # the local outbox's files go with their rows (written at delivery, so never older than the row)
    outbox_files.remove(lambda message: _written_before(message, cutoff))
    return _bulk_delete(delete(OutboxMessage).where(or_(OutboxMessage.sent_at < cutoff, failed)))


def _written_before(message, cutoff) -> bool:
    try:
        return parsedate_to_datetime(message["Date"]).astimezone(timezone.utc).replace(tzinfo=None) < cutoff
    except (TypeError, ValueError):
        return False


def enforce_retention(now=None) -> dict:
    """Delete what is past its retention period; returns {what: how many} (commits)."""
    now = now or utcnow()
    removed = {
        "audit events": audit.purge_older_than(now - _days("AUDIT_RETENTION_DAYS")),
        "rate-limit counters": _bulk_delete(
            delete(RateLimitHit).where(RateLimitHit.created_at < now - _days("RATE_LIMIT_RETENTION_DAYS"))
        ),
        "outbox messages": _outbox(now),
        "notifications": _bulk_delete(
            delete(Notification).where(Notification.emailed_at < now - _days("NOTIFICATION_RETENTION_DAYS"))
        ),
        "ended sessions": purge_ended(now - _days("SESSION_RETENTION_DAYS")),
    }
    db.session.commit()
    removed["webinars purged of registrant data"] = purge_personal_data(now)
    return removed
