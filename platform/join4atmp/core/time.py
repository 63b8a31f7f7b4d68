"""Time is stored as naive UTC in the database (SQLite keeps no zone); convert on display."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
