"""A question's ranking is stored once it has run (match_result)

Revision ID: b5e8a1d4f7c2
Revises: a2d5f8b1c4e7
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b5e8a1d4f7c2"
down_revision = "a2d5f8b1c4e7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_result",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("spaces", sa.JSON(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
        sa.Column("index_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id"),
    )


def downgrade():
    op.drop_table("match_result")
