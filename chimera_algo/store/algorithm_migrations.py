"""Algorithm migrations: rows, the ``migration:{id}`` cache hash, and change events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from chimera_algo.store import cache as keys
from chimera_algo.store.cache import Cache
from chimera_algo.store.errors import ConstraintInfo
from chimera_algo.store.events import MIGRATION_CHANGED, EventBus
from chimera_algo.store.records import AlgorithmMigration
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import algorithm_migrations, utcnow

_TERMINAL = ("completed", "failed", "rolled_back")


class AlgorithmMigrationRepository(Repository):
    """Every write goes through to the cache and publishes MIGRATION_CHANGED."""

    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo], cache: Cache, events: EventBus) -> None:
        super().__init__(engine, constraints)
        self.cache = cache
        self.events = events

    def create(self, to_algorithm_id: UUID | str, strategy: str, from_algorithm_id: UUID | str | None = None,
               **fields: Any) -> AlgorithmMigration:
        check_columns(algorithm_migrations, fields)
        row = self._insert(AlgorithmMigration, dict(
            to_algorithm_id=as_uuid(to_algorithm_id, "to_algorithm_id"), strategy=strategy,
            from_algorithm_id=as_uuid(from_algorithm_id, "from_algorithm_id") if from_algorithm_id else None,
            **fields))
        self._announce(row)
        return row

    def get(self, migration_id: UUID | str) -> AlgorithmMigration:
        mid = as_uuid(migration_id, "migration id")
        return self._one(AlgorithmMigration, algorithm_migrations.c.id == mid, what=f"with id {mid}")

    def list(self, status: str | None = None) -> list[AlgorithmMigration]:
        where = [algorithm_migrations.c.status == status] if status else []
        return self._all(AlgorithmMigration, *where, order_by=[algorithm_migrations.c.created_at])

    def active(self) -> list[AlgorithmMigration]:
        """Migrations not yet finished (pending, staging, in progress)."""
        return [m for m in self.list() if m.status not in _TERMINAL]

    def update(self, migration_id: UUID | str, **fields: Any) -> AlgorithmMigration:
        """Change state; stamps started_at on in_progress and completed_at on a terminal status."""
        check_columns(algorithm_migrations, fields)
        status = fields.get("status")
        if status == "in_progress" and "started_at" not in fields:
            fields["started_at"] = utcnow()
        if status in _TERMINAL and "completed_at" not in fields:
            fields["completed_at"] = utcnow()
        row = self._update(AlgorithmMigration, as_uuid(migration_id, "migration id"), fields)
        self._announce(row)
        return row

    def cached(self, migration_id: UUID | str) -> dict[str, str] | None:
        """The ``migration:{id}`` hash (status, progress, current_phase, started_at, error_message)."""
        return self.cache.get_hash(keys.migration_key(as_uuid(migration_id)))

    def _announce(self, m: AlgorithmMigration) -> None:
        state = {"status": m.status, "progress": m.progress, "current_phase": m.current_phase,
                 "started_at": m.started_at, "error_message": m.error_message}
        self.cache.put_hash(keys.migration_key(m.id), state, ttl=keys.MIGRATION_TTL)
        self.events.publish(MIGRATION_CHANGED, {"id": str(m.id), **state})
