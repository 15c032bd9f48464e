"""Hypothesis over the database ledger: for any history of shares, found
blocks and orphanings, the money adds up exactly and reversals net to zero."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chimera_algo.payouts.amounts import to_units
from chimera_algo.payouts.ledger import Ledger
from chimera_algo.payouts.ledger_schema import payout_ledger
from payouts_world import make_world

_worlds = itertools.count()

events = st.lists(
    st.one_of(
        st.tuples(st.just("share"), st.integers(0, 2), st.integers(1, 500)),
        st.tuples(st.just("block"), st.integers(0, 2), st.integers(1, 10**10)),  # reward in units
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=events, method=st.sampled_from(["PPLNS", "PROP"]), fee=st.sampled_from(["0", "1", "2.5", "9.9999"]),
       orphan_mask=st.lists(st.booleans(), min_size=25, max_size=25), network=st.integers(1, 2000))
def test_ledger_conserves_money(sqlite_store, history, method, fee, orphan_mask, network):
    n = next(_worlds)
    names = tuple(f"u{n}x{i}" for i in range(3))
    world = make_world(sqlite_store, names=names, method=method, fee=fee)
    ledger = Ledger(sqlite_store)
    found = []
    for kind, who, value in history:
        if kind == "share":
            world.share(names[who], value, network_difficulty=network)
        else:
            found.append(world.block(names[who], str(Decimal(value) / 10**8), network_difficulty=network,
                                     difficulty=value % 300 + 1))
    for block in found:
        split = ledger.credit_block(block.id)
        assert split is not None and all(units >= 0 for units in split.credits.values())
        assert sum(split.credits.values()) + split.fee + split.remainder == to_units(block.total_reward)
    orphaned = [b for b, dead in zip(found, orphan_mask) if dead]
    for block in orphaned:
        sqlite_store.blocks.orphan(block.id)
        ledger.reverse_block(block.id)
    live = [sqlite_store.blocks.get(b.id) for b in found if b not in orphaned]
    balances = ledger.balances(world.pool.id)
    assert sum(b.mature_units + b.immature_units for b in balances) == sum(to_units(b.miner_reward) for b in live)
    assert all(b.mature_units >= 0 and b.immature_units >= 0 for b in balances)
    with sqlite_store.engine.connect() as conn:
        for block in orphaned:
            assert conn.execute(select(func.coalesce(func.sum(payout_ledger.c.amount_units), 0)).where(
                payout_ledger.c.block_id == block.id)).scalar() == 0
