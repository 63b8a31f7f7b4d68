"""Notifications name their question, so that read access is checked again when they are sent

Revision ID: b7f3e1d2c4a5
Revises: 8e2d4c6a1b90
Create Date: 2026-12-02 03:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7f3e1d2c4a5"
down_revision = "8e2d4c6a1b90"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch.create_index("ix_notification_question_id", ["question_id"])
        batch.create_foreign_key(
            "fk_notification_question_id_question", "question", ["question_id"], ["id"], ondelete="CASCADE"
        )


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint("fk_notification_question_id_question", type_="foreignkey")
        batch.drop_index("ix_notification_question_id")
        batch.drop_column("question_id")
