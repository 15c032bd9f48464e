"""Shares: the input record, batch insertion with miner counters, and queries.

``write_batch`` is the one place shares enter the database. It writes a batch
and the matching miner counter increments in ONE transaction, so a batch is
either fully stored and counted or not at all. With ``dedupe=True`` (used when
a previous attempt's outcome is unknown, e.g. the connection died during
COMMIT, and when replaying the journal) rows whose id is already stored are
skipped, so a retried batch never duplicates rows or counts.

PostgreSQL uses COPY; SQLite uses executemany of pre-converted tuples in one
transaction (SQLAlchemy's per-row type processing is too slow at pool rates).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence
from uuid import UUID

from sqlalchemy import Connection, Engine, bindparam, func, select

from chimera_algo.store import partitions
from chimera_algo.store.errors import ConstraintInfo
from chimera_algo.store.records import Share
from chimera_algo.store.repository import Repository, as_uuid
from chimera_algo.store.schema import miners, shares


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(slots=True)
class NewShare:
    """A share as the pool submits it. ``id`` and ``submitted_at`` are fixed at
    creation so the writer can recognise the share if it must retry."""

    miner_id: UUID
    pool_id: UUID
    job_id: str
    nonce: str
    block_height: int
    share_difficulty: int
    network_difficulty: int
    target: str
    is_valid: bool
    extranonce1: str | None = None
    extranonce2: str | None = None
    block_hash: str | None = None
    previous_block_hash: str | None = None
    is_block: bool = False
    is_stale: bool = False
    is_duplicate: bool = False
    validation_time_ms: int | None = None
    error_code: int | None = None
    error_message: str | None = None
    algorithm_id: UUID | None = None
    submitted_at: datetime = field(default_factory=_utcnow)
    validated_at: datetime | None = None
    id: UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        if not isinstance(self.miner_id, UUID):
            self.miner_id = as_uuid(self.miner_id, "miner_id")
        if not isinstance(self.pool_id, UUID):
            self.pool_id = as_uuid(self.pool_id, "pool_id")
        if self.algorithm_id is not None and not isinstance(self.algorithm_id, UUID):
            self.algorithm_id = as_uuid(self.algorithm_id, "algorithm_id")
        if not isinstance(self.submitted_at, datetime):
            raise TypeError("submitted_at must be a datetime")
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be timezone-aware (UTC)")
        if self.validated_at is None:
            self.validated_at = self.submitted_at


COLUMNS = (
    "id", "miner_id", "pool_id", "job_id", "extranonce1", "extranonce2", "nonce", "block_height", "block_hash",
    "previous_block_hash", "share_difficulty", "network_difficulty", "target", "is_valid", "is_block", "is_stale",
    "is_duplicate", "validation_time_ms", "error_code", "error_message", "submitted_at", "validated_at",
    "algorithm_id",
)


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not timezone.utc:  # skip the conversion in the common case
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None)


def _sqlite_time(moment: datetime) -> str:
    # The exact text SQLAlchemy's SQLite DateTime writes, so both paths compare equal.
    return _naive_utc(moment).isoformat(sep=" ", timespec="microseconds")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """A text-format COPY field: \\N for NULL, backslash escapes for the rest."""
    if value is None:
        return "\\N"
    return value.translate(_COPY_ESCAPES)


def _copy_int(value: int | None) -> str:
    return "\\N" if value is None else str(int(value))


def _copy_line(s: NewShare, uuid_text: dict[UUID, str]) -> str:
    """One COPY line; formatting here is ~3x faster than psycopg's per-value adaptation."""
    miner = uuid_text.get(s.miner_id) or uuid_text.setdefault(s.miner_id, str(s.miner_id))
    pool = uuid_text.get(s.pool_id) or uuid_text.setdefault(s.pool_id, str(s.pool_id))
    algo = "\\N" if s.algorithm_id is None else (
        uuid_text.get(s.algorithm_id) or uuid_text.setdefault(s.algorithm_id, str(s.algorithm_id)))
    submitted = _naive_utc(s.submitted_at).isoformat(sep=" ")
    validated = submitted if s.validated_at is s.submitted_at else _naive_utc(s.validated_at).isoformat(sep=" ")  # type: ignore[arg-type]
    return (
        f"{s.id}\t{miner}\t{pool}\t{_copy_text(s.job_id)}\t{_copy_text(s.extranonce1)}\t"
        f"{_copy_text(s.extranonce2)}\t{_copy_text(s.nonce)}\t{int(s.block_height)}\t{_copy_text(s.block_hash)}\t"
        f"{_copy_text(s.previous_block_hash)}\t{int(s.share_difficulty)}\t{int(s.network_difficulty)}\t"
        f"{_copy_text(s.target)}\t{'t' if s.is_valid else 'f'}\t{'t' if s.is_block else 'f'}\t"
        f"{'t' if s.is_stale else 'f'}\t{'t' if s.is_duplicate else 'f'}\t{_copy_int(s.validation_time_ms)}\t"
        f"{_copy_int(s.error_code)}\t{_copy_text(s.error_message)}\t{submitted}\t{validated}\t{algo}\n"
    )


