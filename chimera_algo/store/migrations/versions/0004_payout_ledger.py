"""Payout engine additions: ledger, send batches, per-pool payout state.

Revision ID: 0004
Revises: 0003

Owned by the payout engine (chimera_algo/payouts/ledger_schema.py, docs/payouts.md).
"""

from alembic import op

from chimera_algo.payouts.ledger_schema import LEDGER_TABLES
from chimera_algo.store.schema import metadata

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=list(LEDGER_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(LEDGER_TABLES))
