"""Database engine set-up shared by every process: SQLite pragmas and URL resolution."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine


def resolve_database_url(url: str | None, instance_path: Path) -> str:
    """Default to SQLite in instance/; make PostgreSQL URLs use the psycopg 3 driver."""
    if not url:
        return f"sqlite:///{instance_path / 'join4atmp.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL lets readers and one writer work at once; foreign keys are off by default in SQLite."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def insert_or_update(model, key, values: dict, update: dict):
    """One INSERT ... ON CONFLICT (``key``) DO UPDATE statement in the database's own dialect (SQLite and
    PostgreSQL spell it alike): two writers of one row never collide. ``values``: a row or a list of rows."""
    from ..extensions import db

    if db.engine.dialect.name == "postgresql":  # imported for the dialect in use only
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).values(values).on_conflict_do_update(index_elements=[key], set_=update)
