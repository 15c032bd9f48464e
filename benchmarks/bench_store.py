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


def ingest_extra(writer, batch) -> None:
    writer.submit_many(batch)
    writer.flush(timeout=120)


def _server_cpu_seconds(store) -> float:
    """CPU time of this database's PostgreSQL backends (local server: /proc)."""
    if store.backend != "postgresql":
        return 0.0
    with store.engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        total = 0.0
        for pid in pids:
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _cpu_per_share(store, run) -> tuple[float, float]:
    """(client, server) CPU microseconds per share for one more round; independent of machine load."""
    server0, client0 = _server_cpu_seconds(store), time.process_time()
    run()
    client = time.process_time() - client0
    server = _server_cpu_seconds(store) - server0
    return client / SHARES * 1e6, server / SHARES * 1e6


def test_share_writer_throughput(benchmark, bench_store, tmp_path):
    store, pool_id, miners = bench_store
    baseline = _baseline_rate(store, pool_id, miners)
    workers = 2 if store.backend == "postgresql" else 1
    writer = store.share_writer(journal_path=tmp_path / "bench.jsonl", batch_size=10_000, max_queue=200_000,
                                workers=workers)
    batches = iter([_shares(SHARES, pool_id, miners) for _ in range(ROUNDS + 1)])

    def ingest():
        writer.submit_many(next(batches))
        writer.flush(timeout=120)

    benchmark.pedantic(ingest, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    extra = _shares(SHARES, pool_id, miners)  # built outside the measurement, as for the rounds
    cpu = _cpu_per_share(store, lambda: ingest_extra(writer, extra))
    writer.close()
    assert writer.stats().stored == SHARES * (ROUNDS + 2)
    rate = SHARES / benchmark.stats.stats.min
    client_us, server_us = cpu
    # What 2 idle cores could sustain: the client is one GIL-bound core, the
    # server's work spreads over the rest.
    idle_estimate = min(1e6 / client_us, 2e6 / (client_us + server_us)) if client_us else 0.0
    benchmark.extra_info.update({"client_cpu_us_per_share": client_us, "server_cpu_us_per_share": server_us,
                                 "idle_2core_estimate_sps": idle_estimate})
    print(f"\n{store.backend}: CPU per share: client {client_us:.1f} us, database server {server_us:.1f} us "
          f"-> about {idle_estimate:,.0f} shares/s on 2 idle cores")
    benchmark.extra_info.update({"backend": store.backend, "workers": workers, "rate_sps": rate, "baseline_rate_sps": baseline,
                                 "ratio": rate / baseline, "load_avg_1m": os.getloadavg()[0]})
    print(f"\n{store.backend}: ShareWriter ({workers} worker(s)) {rate:,.0f} shares/s; SQLAlchemy insert() baseline "
          f"{baseline:,.0f} shares/s; ratio {rate / baseline:.1f}x (load average {os.getloadavg()[0]:.1f})")
