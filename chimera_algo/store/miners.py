"""Miners, their connections, and the ``miner_status:{id}`` cache hash."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Engine, select

from chimera_algo.store import cache as keys
from chimera_algo.store.cache import Cache, Scalar
from chimera_algo.store.errors import ConstraintInfo, DuplicateError, NotFoundError
from chimera_algo.store.records import Miner, MinerConnection
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import miner_connections, miners, utcnow


class MinerRepository(Repository):
    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo], cache: Cache) -> None:
        super().__init__(engine, constraints)
        self.cache = cache

    def create(self, user_id: UUID | str, pool_id: UUID | str, worker_name: str, **fields: Any) -> Miner:
        check_columns(miners, fields)
        return self._insert(Miner, dict(user_id=as_uuid(user_id, "user_id"), pool_id=as_uuid(pool_id, "pool_id"),
                                        worker_name=worker_name, **fields))

    def get_or_create(self, user_id: UUID | str, pool_id: UUID | str, worker_name: str, **fields: Any) -> Miner:
        """The miner ``(user, pool, worker)``, created on first sight (authorize time)."""
        c = miners.c
        where = (c.user_id == as_uuid(user_id, "user_id"), c.pool_id == as_uuid(pool_id, "pool_id"),
                 c.worker_name == worker_name)
        found = self._first(Miner, *where)
        if found is not None:
            return found
        try:
            return self.create(user_id, pool_id, worker_name, **fields)
        except DuplicateError:  # another process created it concurrently
            return self._one(Miner, *where)

    def get(self, miner_id: UUID | str) -> Miner:
        mid = as_uuid(miner_id, "miner id")
        return self._one(Miner, miners.c.id == mid, what=f"with id {mid}")

    def list(self, pool_id: UUID | str | None = None, user_id: UUID | str | None = None) -> list[Miner]:
        where = []
        if pool_id is not None:
            where.append(miners.c.pool_id == as_uuid(pool_id, "pool_id"))
        if user_id is not None:
            where.append(miners.c.user_id == as_uuid(user_id, "user_id"))
        return self._all(Miner, *where, order_by=[miners.c.worker_name])

    def update(self, miner_id: UUID | str, **fields: Any) -> Miner:
        check_columns(miners, fields)
        return self._update(Miner, as_uuid(miner_id, "miner id"), fields)

    def put_status(self, miner_id: UUID | str, **status: Scalar) -> None:
        """``miner_status:{id}``: current_hashrate, last_share_time, connection_status,
        difficulty, shares_accepted_1h (TTL 3600 s)."""
        keys.check_fields("miner_status", status, keys.MINER_STATUS_FIELDS)
        self.cache.put_hash(keys.miner_status_key(as_uuid(miner_id)), status, ttl=keys.MINER_STATUS_TTL)

    def status(self, miner_id: UUID | str) -> dict[str, str] | None:
        return self.cache.get_hash(keys.miner_status_key(as_uuid(miner_id)))

    # -- connections ----------------------------------------------------------
    def open_connection(self, miner_id: UUID | str, session_id: str, ip_address: str, port: int,
                        **fields: Any) -> MinerConnection:
        """Record a Stratum connection and count it on the miner."""
        check_columns(miner_connections, fields)
        mid = as_uuid(miner_id, "miner_id")
        with self.engine.begin() as conn:
            connection = self._insert(MinerConnection, dict(
                miner_id=mid, session_id=session_id, ip_address=ip_address, port=port, **fields), conn=conn)
            conn.execute(miners.update().where(miners.c.id == mid).values(
                connection_count=miners.c.connection_count + 1, last_seen=utcnow(), ip_address=ip_address,
                status="active"))
        self.put_status(mid, connection_status="connected")
        return connection

    def close_connection(self, session_id: str, reason: str | None = None, status: str = "disconnected",
                         **counters: Any) -> MinerConnection:
        """Mark the connection closed, adding its lifetime to the miner's uptime."""
        check_columns(miner_connections, counters)
        c = miner_connections.c
        now = utcnow()
        with self.engine.begin() as conn:
            found = self._first(MinerConnection, c.session_id == session_id, conn=conn)
            if found is None:
                raise NotFoundError(f"no miner connection with session id {session_id!r}")
            row = conn.execute(miner_connections.update().where(c.id == found.id).values(
                disconnected_at=now, disconnect_reason=reason, status=status, **counters).returning(*miner_connections.c)).one()
            uptime = int((now - found.connected_at).total_seconds()) if found.connected_at else 0
            conn.execute(miners.update().where(miners.c.id == found.miner_id).values(
                total_uptime_seconds=miners.c.total_uptime_seconds + max(uptime, 0), last_seen=now))
        self.put_status(found.miner_id, connection_status="disconnected")
        return MinerConnection.from_row(row)

    def connections(self, miner_id: UUID | str, active_only: bool = False) -> list[MinerConnection]:
        c = miner_connections.c
        where = [c.miner_id == as_uuid(miner_id, "miner id")]
        if active_only:
            where.append(c.status == "active")
        return self._all(MinerConnection, *where, order_by=[c.connected_at])

    def by_session(self, session_id: str) -> MinerConnection:
        return self._one(MinerConnection, miner_connections.c.session_id == session_id,
                         what=f"with session id {session_id!r}")
