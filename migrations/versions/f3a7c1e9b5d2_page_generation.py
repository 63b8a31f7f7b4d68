"""The page generation, one number that every committed write moves on

Read pages kept by each web process are served only while it has not moved (core/pagecache.py).

Revision ID: f3a7c1e9b5d2
Revises: e6c2a8d4f1b3
Create Date: 2026-12-02 13:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f3a7c1e9b5d2"
down_revision = "e6c2a8d4f1b3"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "page_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("page_generation")
