"""A confidential question carries a summary its asker wrote for the invited experts

Revision ID: d4b8e2f6a9c1
Revises: c9a1f5e3d7b2
Create Date: 2026-12-02 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d4b8e2f6a9c1"
down_revision = "c9a1f5e3d7b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("invitee_summary", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("question") as batch:
        batch.drop_column("invitee_summary")
