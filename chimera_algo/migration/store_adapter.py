"""Persistence of migrations through :mod:`chimera_algo.store`.

Each migration is one ``algorithm_migrations`` row (the data model's columns:
status, progress, current_phase, timings, results) plus one row of
``algorithm_migration_plans``, which holds what the data model has no column
for: the pool, the exact ``name@version`` on each side (``algorithms`` has one
row per name), the cohort salt, steps, thresholds, pause state and the
revision used for optimistic locking. Both rows are written in one
transaction, so a crash leaves either the old or the new state, never a mix.
After the commit the ``migration:{id}`` cache hash is refreshed; the
controller then publishes the change on the store's event bus.

``algorithm_migration_plans`` is created on first use (``create_all`` with
checkfirst) until the store's Alembic migrations take it over.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Optional

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text, func, select
from sqlalchemy.exc import IntegrityError

from chimera_algo.migration.errors import (
    AlgorithmNotInstalledError,
    MigrationConflictError,
    MigrationNotFoundError,
    StaleRevisionError,
)
from chimera_algo.migration.model import Migration, Status, Strategy, Thresholds, split_algorithm
from chimera_algo.migration.persistence import Event
from chimera_algo.store import Store
from chimera_algo.store.cache import MIGRATION_TTL, migration_key
from chimera_algo.store.events import MIGRATION_CHANGED
from chimera_algo.store.schema import algorithm_migrations
from chimera_algo.store.types import UUID

plan_metadata = MetaData()

migration_plans = Table(
    "algorithm_migration_plans",
    plan_metadata,
    Column("migration_id", UUID, ForeignKey(algorithm_migrations.c.id, ondelete="CASCADE"), primary_key=True),
    Column("pool", String(100), nullable=False, index=True),
    # Equal to ``pool`` while the migration is unfinished, NULL afterwards: the
    # UNIQUE constraint makes "one unfinished migration per pool" atomic.
    Column("active_pool", String(100), unique=True),
    Column("sequence", Integer, nullable=False),  # order of migrations within a pool
    Column("revision", Integer, nullable=False),
    Column("plan", Text, nullable=False),  # JSON, Migration.plan()
)


def _dt(t: Optional[float]) -> Optional[datetime]:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc)


def _ts(d: Optional[datetime]) -> Optional[float]:
    if d is None:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()


class StoreMigrationRepository:
    """:class:`~chimera_algo.migration.persistence.MigrationRepository` over a Store."""

    def __init__(self, store: Store):
        self.store = store
        plan_metadata.create_all(store.engine, checkfirst=True)

    # -------------------------------------------------------------- writes
    def insert(self, migration: Migration) -> None:
        row = self._row(migration)
        with self.store.engine.begin() as conn:
            sequence = conn.execute(select(func.coalesce(func.max(migration_plans.c.sequence), 0))
                                    .where(migration_plans.c.pool == migration.pool)).scalar_one() + 1
            conn.execute(algorithm_migrations.insert().values(id=uuid.UUID(migration.id), **row))
            try:
                conn.execute(migration_plans.insert().values(
                    migration_id=uuid.UUID(migration.id), pool=migration.pool,
                    active_pool=None if migration.finished else migration.pool,
                    sequence=sequence, revision=migration.revision, plan=json.dumps(migration.plan())))
            except IntegrityError:
                raise MigrationConflictError(
                    f"pool {migration.pool} already has an unfinished migration") from None
        self._mirror(migration)

    def save(self, migration: Migration, expected_revision: int) -> None:
        row = self._row(migration)
        mid = uuid.UUID(migration.id)
        with self.store.engine.begin() as conn:
            updated = conn.execute(
                migration_plans.update()
                .where(migration_plans.c.migration_id == mid, migration_plans.c.revision == expected_revision)
                .values(revision=migration.revision, plan=json.dumps(migration.plan()),
                        active_pool=None if migration.finished else migration.pool)
            ).rowcount
            if updated != 1:
                raise StaleRevisionError(
                    f"migration {migration.id} is no longer at revision {expected_revision}")
            conn.execute(algorithm_migrations.update().where(algorithm_migrations.c.id == mid).values(**row))
        self._mirror(migration)

    # --------------------------------------------------------------- reads
    def get(self, migration_id: str) -> Migration:
        try:
            mid = uuid.UUID(str(migration_id))
        except ValueError:
            raise MigrationNotFoundError(f"{migration_id!r} is not a migration id") from None
        found = self._select(migration_plans.c.migration_id == mid)
        if not found:
            raise MigrationNotFoundError(f"no migration with id {migration_id}")
        return found[0]

    def list(self, pool: Optional[str] = None) -> list[Migration]:
        where = [migration_plans.c.pool == pool] if pool is not None else []
        return self._select(*where)

    def latest_for_pool(self, pool: str) -> Optional[Migration]:
        found = self._select(migration_plans.c.pool == pool, limit=1)
        return found[0] if found else None

    # ------------------------------------------------------------- helpers
    def _algorithm_id(self, spec: str) -> uuid.UUID:
        name, _ = split_algorithm(spec)
        row = self.store.algorithms.find(name)
        if row is None:
            raise AlgorithmNotInstalledError(f"{spec}: the algorithms table has no row named {name!r}")
        return row.id

    def _row(self, m: Migration) -> dict[str, Any]:
        return {
            "from_algorithm_id": self._algorithm_id(m.from_algorithm),
            "to_algorithm_id": self._algorithm_id(m.to_algorithm),
            "strategy": m.strategy.value,
            "shadow_duration": m.shadow_duration,
            "phase_duration": m.phase_duration,
            "rollback_on_error": m.rollback_on_error,
            "status": m.status.value,
            "progress": m.progress,
            "current_phase": m.current_phase,
            "scheduled_at": _dt(m.scheduled_at),
            "started_at": _dt(m.started_at),
            "completed_at": _dt(m.completed_at),
            "error_message": m.error_message,
            "performance_impact": None if m.performance_impact is None else Decimal(f"{m.performance_impact:.2f}"),
            "rollback_reason": m.rollback_reason,
            "created_at": _dt(m.created_at),
            "updated_at": _dt(m.updated_at),
        }

    def _select(self, *where: Any, limit: Optional[int] = None) -> list[Migration]:
        query = (select(algorithm_migrations, migration_plans.c.pool, migration_plans.c.revision,
                        migration_plans.c.plan)
                 .join(migration_plans, migration_plans.c.migration_id == algorithm_migrations.c.id)
                 .where(*where)
                 .order_by(migration_plans.c.sequence.desc(), algorithm_migrations.c.created_at.desc()))
        if limit is not None:
            query = query.limit(limit)
        with self.store.engine.connect() as conn:
            return [self._migration(r._mapping) for r in conn.execute(query)]

    @staticmethod
    def _migration(r: Any) -> Migration:
        plan = json.loads(r["plan"])
        impact = r["performance_impact"]
        return Migration(
            id=str(r["id"]), pool=r["pool"], from_algorithm=plan["from_algorithm"],
            to_algorithm=plan["to_algorithm"], strategy=Strategy(r["strategy"]), salt=plan["salt"],
            shadow_duration=r["shadow_duration"], phase_duration=r["phase_duration"],
            rollback_on_error=bool(r["rollback_on_error"]), steps=tuple(plan["steps"]),
            sample_rate=plan["sample_rate"], grace_seconds=plan["grace_seconds"],
            candidate_timeout=plan["candidate_timeout"], thresholds=Thresholds(**plan["thresholds"]),
            scheduled_at=_ts(r["scheduled_at"]), scheduled_height=plan["scheduled_height"],
            status=Status(r["status"]), progress=r["progress"], current_phase=r["current_phase"],
            paused=plan["paused"], paused_at=plan["paused_at"], phase_started_at=plan["phase_started_at"],
            switched_at=plan["switched_at"], started_at=_ts(r["started_at"]),
            completed_at=_ts(r["completed_at"]), error_message=r["error_message"],
            performance_impact=None if impact is None else float(impact),
            rollback_reason=r["rollback_reason"], revision=r["revision"],
            created_at=_ts(r["created_at"]), updated_at=_ts(r["updated_at"]),
        )

    def _mirror(self, m: Migration) -> None:
        """The data model's ``migration:{id}`` hash (Redis, or in-process)."""
        self.store.cache.put_hash(migration_key(m.id), {
            "status": m.status.value, "progress": m.progress, "current_phase": m.current_phase,
            "started_at": _dt(m.started_at), "error_message": m.error_message,
        }, ttl=MIGRATION_TTL)


class StoreMigrationEvents:
    """:class:`~chimera_algo.migration.persistence.MigrationEvents` over the
    store's bus (Redis pub/sub when configured, in-process otherwise)."""

    def __init__(self, store: Store):
        self.bus = store.events

    def publish(self, event: Event) -> None:
        self.bus.publish(MIGRATION_CHANGED, event)

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        subscription = self.bus.subscribe(MIGRATION_CHANGED, lambda _channel, payload: callback(payload))
        return subscription.close
