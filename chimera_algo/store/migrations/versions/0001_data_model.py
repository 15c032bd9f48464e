"""The data model's fourteen tables, with PostgreSQL's first share partitions.

Revision ID: 0001
Revises:
"""

from alembic import op

from chimera_algo.store import partitions
from chimera_algo.store.schema import DATA_MODEL_TABLES, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, tables=list(DATA_MODEL_TABLES))
    if bind.dialect.name == "postgresql":
        partitions.ensure_partitions(bind)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(DATA_MODEL_TABLES))
