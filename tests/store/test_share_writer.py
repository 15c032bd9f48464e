"""The batched share writer: latency, counters, bad shares, journal, database restarts."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from chimera_algo.store import NewShare, open_store
from chimera_algo.store.schema import shares as shares_table
from chimera_algo.store.share_writer import Journal, ShareWriter
from service_guard import require_service


def make_share(miner, pool, i=0, **kw) -> NewShare:
    return NewShare(miner, pool, f"job{i % 7}", f"{i:08x}", 850_000, 64, 10**12, "0" * 8 + "f" * 56,
                    is_valid=kw.pop("is_valid", True), **kw)


def test_flushes_within_100ms_without_being_asked(world, store, tmp_path):
    writer = store.share_writer(journal_path=tmp_path / "j.jsonl")
    try:
        time.sleep(0.15)  # let the thread settle into its wait
        latencies = []
        for i in range(5):
            share = make_share(world.miner.id, world.pool.id, i)
            start = time.monotonic()
            writer.submit(share)
            while True:
                with store.engine.connect() as conn:
                    if conn.execute(select(shares_table.c.id).where(shares_table.c.id == share.id)).first():
                        break
                if time.monotonic() - start > 2:
                    pytest.fail("share not stored within 2 s")
                time.sleep(0.005)
            latencies.append(time.monotonic() - start)
        # 100 ms flush interval + one small transaction; generous margin for a shared 2-core box.
        assert sorted(latencies)[len(latencies) // 2] < 0.25, latencies
    finally:
        writer.close()


def test_counts_every_outcome_on_the_miner(world, store, tmp_path):
    writer = store.share_writer(journal_path=tmp_path / "j.jsonl")
    batch = []
    for i in range(1000):
        stale, duplicate = i % 10 == 1, i % 25 == 2
        batch.append(make_share(world.miner.id, world.pool.id, i, is_valid=not (stale or duplicate or i % 7 == 3),
                                is_stale=stale, is_duplicate=duplicate))
    writer.submit_many(batch)
    writer.close()
    miner = store.miners.get(world.miner.id)
    assert miner.shares_accepted == sum(s.is_valid for s in batch)
    assert miner.shares_rejected == sum(not s.is_valid for s in batch)
    assert miner.shares_stale == sum(s.is_stale for s in batch)
    assert miner.shares_duplicate == sum(s.is_duplicate for s in batch)
    assert miner.last_seen >= max(s.submitted_at for s in batch)
    assert store.shares.count(miner_id=world.miner.id) == 1000
    assert writer.stats().stored == 1000 and writer.stats().pending == 0


def test_a_bad_share_is_dropped_alone(world, store, tmp_path, caplog):
    writer = store.share_writer(journal_path=tmp_path / "j.jsonl")
    good = [make_share(world.miner.id, world.pool.id, i) for i in range(200)]
    ghost = make_share(uuid.uuid4(), world.pool.id, 999)  # miner that does not exist
    with caplog.at_level(logging.ERROR, logger="chimera.store.share_writer"):
        writer.submit_many(good[:100] + [ghost] + good[100:])
        writer.close()
    assert store.shares.count(pool_id=world.pool.id) == 200
    assert writer.stats().dropped == 1
    assert str(ghost.id) in caplog.text


def test_writing_twice_with_dedupe_stores_once(world, store):
    batch = [make_share(world.miner.id, world.pool.id, i) for i in range(50)]
    assert store.shares.write_batch(batch) == 50
    assert store.shares.write_batch(batch + [make_share(world.miner.id, world.pool.id, 50)], dedupe=True) == 1
    assert store.shares.count() == 51
    assert store.miners.get(world.miner.id).shares_accepted == 51


def test_full_queue_spills_to_journal_and_replays_on_restart(world, store, tmp_path):
    journal = tmp_path / "spill.jsonl"
    batch = [make_share(world.miner.id, world.pool.id, i) for i in range(300)]
    # Simulate a pool that dies while the database is away: shares journaled, never written.
    Journal(journal).append(batch[:120])
    writer = ShareWriter(store.shares, journal_path=journal, batch_size=50, max_queue=100)
    writer.submit_many(batch[120:])  # 180 > max_queue: 80 spill to the journal
    writer.close()
    assert store.shares.count() == 300
    assert not journal.exists() and not Journal(journal).replaying.exists()
    assert store.miners.get(world.miner.id).shares_accepted == 300


def test_journal_survives_a_torn_line(world, store, tmp_path):
    journal = Journal(tmp_path / "torn.jsonl")
    journal.append([make_share(world.miner.id, world.pool.id, i) for i in range(3)])
    with journal.path.open("a") as fh:
        fh.write('{"miner_id": "trunc')  # crash mid-write
    writer = ShareWriter(store.shares, journal_path=journal.path)
    writer.close()
    assert store.shares.count() == 3


def test_rejects_bad_arguments(store, tmp_path):
    with pytest.raises(ValueError, match="flush_interval"):
        ShareWriter(store.shares, flush_interval=0.5, journal_path=tmp_path / "x")
    writer = ShareWriter(store.shares, journal_path=tmp_path / "x")
    with pytest.raises(TypeError, match="NewShare"):
        writer.submit({"nonce": "1"})  # type: ignore[arg-type]
    writer.close()
    with pytest.raises(ValueError, match="timezone-aware"):
        NewShare(uuid.uuid4(), uuid.uuid4(), "j", "n", 1, 1, 1, "t", True, submitted_at=datetime(2026, 1, 1))


def _fault_server():
    url = os.environ.get("CHIMERA_TEST_POSTGRES_FAULT_URL")
    restart = os.environ.get("CHIMERA_TEST_POSTGRES_RESTART")
    if not url or not restart:
        require_service("PostgreSQL (fault-test instance)",
                        "CHIMERA_TEST_POSTGRES_FAULT_URL / CHIMERA_TEST_POSTGRES_RESTART are not set")
    return url, restart


@pytest.mark.parametrize("workers", [1, 2])
def test_survives_postgres_restart_under_load(tmp_path, caplog, workers):
    url, restart = _fault_server()
    from .conftest import PgDatabases

    dbs = PgDatabases(url)
    db_url = dbs.create("fault")
    store = open_store(db_url)
    try:
        user = store.users.create("restart", "restart@example.com", "long enough password")
        btc, algo = store.cryptocurrencies.by_symbol("BTC"), store.algorithms.by_name("sha256d")
        pool = store.pools.create("fault", btc.id, algo.id, 3999, "bc1qfault")
        miners = [store.miners.get_or_create(user.id, pool.id, f"w{i}").id for i in range(20)]
        writer = store.share_writer(journal_path=tmp_path / "fault.jsonl", batch_size=2000, max_queue=20_000,
                                    max_backoff=0.5, workers=workers)
        acknowledged = []
        stop = threading.Event()

        def produce():
            i = 0
            while not stop.is_set():
                chunk = [make_share(miners[(i + k) % 20], pool.id, i + k) for k in range(200)]
                writer.submit_many(chunk)  # returning = acknowledged
                acknowledged.extend(chunk)
                i += 200
                time.sleep(0.01)

        producer = threading.Thread(target=produce)
        with caplog.at_level(logging.WARNING, logger="chimera.store.share_writer"):
            producer.start()
            time.sleep(1.0)
            # Down for 1.5 s: several 100 ms flushes are bound to hit the outage.
            subprocess.run([restart, "1.5"], check=True, timeout=90)
            time.sleep(1.0)
            stop.set()
            producer.join()
            writer.flush(timeout=60)
            writer.close()
        assert "database unavailable" in caplog.text  # it said what happened
        assert writer.stats().outages >= 1
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(shares_table)).scalar_one()
            distinct = conn.execute(select(func.count(func.distinct(shares_table.c.id)))).scalar_one()
            counted = conn.execute(text("SELECT sum(shares_accepted) FROM miners")).scalar_one()
        assert stored == distinct == len(acknowledged) == counted
        ids = {s.id for s in acknowledged}
        assert len(ids) == len(acknowledged)
    finally:
        store.close()
        dbs.drop_all()
