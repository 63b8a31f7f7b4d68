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

from ..core import audit
from ..core.time import utcnow
from ..extensions import db

FORMAT = "join4atmp-personal-data/1"

# (child table, foreign-key column) -> exported: the member's own data reached through a parent row.
FOLLOW = {
    ("profile_topic", "profile_id"), ("profile_language", "profile_id"), ("publication", "profile_id"),
    ("declared_interest", "profile_id"), ("evidence_passage", "profile_id"),
    ("match_request", "profile_id"),        # questions offered to the member as an expert
    ("match_request", "question_id"),       # experts proposed for the member's question, as shown to them
    ("webinar_speaker", "profile_id"),      # webinars the member speaks at
    ("question_topic", "question_id"), ("question_revision", "question_id"),
    ("answer_revision", "answer_id"),
    ("webinar_topic", "webinar_id"),
}

# (child table, foreign-key column) -> why it is not followed.
SKIP = {
    ("answer", "question_id"): "other members' answers to your questions are their data; read them on the "
                               "question page (your own answers are exported under 'answer')",
    ("question_watch", "question_id"): "who else follows your questions is other people's data",
    ("flag", "question_id"): "reports by other members about your posts are their data",
    ("flag", "answer_id"): "reports by other members about your posts are their data",
    ("answer_vote", "answer_id"): "who found your answers helpful is other people's data (the count is public)",
    ("webinar", "qa_question_id"): "the webinar is the organiser's; its link to a question is not about you",
    ("registration", "webinar_id"): "registrants of webinars you organise are other people's data",
    ("webinar_question", "webinar_id"): "questions others sent to your webinars are their data",
    ("webinar_speaker", "webinar_id"): "other speakers of your webinars are their data",
    ("webinar_vote", "question_id"): "who voted for your questions ahead is other people's data",
    ("match_request", "replaces_id"): "a link between requests already exported",
    ("stale_evidence", "profile_id"): "a passing note that your evidence awaits re-embedding; it holds no data",
}

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
                _condition(parent, taken, user_id, path + (name,)))
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
                    "an embedding vector computed from the text exported beside it")
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
