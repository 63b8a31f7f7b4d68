"""A member's data as JSON (GDPR access and portability), gathered by walking the schema.

Every table with a foreign key to ``user.id`` is exported (rows pointing at the member), so a new table
that links to users appears without code here. Rows owned *through* those tables (a profile's topics,
a question's revisions...) are exported only along the edges listed in ``FOLLOW``; edges that lead to
other people's data are listed in ``SKIP`` with the reason, which the export states. A test fails when
an edge is in neither list, so each new table gets an explicit decision.
"""

import base64
import enum
import json
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import LargeBinary, or_, select

from ..accounts import privacy as accounts
from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from ..matching import privacy as matching
from ..profiles import privacy as profiles
from ..questions import privacy as questions
from ..webinars import privacy as webinars

FORMAT = "join4atmp-personal-data/1"

# Each area decides for its own tables, in its privacy.py: EXPORT_FOLLOW, the (child table, foreign-key
# column) edges that lead to the member's own data through a parent row; EXPORT_SKIP, the edges that
# lead to other people's data, with the reason the export states.
AREAS = (accounts, profiles, matching, questions, webinars)
FOLLOW = set().union(*(area.EXPORT_FOLLOW for area in AREAS))
SKIP = {edge: why for area in AREAS for edge, why in area.EXPORT_SKIP.items()}

# Columns never exported, whatever table they are in: credentials, not personal information.
SECRET_SUFFIXES = ("_hash", "_digest")
SECRET_WORDS = ("secret", "password", "salt", "otp", "session_key")


def is_secret_column(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(SECRET_SUFFIXES) or any(word in lowered for word in SECRET_WORDS)


def _tables():
    return db.metadata.tables


def _user_table():
    return _tables()["user"]


def edges():
    """Every foreign key in the schema as (child table, column name, parent table, parent column name)."""
    for table in _tables().values():
        for fk in table.foreign_keys:
            yield table, fk.parent.name, fk.column.table, fk.column.name


def owned_edges() -> dict:
    """{table name: [(column, parent table name, parent column)]}: how each exported table is reached
    from the member's user row (directly, or along FOLLOW edges)."""
    taken, frontier = {}, ["user"]
    while frontier:
        parent = frontier.pop(0)
        for child, column, target, target_column in edges():
            if target.name != parent or child.name == parent:
                continue
            if parent == "user" or (child.name, column) in FOLLOW:
                if child.name not in taken:
                    frontier.append(child.name)
                taken.setdefault(child.name, []).append((column, parent, target_column))
    return taken


def _condition(name, taken, user_id, path=()):
    """The WHERE clause selecting the member's rows of table ``name``."""
    if name == "user":
        return _user_table().c.id == user_id
    table, clauses = _tables()[name], []
    for column, parent, parent_column in taken[name]:
        if parent == "user":
            clauses.append(table.c[column] == user_id)
        elif parent not in path:
            parent_table = _tables()[parent]
            parent_rows = select(parent_table.c[parent_column]).where(
                _condition(parent, taken, user_id, path + (name,))
            )
            clauses.append(table.c[column].in_(parent_rows))
    return or_(*clauses)


def _value(value):
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _rows(table, condition):
    exported = [c for c in table.columns if not is_secret_column(c.name) and not isinstance(c.type, LargeBinary)]
    query = select(*exported).where(condition).order_by(*table.primary_key.columns)
    return [{c.name: _value(row[c.name]) for c in exported} for row in db.session.execute(query).mappings()]


def omitted_columns():
    """{table: {column: why}} for the columns left out of every export."""
    omitted = {}
    for table in _tables().values():
        for column in table.columns:
            if is_secret_column(column.name):
                omitted.setdefault(table.name, {})[column.name] = "a credential: never exported"
            elif isinstance(column.type, LargeBinary):
                omitted.setdefault(table.name, {})[column.name] = (
                    "an embedding vector computed from the text exported beside it"
                )
    return omitted


def collect(user) -> dict:
    """All the member's data, as a JSON-ready dict."""
    taken = owned_edges()
    names = ["user", *sorted(taken)]
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "user_id": user.id,
        "privacy_notice_version": current_app.config["PRIVACY_NOTICE_VERSION"],
        "notes": {
            "tables": "Each table lists the rows about you: rows pointing at your account, and rows belonging "
            "to those (your profile's topics, your questions' revisions...). Times are UTC.",
            "omitted_columns": omitted_columns(),
            "not_included": {f"{child}.{column}": why for (child, column), why in sorted(SKIP.items())},
        },
        "tables": {name: _rows(_tables()[name], _condition(name, taken, user.id)) for name in names},
    }


def export_user_data(user) -> bytes:
    """The member's data as a JSON document; the export is audited (committed)."""
    document = json.dumps(collect(user), indent=2, ensure_ascii=False, sort_keys=False).encode()
    audit.record(user, "privacy.export", user)
    db.session.commit()
    return document
