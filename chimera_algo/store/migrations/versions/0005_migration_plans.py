"""Migration controller addition: algorithm_migration_plans.

Revision ID: 0005
Revises: 0004

Owned by the migration controller (chimera_algo/migration/plan_schema.py,
docs/migration.md).
"""

from alembic import op

from chimera_algo.migration.plan_schema import migration_plans
from chimera_algo.store.schema import metadata

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[migration_plans])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[migration_plans])
