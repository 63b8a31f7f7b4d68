"""Evidence passages keep the person's own sentences and their vectors, computed at index time

Revision ID: a2d5f8b1c4e7
Revises: f3a7c1e9b5d2
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a2d5f8b1c4e7"
down_revision = "f3a7c1e9b5d2"
branch_labels = None
depends_on = None


def upgrade():
    # Passages embedded before this have none: `flask matching reindex --if-needed` and the worker's sweep
    # re-embed them (matching/indexing.profiles_needing_index); until then their evidence is encoded when shown.
    with op.batch_alter_table("evidence_passage") as batch:
        batch.add_column(sa.Column("sentences", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("sentence_vectors", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("multilingual_sentence_vectors", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("evidence_passage") as batch:
        batch.drop_column("multilingual_sentence_vectors")
        batch.drop_column("sentence_vectors")
        batch.drop_column("sentences")
