"""Word search: search_text on profiles and questions, indexed by FTS5 (SQLite) or GIN (PostgreSQL)

Revision ID: 3c1f7a9e2b40
Revises: 17fe1298a0d6
Create Date: 2026-12-01 23:50:00

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "3c1f7a9e2b40"
down_revision = "17fe1298a0d6"
branch_labels = None
depends_on = None

# The columns each table's words come from, folded as join4atmp.core.fulltext.fold did when this was written.
TABLES = {
    "expert_profile": ("display_name", "organisation", "expertise", "authority", "specialty", "hospital",
                       "disease_areas"),
    "question": ("title", "body"),
}
TOKEN = re.compile(r"[^\W_]+")


def fold(value):
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(TOKEN.findall(plain))


def sqlite_statements(table):
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
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade():
    connection = op.get_bind()
    for table, columns in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
        for row in rows:
            words = fold(" ".join(str(value or "") for value in row[1:]))
            connection.execute(sa.text(f"UPDATE {table} SET search_text = :words WHERE id = :id"),
                               {"words": words, "id": row[0]})
        if connection.dialect.name == "sqlite":
            for statement in sqlite_statements(table):
                op.execute(statement)
        elif connection.dialect.name == "postgresql":
            op.execute(f"CREATE INDEX ix_{table}_fts ON {table} USING gin (to_tsvector('simple', search_text))")


def downgrade():
    connection = op.get_bind()
    for table in TABLES:
        if connection.dialect.name == "sqlite":
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        elif connection.dialect.name == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_fts")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_text")
