"""Invitation links name a random secret of their request beside its id (ids can be reused)

Revision ID: c9a1f5e3d7b2
Revises: b7f3e1d2c4a5
Create Date: 2026-12-02 03:10:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "c9a1f5e3d7b2"
down_revision = "b7f3e1d2c4a5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_request") as batch:
        batch.add_column(sa.Column("link_secret", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    for (request_id,) in connection.execute(sa.text("SELECT id FROM match_request")).all():
        connection.execute(
            sa.text("UPDATE match_request SET link_secret = :secret WHERE id = :id"),
            {"secret": secrets.token_hex(16), "id": request_id},
        )
    with op.batch_alter_table("match_request") as batch:
        batch.alter_column("link_secret", existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table("match_request") as batch:
        batch.drop_column("link_secret")
