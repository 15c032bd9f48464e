"""Where the pool writes what happens: the seam to ``chimera_algo.store``.

The server only talks to :class:`PoolSink`. :class:`MemorySink` keeps
everything in process memory (tests, benchmark, a pool run without a
database); the store-backed sink adapts the store's batched share writer
and repositories.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(slots=True)
class ShareRecord:
    """One judged share; fields named as the ``shares`` table columns."""

    pool_id: str
    miner_id: str
    job_id: str
    extranonce1: str
    extranonce2: str
    nonce: str
    block_height: int
    previous_block_hash: str
    share_difficulty: float
    network_difficulty: float
    target: str
    is_valid: bool
    submitted_at: datetime
    block_hash: str | None = None
    is_block: bool = False
    is_stale: bool = False
    is_duplicate: bool = False
    validation_time_ms: float | None = None
    error_code: int | None = None
    error_message: str | None = None
    algorithm: str = ""
    id: uuid.UUID | None = None  # set for block shares (the block row refers to it); else the sink assigns


@dataclass
class BlockRecord:
    """A block candidate we submitted; fields named as the ``blocks`` columns."""

    pool_id: str
    miner_id: str
    block_hash: str
    block_height: int
    previous_block_hash: str
    difficulty: float
    network_difficulty: float
    block_reward: int  # smallest coin unit (satoshi, litoshi)
    share_id: uuid.UUID | None = None
    status: str = "pending"  # pending | confirmed | orphaned | rejected
    confirmations: int = 0
    required_confirmations: int = 6
    found_at: datetime = field(default_factory=datetime.utcnow)
    confirmed_at: datetime | None = None


class PoolSink(Protocol):
    def register_pool(self, name: str, configuration: dict) -> str:
        """The pool's id (created or updated), with its configuration mirrored."""
        ...

    def miner_id(
        self, pool_id: str, username: str, worker: str, ip: str, user_agent: str, create: bool
    ) -> str | None:
        """The miner's id; a new user is created when ``create``, else None."""
        ...

    def connection_opened(self, miner_id: str, session_id: str, ip: str, port: int, user_agent: str) -> None: ...

    def connection_closed(self, session_id: str, reason: str, accepted: int, rejected: int) -> None: ...

    def enqueue_share(self, record: ShareRecord) -> None:
        """Hand a share to the batched writer; must not block."""
        ...

    def record_block(self, record: BlockRecord) -> None: ...

    def update_block(self, block_hash: str, status: str, confirmations: int) -> None: ...

    def put_pool_stats(self, pool_id: str, live: dict, point: dict, tags: dict) -> None:
        """``live``: the ``pool_stats:{id}`` cache hash; ``point``/``tags``: a
        ``pool_stats`` time-series point (fields and tags as in the data model)."""
        ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class MemorySink:
    """Keeps everything in lists and dicts; ``users`` are the known usernames."""

    def __init__(self, users: set[str] | None = None, keep_shares: bool = True):
        self.users = set(users or ())
        self.keep_shares = keep_shares
        self.pools: dict[str, dict] = {}
        self.miners: dict[tuple[str, str, str], str] = {}
        self.connections: dict[str, dict] = {}
        self.shares: list[ShareRecord] = []
        self.share_count = 0
        self.blocks: dict[str, BlockRecord] = {}
        self.pool_stats: dict[str, dict] = {}
        self._ids = itertools.count(1)

    def register_pool(self, name: str, configuration: dict) -> str:
        pool_id = f"pool-{name}"
        self.pools[pool_id] = configuration
        return pool_id

    def miner_id(
        self, pool_id: str, username: str, worker: str, ip: str, user_agent: str, create: bool
    ) -> str | None:
        if username not in self.users:
            if not create:
                return None
            self.users.add(username)
        key = (pool_id, username, worker)
        if key not in self.miners:
            self.miners[key] = f"miner-{next(self._ids)}"
        return self.miners[key]

    def connection_opened(self, miner_id: str, session_id: str, ip: str, port: int, user_agent: str) -> None:
        self.connections[session_id] = {"miner_id": miner_id, "ip": ip, "port": port, "status": "active"}

    def connection_closed(self, session_id: str, reason: str, accepted: int, rejected: int) -> None:
        if session_id in self.connections:
            self.connections[session_id].update(
                status="disconnected", disconnect_reason=reason, shares_accepted=accepted, shares_rejected=rejected
            )

    def enqueue_share(self, record: ShareRecord) -> None:
        self.share_count += 1
        if self.keep_shares:
            self.shares.append(record)

    def record_block(self, record: BlockRecord) -> None:
        self.blocks[record.block_hash] = record

    def update_block(self, block_hash: str, status: str, confirmations: int) -> None:
        block = self.blocks[block_hash]
        block.status, block.confirmations = status, confirmations
        if status == "confirmed" and block.confirmed_at is None:
            block.confirmed_at = datetime.utcnow()

    def put_pool_stats(self, pool_id: str, live: dict, point: dict, tags: dict) -> None:
        self.pool_stats[pool_id] = live

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
