"""Word search: several words in any order, accents and case folded, each word a prefix.

A searchable model keeps ``search_text``, its words folded in Python (so both databases see the same
text), written before every insert and update. The embedded default indexes it with SQLite FTS5 (a
virtual table ``<table>_fts`` kept in step by triggers); PostgreSQL with its own full-text search (a GIN
index on ``to_tsvector('simple', search_text)``). ``matches(model, words)`` is the condition for either.

A query word is a prefix (``lenti`` finds "lentiviral"); a word with inner punctuation is a phrase of its
parts (``CAR-T`` finds "CAR-T" and "CAR T", not every word that starts with "t"). Every word must occur.
"""

import re
import unicodedata

from sqlalchemy import DDL, event, false, func, literal_column, select, text

from ..extensions import db

MAX_WORDS = 8
_TOKEN = re.compile(r"[^\W_]+")


def fold(value: str) -> str:
    """Lower case, accents off ("Évaluation" -> "evaluation"), one space between tokens."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_TOKEN.findall(plain))


def query_words(query: str) -> list[list[str]]:
    """The query's words, each as its folded tokens (several for "CAR-T"); at most MAX_WORDS."""
    words = [fold(word).split() for word in (query or "").split()]
    return [tokens for tokens in words if tokens][:MAX_WORDS]


def searchable(model, *columns):
    """Make ``model`` searchable over ``columns`` (its ``search_text`` column must exist): keep the folded
    text up to date, and create the index with the table (``create_all``; migrations create it too)."""

    def refresh(_mapper, _connection, target):
        target.search_text = fold(" ".join(str(getattr(target, name) or "") for name in columns))

    event.listen(model, "before_insert", refresh)
    event.listen(model, "before_update", refresh)
    for statement in sqlite_ddl(model.__tablename__):
        event.listen(model.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in postgresql_ddl(model.__tablename__):
        event.listen(model.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))


def sqlite_ddl(table: str) -> list[str]:
    """An external-content FTS5 table over ``table.search_text``, and the triggers that keep it in step."""
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
    ]


def postgresql_ddl(table: str) -> list[str]:
    return [f"CREATE INDEX ix_{table}_fts ON {table} USING gin (to_tsvector('simple', search_text))"]


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's comparisons: the word-search tables and indexes are not in the models, so skip them."""
    return "_fts" not in (name or "")


def matches(model, query: str):
    """The condition "every word of ``query`` is in the row's text"; None for a blank query (no condition).
    A query of punctuation only ("%") has no word and finds nothing: nothing in it is a wildcard."""
    if not (query or "").strip():
        return None
    words = query_words(query)
    if not words:
        return false()
    if db.engine.dialect.name == "postgresql":
        terms = [f"{tokens[0]}:*" if len(tokens) == 1 else "(" + " <-> ".join(tokens) + ")" for tokens in words]
        tsquery = func.to_tsquery("simple", " & ".join(terms))
        return func.to_tsvector("simple", model.search_text).op("@@")(tsquery)
    terms = [f'"{tokens[0]}"*' if len(tokens) == 1 else '"' + " ".join(tokens) + '"' for tokens in words]
    fts = f"{model.__tablename__}_fts"
    condition = text(f"{fts} MATCH :fts_query").bindparams(fts_query=" ".join(terms))
    return model.id.in_(select(literal_column("rowid")).select_from(text(fts)).where(condition))