def _sqlite_row(s: NewShare) -> tuple[Any, ...]:
    submitted = _sqlite_time(s.submitted_at)
    validated = submitted if s.validated_at is s.submitted_at else _sqlite_time(s.validated_at)  # type: ignore[arg-type]
    return (s.id.hex, s.miner_id.hex, s.pool_id.hex, s.job_id, s.extranonce1, s.extranonce2, s.nonce,
            int(s.block_height), s.block_hash, s.previous_block_hash, int(s.share_difficulty),
            int(s.network_difficulty), s.target, int(s.is_valid), int(s.is_block), int(s.is_stale),
            int(s.is_duplicate), s.validation_time_ms, s.error_code, s.error_message, submitted, validated,
            s.algorithm_id.hex if s.algorithm_id else None)


_SQLITE_INSERT = f"INSERT INTO shares ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_PG_COPY = f"COPY shares ({', '.join(COLUMNS)}) FROM STDIN"


def tally(batch: Iterable[NewShare]) -> dict[UUID, tuple[int, int, int, int, datetime]]:
    """Per miner: (accepted, rejected, stale, duplicate, latest submitted_at)."""
    counts: dict[UUID, list[Any]] = defaultdict(lambda: [0, 0, 0, 0, None])
    for s in batch:
        c = counts[s.miner_id]
        if s.is_valid:
            c[0] += 1
        else:
            c[1] += 1
        if s.is_stale:
            c[2] += 1
        if s.is_duplicate:
            c[3] += 1
        if c[4] is None or s.submitted_at > c[4]:
            c[4] = s.submitted_at
    return {k: tuple(v) for k, v in counts.items()}  # type: ignore[misc]


