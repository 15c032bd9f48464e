"""Crediting a PPLNS block over a large share window, on SQLite.

Ours: ``Ledger.credit_block`` end to end (page the window out of the shares
table joined to miners, exact Fraction weights, split, ledger rows, block
update — one transaction). Baseline, measured in the same run on the same
database: reading the same window's rows (the SELECT alone, no arithmetic, no
writes), the floor any implementation pays. Reported as shares/s and the ratio
ours/baseline (1.0 would mean the arithmetic and writes cost nothing).

Run: ``.venv/bin/python -m pytest benchmarks/bench_payouts.py -s``
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from conftest import best_rate
from chimera_algo.payouts.ledger import Ledger
from chimera_algo.payouts.ledger_schema import payout_ledger
from chimera_algo.store import NewShare, open_store
from chimera_algo.store.schema import blocks, miners, shares

WINDOW = 20_000
USERS = 50


@pytest.fixture(scope="module")
def credited_world(tmp_path_factory):
    from argon2 import PasswordHasher

    from chimera_algo.store import users

    users._PH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('bench') / 'payouts.db'}")
    coin = store.cryptocurrencies.by_symbol("LTC")
    pool = store.pools.create("bench", coin.id, store.algorithms.by_name("scrypt").id, 3999, "rltc1qpool")
    rigs = [store.miners.get_or_create(store.users.create(f"user{i:03}", f"u{i}@example.com", "correct horse").id,
                                       pool.id, "rig").id for i in range(USERS)]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    batch = [NewShare(miner_id=rigs[i % USERS], pool_id=pool.id, job_id="j", nonce="0", block_height=1,
                      share_difficulty=1 + i % 7, network_difficulty=10**9, target="ff" * 32, is_valid=True,
                      submitted_at=start + timedelta(milliseconds=i)) for i in range(WINDOW)]
    store.shares.write_batch(batch)
    block = store.blocks.record(pool.id, rigs[0], batch[-1].id, uuid.uuid4().hex * 2, 1, 7, 10**9, Decimal("12.5"))
    yield store, block
    store.close()


def _uncredit(store, block) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(payout_ledger).where(payout_ledger.c.block_id == block.id))
        conn.execute(blocks.update().where(blocks.c.id == block.id).values(payout_processed=False))


def _read_window(store) -> int:
    query = select(shares.c.id, shares.c.submitted_at, shares.c.share_difficulty, miners.c.user_id).select_from(
        shares.join(miners, miners.c.id == shares.c.miner_id)).order_by(shares.c.submitted_at.desc(), shares.c.id.desc())
    with store.engine.connect() as conn:
        return len(conn.execute(query).all())


def test_baseline_read_window(benchmark, credited_world, rates):
    store, _ = credited_world
    assert benchmark.pedantic(lambda: _read_window(store), rounds=5, iterations=1) == WINDOW
    rates.baseline("pplns-credit", benchmark, WINDOW)


def test_credit_block(benchmark, credited_world, rates):
    store, block = credited_world
    ledger = Ledger(store)
    split = benchmark.pedantic(lambda: ledger.credit_block(block.id, n_factor=1), setup=lambda: _uncredit(store, block),
                               rounds=5, iterations=1)
    assert split is not None and len(split.credits) == USERS
    rates.compare("pplns-credit", benchmark, WINDOW, lambda: best_rate(lambda: _read_window(store), WINDOW))
