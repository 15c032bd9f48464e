"""Seed the four built-in coins and their algorithms (idempotent).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from chimera_algo.store.seeds import seed

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seed(op.get_bind())


def downgrade() -> None:
    pass  # seeded rows may be referenced by pools; leave them
