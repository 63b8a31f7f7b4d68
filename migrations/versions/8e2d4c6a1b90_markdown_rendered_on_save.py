"""Markdown rendered on save: an _html column beside each Markdown field, filled for existing rows

Revision ID: 8e2d4c6a1b90
Revises: 3c1f7a9e2b40
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8e2d4c6a1b90"
down_revision = "3c1f7a9e2b40"
branch_labels = None
depends_on = None

FIELDS = [("question", "body"), ("answer", "body"), ("webinar", "abstract"), ("webinar", "materials"),
          ("webinar_question", "answer")]


def upgrade():
    # The HTML is what the release being migrated to renders (its sanitiser, its limits): the same code
    # that renders every later save.
    from join4atmp.core.markdown import render_for_storage

    connection = op.get_bind()
    for table, field in FIELDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{field}_html", sa.Text(), nullable=True))
        rows = connection.execute(sa.text(f"SELECT id, {field} FROM {table}")).all()
        for row_id, text in rows:
            connection.execute(
                sa.text(f"UPDATE {table} SET {field}_html = :html WHERE id = :id"),
                {"html": render_for_storage(text), "id": row_id},
            )


def downgrade():
    for table, field in FIELDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{field}_html")
