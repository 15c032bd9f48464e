"""Additions beyond the data model: audit_log, time-series rollups, one active pool config.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from chimera_algo.store.schema import ADDITION_TABLES, metadata, pool_configurations_one_active

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=list(ADDITION_TABLES))
    # "Exactly one active version per pool": at most one is enforced here, at
    # least one by the repository (activation swaps in one transaction).
    # (0001 already made it on databases created after it joined schema.py.)
    pool_configurations_one_active.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    pool_configurations_one_active.drop(op.get_bind(), checkfirst=True)
    metadata.drop_all(op.get_bind(), tables=list(ADDITION_TABLES))