class ShareRepository(Repository):
    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo]) -> None:
        super().__init__(engine, constraints)
        self._months_ready: set[tuple[int, int]] = set()
        m = miners.c
        latest = func.greatest if engine.dialect.name == "postgresql" else func.max
        self._count_update = (
            miners.update()
            .where(m.id == bindparam("mid"))
            .values(
                shares_accepted=m.shares_accepted + bindparam("a"),
                shares_rejected=m.shares_rejected + bindparam("r"),
                shares_stale=m.shares_stale + bindparam("s"),
                shares_duplicate=m.shares_duplicate + bindparam("d"),
                last_seen=latest(m.last_seen, bindparam("ls", type_=m.last_seen.type)),
            )
        )

    # -- writing --------------------------------------------------------------
    def ensure_partitions_for(self, batch: Sequence[NewShare]) -> None:
        """PostgreSQL: make sure every month in ``batch`` has a partition (never fail at a boundary)."""
        if self.engine.dialect.name != "postgresql":
            return
        # Every month from the earliest to the latest share (cheaper than a set over all rows).
        first = partitions.month_start(_naive_utc(min(s.submitted_at for s in batch)))
        last = partitions.month_start(_naive_utc(max(s.submitted_at for s in batch)))
        # ... and the month after, so a long-running writer has the next
        # partition long before the boundary (DDL locks the parent briefly).
        last = partitions.add_months(last, 1)
        months = []
        month = first
        while month <= last:
            months.append((month.year, month.month))
            month = partitions.add_months(month, 1)
        missing = set(months) - self._months_ready
        if not missing:
            return
        with self.engine.begin() as conn:
            for year, number in sorted(missing):
                partitions.create_partition(conn, partitions.date(year, number, 1))
        self._months_ready |= missing

    def write_batch(self, batch: Sequence[NewShare], dedupe: bool = False) -> int:
        """Store ``batch`` and bump miner counters atomically; returns rows newly stored."""
        if not batch:
            return 0
        self.ensure_partitions_for(batch)
        with self.engine.begin() as conn:
            if dedupe:
                batch = self._not_yet_stored(conn, batch)
                if not batch:
                    return 0
            if conn.dialect.name == "postgresql":
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                uuid_text: dict[UUID, str] = {}
                with cursor.copy(_PG_COPY) as copy:
                    for start in range(0, len(batch), 2000):
                        copy.write("".join(_copy_line(s, uuid_text) for s in batch[start:start + 2000]))
            else:
                conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
                    _SQLITE_INSERT, [_sqlite_row(s) for s in batch])
            counts = tally(batch)
            conn.execute(self._count_update, [
                {"mid": mid, "a": a, "r": r, "s": st, "d": d, "ls": ls}
                for mid, (a, r, st, d, ls) in sorted(counts.items())  # fixed order: no deadlocks between writers
            ])
        return len(batch)

    def _not_yet_stored(self, conn: Connection, batch: Sequence[NewShare]) -> list[NewShare]:
        stored: set[UUID] = set()
        ids = [s.id for s in batch]
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            stored.update(conn.execute(select(shares.c.id).where(shares.c.id.in_(chunk))).scalars())
        return [s for s in batch if s.id not in stored]

    def insert(self, share: NewShare) -> Share:
        """Store one share synchronously (tests, tools); the pool uses the batched writer."""
        self.write_batch([share])
        return self.get(share.id)

    # -- reading --------------------------------------------------------------
    def get(self, share_id: UUID | str) -> Share:
        sid = as_uuid(share_id, "share id")
        return self._one(Share, shares.c.id == sid, what=f"with id {sid}")

    def count(self, pool_id: UUID | str | None = None, miner_id: UUID | str | None = None,
              since: datetime | None = None, until: datetime | None = None) -> int:
        query = select(func.count()).select_from(shares).where(*self._filters(pool_id, miner_id, since, until))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def list(self, pool_id: UUID | str | None = None, miner_id: UUID | str | None = None,
             since: datetime | None = None, until: datetime | None = None, limit: int = 1000) -> list[Share]:
        return self._all(Share, *self._filters(pool_id, miner_id, since, until),
                         order_by=[shares.c.submitted_at], limit=limit)

    def difficulty_by_miner(self, pool_id: UUID | str, since: datetime, until: datetime) -> dict[UUID, int]:
        """Sum of share_difficulty of valid shares per miner in [since, until) (PROP/PPLNS input)."""
        c = shares.c
        query = (select(c.miner_id, func.sum(c.share_difficulty))
                 .where(*self._filters(pool_id, None, since, until), c.is_valid.is_(True))
                 .group_by(c.miner_id))
        with self.engine.connect() as conn:
            return {mid: int(total) for mid, total in conn.execute(query)}

    def last_valid(self, pool_id: UUID | str, n: int, before: datetime | None = None) -> list[tuple[UUID, int]]:
        """The last ``n`` valid shares (miner_id, share_difficulty), newest first (PPLNS window)."""
        c = shares.c
        query = (select(c.miner_id, c.share_difficulty)
                 .where(*self._filters(pool_id, None, None, before), c.is_valid.is_(True))
                 .order_by(c.submitted_at.desc()).limit(n))
        with self.engine.connect() as conn:
            return [(mid, int(d)) for mid, d in conn.execute(query)]

    @staticmethod
    def _filters(pool_id: Any, miner_id: Any, since: datetime | None, until: datetime | None) -> list[Any]:
        c = shares.c
        where = []
        if pool_id is not None:
            where.append(c.pool_id == as_uuid(pool_id, "pool_id"))
        if miner_id is not None:
            where.append(c.miner_id == as_uuid(miner_id, "miner_id"))
        if since is not None:
            where.append(c.submitted_at >= since)
        if until is not None:
            where.append(c.submitted_at < until)
        return where
