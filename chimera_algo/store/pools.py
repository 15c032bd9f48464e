"""Pools and their versioned configurations (exactly one active version per pool)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Engine, func, select

from chimera_algo.store import cache as keys
from chimera_algo.store.cache import Cache, Scalar
from chimera_algo.store.errors import ConstraintInfo, NotFoundError
from chimera_algo.store.records import Pool, PoolConfiguration
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import pool_configurations, pools


class PoolRepository(Repository):
    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo], cache: Cache) -> None:
        super().__init__(engine, constraints)
        self.cache = cache

    def create(self, name: str, cryptocurrency_id: UUID | str, algorithm_id: UUID | str, stratum_port: int,
               pool_wallet_address: str, **fields: Any) -> Pool:
        check_columns(pools, fields)
        return self._insert(Pool, dict(
            name=name, cryptocurrency_id=as_uuid(cryptocurrency_id, "cryptocurrency_id"),
            algorithm_id=as_uuid(algorithm_id, "algorithm_id"), stratum_port=stratum_port,
            pool_wallet_address=pool_wallet_address, **fields))

    def get(self, pool_id: UUID | str) -> Pool:
        pid = as_uuid(pool_id, "pool id")
        return self._one(Pool, pools.c.id == pid, what=f"with id {pid}")

    def by_port(self, stratum_port: int) -> Pool:
        return self._one(Pool, pools.c.stratum_port == stratum_port, what=f"on stratum port {stratum_port}")

    def list(self, status: str | None = None) -> list[Pool]:
        where = [pools.c.status == status] if status else []
        return self._all(Pool, *where, order_by=[pools.c.stratum_port])

    def update(self, pool_id: UUID | str, **fields: Any) -> Pool:
        check_columns(pools, fields)
        return self._update(Pool, as_uuid(pool_id, "pool id"), fields)

    # -- configurations -------------------------------------------------------
    def add_configuration(self, pool_id: UUID | str, configuration: dict[str, Any], changed_by: UUID | str | None = None,
                          change_reason: str | None = None, activate: bool = True) -> PoolConfiguration:
        """Store the next version; when ``activate``, it becomes the only active one (atomically)."""
        if not isinstance(configuration, dict):
            raise TypeError("pool configuration must be a dict")
        pid = as_uuid(pool_id, "pool id")
        with self.engine.begin() as conn:
            # Lock the pool row so two writers cannot take the same version number.
            locked = conn.execute(select(pools.c.id).where(pools.c.id == pid).with_for_update()).first()
            if locked is None:
                raise NotFoundError(f"no pools row with id {pid}")
            version = conn.execute(
                select(func.coalesce(func.max(pool_configurations.c.version), 0)).where(pool_configurations.c.pool_id == pid)
            ).scalar_one() + 1
            if activate:
                conn.execute(pool_configurations.update().where(pool_configurations.c.pool_id == pid)
                             .values(is_active=False))
            return self._insert(PoolConfiguration, dict(
                pool_id=pid, configuration=configuration, version=version, is_active=activate,
                changed_by=as_uuid(changed_by) if changed_by else None, change_reason=change_reason), conn=conn)

    def activate_configuration(self, pool_id: UUID | str, version: int) -> PoolConfiguration:
        """Make ``version`` the active one (rollback to an older version is the same call)."""
        pid = as_uuid(pool_id, "pool id")
        c = pool_configurations.c
        with self.engine.begin() as conn:
            target = self._first(PoolConfiguration, c.pool_id == pid, c.version == version, conn=conn)
            if target is None:
                raise NotFoundError(f"pool {pid} has no configuration version {version}")
            conn.execute(pool_configurations.update().where(c.pool_id == pid).values(is_active=False))
            conn.execute(pool_configurations.update().where(c.id == target.id).values(is_active=True))
            return self._one(PoolConfiguration, c.id == target.id, conn=conn)

    def active_configuration(self, pool_id: UUID | str) -> PoolConfiguration | None:
        c = pool_configurations.c
        return self._first(PoolConfiguration, c.pool_id == as_uuid(pool_id, "pool id"), c.is_active.is_(True))

    def configurations(self, pool_id: UUID | str) -> list[PoolConfiguration]:
        c = pool_configurations.c
        return self._all(PoolConfiguration, c.pool_id == as_uuid(pool_id, "pool id"), order_by=[c.version])

    # -- real-time stats (cache only) -----------------------------------------
    def put_stats(self, pool_id: UUID | str, **stats: Scalar) -> None:
        """``pool_stats:{pool_id}``: total_hashrate, active_miners, shares_per_minute,
        last_block_time, current_difficulty (TTL 300 s)."""
        keys.check_fields("pool_stats", stats, keys.POOL_STATS_FIELDS)
        self.cache.put_hash(keys.pool_stats_key(as_uuid(pool_id)), stats, ttl=keys.POOL_STATS_TTL)

    def stats(self, pool_id: UUID | str) -> dict[str, str] | None:
        return self.cache.get_hash(keys.pool_stats_key(as_uuid(pool_id)))
