"""Share ingestion throughput into SQLite and PostgreSQL.

Ours: ``ShareWriter`` end to end (submit_many, then flush: rows stored and
miner counters updated; COPY on PostgreSQL, pre-converted executemany on
SQLite). Baseline, measured in the same run on the same database: the
straightforward SQLAlchemy Core ``conn.execute(shares.insert(), rows)`` in one
transaction, without counter updates. Goals (issue 3): >= 50,000 shares/s into
PostgreSQL, >= 20,000/s into SQLite.

Run: ``.venv/bin/python -m pytest benchmarks/bench_store.py --benchmark-columns=min,mean,rounds -s``
PostgreSQL comes from CHIMERA_TEST_POSTGRES_URL (skipped without it); each
case records ``rate_sps`` (fastest round), ``baseline_rate_sps`` and
``ratio`` in ``extra_info`` and prints them. Timings are wall clock: the work
is split between this process and the database server.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from chimera_algo.store import NewShare, open_store
from chimera_algo.store.config import normalize_database_url
from chimera_algo.store.schema import shares as shares_table

SHARES = 50_000
BASELINE_SHARES = 10_000
ROUNDS = 3
MINERS = 200


def _database(backend: str, tmp_path_factory):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}", None
    server = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("CHIMERA_TEST_POSTGRES_URL not set")
    name = f"chimera_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_database_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return server.rpartition("/")[0] + "/" + name, (admin, name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def bench_store(request, tmp_path_factory):
    url, cleanup = _database(request.param, tmp_path_factory)
    store = open_store(url)
    user = store.users.create("bench", "bench@example.com", "long enough password")
    btc, algo = store.cryptocurrencies.by_symbol("BTC"), store.algorithms.by_name("sha256d")
    pool = store.pools.create("bench", btc.id, algo.id, 3333, "bc1qbench")
    miners = [store.miners.get_or_create(user.id, pool.id, f"w{i}").id for i in range(MINERS)]
    yield store, pool.id, miners
    store.close()
    if cleanup:
        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _shares(n: int, pool_id, miners) -> list[NewShare]:
    return [NewShare(miners[i % len(miners)], pool_id, f"job{i % 16:x}", f"{i:08x}", 850_000, 65_536,
                     95_000_000_000_000, "00000000ffff" + "0" * 52, is_valid=i % 50 != 0, is_stale=i % 97 == 0,
                     extranonce1="f000000a", extranonce2=f"{i:08x}") for i in range(n)]


def _baseline_rate(store, pool_id, miners) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        rows = [{c: getattr(s, c) for c in shares_table.c.keys()} for s in _shares(BASELINE_SHARES, pool_id, miners)]
        t0 = time.perf_counter()
        with store.engine.begin() as conn:
            conn.execute(shares_table.insert(), rows)
        best = min(best, time.perf_counter() - t0)
    return BASELINE_SHARES / best


def test_share_writer_throughput(benchmark, bench_store, tmp_path):
    store, pool_id, miners = bench_store
    baseline = _baseline_rate(store, pool_id, miners)
    writer = store.share_writer(journal_path=tmp_path / "bench.jsonl", batch_size=20_000, max_queue=200_000)
    batches = iter([_shares(SHARES, pool_id, miners) for _ in range(ROUNDS + 1)])

    def ingest():
        writer.submit_many(next(batches))
        writer.flush(timeout=120)

    benchmark.pedantic(ingest, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    writer.close()
    assert writer.stats().stored == SHARES * (ROUNDS + 1)
    rate = SHARES / benchmark.stats.stats.min
    benchmark.extra_info.update({"backend": store.backend, "rate_sps": rate, "baseline_rate_sps": baseline,
                                 "ratio": rate / baseline, "load_avg_1m": os.getloadavg()[0]})
    print(f"\n{store.backend}: ShareWriter {rate:,.0f} shares/s; SQLAlchemy insert() baseline "
          f"{baseline:,.0f} shares/s; ratio {rate / baseline:.1f}x (load average {os.getloadavg()[0]:.1f})")
