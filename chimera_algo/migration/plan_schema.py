"""``algorithm_migration_plans``: what a migration needs beyond the data
model's ``algorithm_migrations`` columns (see docs/migration.md)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from chimera_algo.store.schema import algorithm_migrations, metadata
from chimera_algo.store.types import UUID

migration_plans = Table(
    "algorithm_migration_plans",
    metadata,
    Column("migration_id", UUID, ForeignKey(algorithm_migrations.c.id, ondelete="CASCADE"), primary_key=True),
    Column("pool", String(100), nullable=False),
    # Equal to ``pool`` while the migration is unfinished, NULL afterwards: the
    # UNIQUE constraint makes "one unfinished migration per pool" atomic.
    Column("active_pool", String(100), unique=True),
    Column("sequence", Integer, nullable=False),  # order of migrations within a pool
    Column("revision", Integer, nullable=False),
    Column("plan", Text, nullable=False),  # JSON, Migration.plan()
    Index("idx_algorithm_migration_plans_pool", "pool"),
)
