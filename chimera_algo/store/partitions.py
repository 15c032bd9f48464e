"""Monthly range partitions of ``shares`` on PostgreSQL, and share retention.

Partitions are named ``shares_yYYYYmMM`` and cover [first of month, first of
next month) of ``submitted_at`` (UTC). ``ensure_partitions`` creates the
current month and ``AHEAD_MONTHS`` months ahead; the share writer calls it on
start, hourly, and for any month it meets without a partition, so an insert
never fails at a month boundary. On SQLite (no partitioning) retention deletes
rows instead of dropping partitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Connection, text

AHEAD_MONTHS = 3
_NAME = re.compile(r"^shares_y(\d{4})m(\d{2})$")


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + (first.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(first: date) -> str:
    return f"shares_y{first.year:04d}m{first.month:02d}"


def existing_partitions(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "JOIN pg_namespace n ON n.oid = p.relnamespace "
            "WHERE p.relname = 'shares' AND n.nspname = current_schema() ORDER BY c.relname"
        )
    )
    return [r[0] for r in rows]


def create_partition(conn: Connection, first: date) -> bool:
    """Create the partition for the month starting at ``first``; False if it existed."""
    name = partition_name(first)
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
        return False
    upper = add_months(first, 1)
    conn.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF shares "
            f"FOR VALUES FROM ('{first.isoformat()}') TO ('{upper.isoformat()}')"
        )
    )
    return True


def ensure_partitions(conn: Connection, now: datetime | None = None, ahead: int = AHEAD_MONTHS) -> list[str]:
    """Create missing partitions from this month to ``ahead`` months out; returns those created."""
    first = month_start(now or datetime.now(timezone.utc))
    created = []
    for offset in range(ahead + 1):
        month = add_months(first, offset)
        if create_partition(conn, month):
            created.append(partition_name(month))
    return created


@dataclass(frozen=True)
class RetentionResult:
    cutoff: date
    dropped_partitions: list[str]
    deleted_rows: int


def retention_cutoff(months: int, now: datetime | None = None) -> date:
    """Shares before this date are past retention: whole months only."""
    if months < 1:
        raise ValueError(f"retention must keep at least one month, got {months}")
    return add_months(month_start(now or datetime.now(timezone.utc)), -months)


def apply_retention(conn: Connection, months: int, now: datetime | None = None) -> RetentionResult:
    """Drop (PostgreSQL) or delete (SQLite) shares older than ``months`` whole months."""
    cutoff = retention_cutoff(months, now)
    if conn.dialect.name != "postgresql":
        deleted = conn.execute(
            text("DELETE FROM shares WHERE submitted_at < :cutoff"),
            {"cutoff": datetime(cutoff.year, cutoff.month, 1)},
        ).rowcount
        return RetentionResult(cutoff, [], deleted)
    dropped = []
    for name in existing_partitions(conn):
        match = _NAME.match(name)
        if not match:
            continue
        upper = add_months(date(int(match.group(1)), int(match.group(2)), 1), 1)
        if upper <= cutoff:
            conn.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    return RetentionResult(cutoff, dropped, 0)
