"""Evidence passages and questions also keep their detected language and their multilingual vector

Revision ID: e6c2a8d4f1b3
Revises: d4b8e2f6a9c1
Create Date: 2026-12-02 07:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e6c2a8d4f1b3"
down_revision = "d4b8e2f6a9c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("multilingual_vector", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("multilingual_model", sa.String(length=200), nullable=True))
    with op.batch_alter_table("evidence_passage") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("multilingual_model", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("multilingual_vector", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("question") as batch:
        batch.drop_column("multilingual_model")
        batch.drop_column("multilingual_vector")
        batch.drop_column("language")
    with op.batch_alter_table("evidence_passage") as batch:
        batch.drop_column("multilingual_vector")
        batch.drop_column("multilingual_model")
        batch.drop_column("language")
