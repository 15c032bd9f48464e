"""Monthly share partitions (PostgreSQL) and share retention (both backends)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from chimera_algo.store import NewShare
from chimera_algo.store import partitions


def _share(world, when: datetime) -> NewShare:
    return NewShare(world.miner.id, world.pool.id, "j", "00", 1, 1, 1, "ff", True, submitted_at=when)


def test_month_arithmetic():
    assert partitions.add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert partitions.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert partitions.partition_name(date(2027, 1, 1)) == "shares_y2027m01"
    assert partitions.retention_cutoff(3, datetime(2026, 5, 17, tzinfo=timezone.utc)) == date(2026, 2, 1)
    with pytest.raises(ValueError):
        partitions.retention_cutoff(0)


def test_shares_cross_a_month_boundary(world, store):
    last_instant = datetime(2031, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    first_instant = datetime(2032, 1, 1, tzinfo=timezone.utc)
    # Far in the future: no partition exists yet, the writer must create them, never fail.
    writer = store.share_writer()
    writer.submit_many([_share(world, last_instant), _share(world, first_instant)])
    writer.close()
    assert writer.stats().stored == 2 and writer.stats().dropped == 0
    if store.backend == "postgresql":
        with store.engine.connect() as conn:
            placed = dict(conn.execute(text(
                "SELECT tableoid::regclass::text, count(*) FROM shares "
                "WHERE submitted_at >= '2031-12-01' GROUP BY 1")).all())
            names = partitions.existing_partitions(conn)
        assert placed == {"shares_y2031m12": 1, "shares_y2032m01": 1}
        assert "shares_y2032m02" in names  # the writer also made the next month ahead
    stored = sorted(s.submitted_at for s in store.shares.list(since=last_instant - timedelta(seconds=1)))
    assert stored == [last_instant, first_instant]


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has one unpartitioned shares table
def test_partitions_are_created_ahead(backend, store):
    with store.engine.begin() as conn:
        created = partitions.ensure_partitions(conn, now=datetime(2040, 12, 15, tzinfo=timezone.utc))
        assert created == ["shares_y2040m12", "shares_y2041m01", "shares_y2041m02", "shares_y2041m03"]
        assert partitions.ensure_partitions(conn, now=datetime(2040, 12, 15, tzinfo=timezone.utc)) == []
        names = partitions.existing_partitions(conn)
    now = datetime.now(timezone.utc)
    assert partitions.partition_name(partitions.month_start(now)) in names  # made by open_store


def test_retention_drops_old_months_only(world, store):
    now = datetime.now(timezone.utc)
    this_month = partitions.month_start(now)
    old = [datetime(d.year, d.month, 10, tzinfo=timezone.utc)
           for d in (partitions.add_months(this_month, -k) for k in (5, 4))]
    kept = [datetime(d.year, d.month, 10, tzinfo=timezone.utc)
            for d in (partitions.add_months(this_month, -k) for k in (3, 1, 0))]
    batch = [_share(world, t) for t in old + kept]
    writer = store.share_writer()
    writer.submit_many(batch)
    writer.close()
    assert store.shares.count() == 5
    block = store.blocks.record(world.pool.id, world.miner.id, batch[0].id, "aa" * 32, 1, 1, 1, "3.125")
    result = store.apply_retention(3)
    assert result.cutoff == partitions.add_months(this_month, -3)
    assert store.shares.count() == 3
    assert sorted(s.submitted_at for s in store.shares.list()) == sorted(kept)
    if store.backend == "postgresql":
        assert result.dropped_partitions == [partitions.partition_name(partitions.month_start(t)) for t in old]
        with store.engine.connect() as conn:
            remaining = partitions.existing_partitions(conn)
        assert not set(result.dropped_partitions) & set(remaining)
    else:
        assert result.deleted_rows == 2
    assert store.blocks.get(block.id).share_id == batch[0].id  # blocks outlive their shares
    assert store.apply_retention(3).dropped_partitions == []
