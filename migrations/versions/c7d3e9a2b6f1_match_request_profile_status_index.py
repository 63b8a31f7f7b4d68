"""An expert's open requests are counted through one index on (profile_id, status)

With the two single-column indexes, SQLite chose the status one for "these candidates' open requests" and
read every open request of the platform on every match.

Revision ID: c7d3e9a2b6f1
Revises: b5e8a1d4f7c2
Create Date: 2026-12-03 17:10:00

"""

from alembic import op

revision = "c7d3e9a2b6f1"
down_revision = "b5e8a1d4f7c2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_request") as batch_op:
        batch_op.create_index("ix_match_request_profile_status", ["profile_id", "status"], unique=False)
        batch_op.drop_index("ix_match_request_profile_id")


def downgrade():
    with op.batch_alter_table("match_request") as batch_op:
        batch_op.create_index("ix_match_request_profile_id", ["profile_id"], unique=False)
        batch_op.drop_index("ix_match_request_profile_status")
