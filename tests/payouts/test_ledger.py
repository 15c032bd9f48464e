"""Ledger on a real database (SQLite and PostgreSQL): crediting blocks by scheme,
orphan reversal, PPS credits and liability, payout creation by threshold and
frequency. Numbers are worked out in the comments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chimera_algo.payouts.amounts import to_units
from chimera_algo.payouts.ledger import Ledger, LedgerError
from chimera_algo.payouts.ledger_schema import payout_ledger

from payouts_world import make_world


def balances(ledger, world):
    by_id = {b.user_id: b for b in ledger.balances(world.pool.id)}
    return {name: (by_id[u.id].mature_units, by_id[u.id].immature_units) if u.id in by_id else (0, 0)
            for name, u in world.users.items()}


def test_pplns_block_credit_is_windowed_prorated_and_matures_on_confirmation(world):
    ledger = Ledger(world.store)
    for _ in range(3):
        world.share("alice", 50)
    block = world.block("bob", "10", difficulty=100, network_difficulty=100)
    # Newest first, weight = share diff / network diff, window N = 2:
    #   bob's block share 100/100 = 1   (1 of 2 used)
    #   alice 50/100 = 0.5              (1.5)
    #   alice 0.5 fills the window      (2.0) — the oldest alice share is outside.
    # alice 1, bob 1; fee 1% of 10 LTC = 0.1; each gets 4.95 LTC.
    split = ledger.credit_block(block.id)
    assert split.fee == 10_000_000 and split.remainder == 0
    assert balances(ledger, world) == {"alice": (0, 495_000_000), "bob": (0, 495_000_000), "carol": (0, 0)}
    with world.store.engine.connect() as conn:
        shares = dict(conn.execute(select(payout_ledger.c.user_id, payout_ledger.c.shares)).all())
    assert shares == {world.users["alice"].id: 2, world.users["bob"].id: 1}
    stored = world.store.blocks.get(block.id)
    assert stored.payout_processed and stored.pool_fee == Decimal("0.1") and stored.miner_reward == Decimal("9.9")
    assert ledger.credit_block(block.id) is None  # exactly once
    world.store.blocks.set_confirmations(block.id, 6)
    assert balances(ledger, world)["alice"] == (495_000_000, 0)


def test_remainder_stays_with_the_pool_and_everything_adds_up(world):
    ledger = Ledger(world.store)
    world.share("alice", 1)
    world.share("carol", 1)
    # 3 equal weights (alice, carol, bob's block share diff 1) over 1 LTC minus 1% fee:
    # 99_000_000 / 3 = 33_000_000 each, remainder 0; make it uneven with 100 units more.
    block = world.block("bob", "1.00000100", difficulty=1, network_difficulty=1000)
    split = ledger.credit_block(block.id)
    assert split.fee == 1_000_001  # floor(100_000_100 * 1 / 100)
    assert split.credits == {world.users[n].id: 33_000_033 for n in ("alice", "bob", "carol")}
    assert split.remainder == 100_000_100 - 1_000_001 - 3 * 33_000_033 == 0
    block2 = world.block("alice", "1.00000001", difficulty=1, network_difficulty=1000)
    split2 = ledger.credit_block(block2.id)
    assert sum(split2.credits.values()) + split2.fee + split2.remainder == 100_000_001
    assert split2.remainder > 0
    with world.store.engine.connect() as conn:
        credited = conn.execute(select(func.sum(payout_ledger.c.amount_units)).where(
            payout_ledger.c.block_id == block2.id)).scalar()
    assert credited == sum(split2.credits.values())


def test_orphaned_block_after_crediting_is_reversed_and_balances_stay_consistent(world):
    ledger = Ledger(world.store)
    world.share("alice", 100)
    good = world.block("bob", "10", network_difficulty=100)
    orphan = world.block("alice", "10", network_difficulty=100)
    ledger.credit_block(good.id)
    ledger.credit_block(orphan.id)
    before = balances(ledger, world)
    assert before["alice"][1] > 0
    world.store.blocks.orphan(orphan.id)
    assert ledger.blocks_to_reverse(world.pool.id) == [orphan.id]
    assert ledger.reverse_block(orphan.id) == 2
    assert ledger.reverse_block(orphan.id) == 0  # idempotent
    assert ledger.blocks_to_reverse(world.pool.id) == []
    with world.store.engine.connect() as conn:
        net = conn.execute(select(func.sum(payout_ledger.c.amount_units)).where(
            payout_ledger.c.block_id == orphan.id)).scalar()
    assert net == 0
    # Only the good block's credits remain: alice 100+100 of its window... recompute from its split.
    good_only = {n: v for n, v in balances(ledger, world).items()}
    world.store.blocks.set_confirmations(good.id, 6)
    after = balances(ledger, world)
    assert after["alice"][1] == 0 and after["bob"][1] == 0
    assert sum(m for m, _ in after.values()) == to_units(Decimal("9.9"))
    assert good_only["alice"][0] == 0  # nothing mature before confirmation
    assert ledger.credit_block(orphan.id) is None  # an orphan never credits again
    with pytest.raises(LedgerError, match="not orphaned"):
        ledger.reverse_block(good.id)


def test_orphan_after_payout_leaves_a_debt_not_a_gift(world):
    ledger = Ledger(world.store)
    world.wallet("bob", "rltc1qbob")
    block = world.block("bob", "1", network_difficulty=100)
    ledger.credit_block(block.id)
    world.store.blocks.set_confirmations(block.id, 6)
    [payout] = ledger.create_payouts(world.pool.id)
    assert payout.amount_units == 99_000_000
    world.store.blocks.orphan(block.id)  # a deep reorg after the payout
    ledger.reverse_block(block.id)
    assert balances(ledger, world)["bob"] == (-99_000_000, 0)
    world.store.blocks.set_confirmations(world.block("bob", "1", network_difficulty=100).id, 0)
    assert ledger.create_payouts(world.pool.id, force=True) == []  # still in debt: nothing to pay


def test_prop_counts_only_the_round_since_the_previous_block(store):
    world = make_world(store, method="PROP", fee="0")
    ledger = Ledger(store)
    world.share("alice", 30)
    first = world.block("bob", "1", difficulty=10)  # round 1: alice 30, bob 10 → 75% / 25%
    world.share("carol", 20)
    second = world.block("carol", "1", difficulty=20)  # round 2: carol 20 + 20 → 100%
    s1 = ledger.credit_block(first.id)
    s2 = ledger.credit_block(second.id)
    users = world.users
    assert s1.credits == {users["alice"].id: 75_000_000, users["bob"].id: 25_000_000}
    assert s2.credits == {users["carol"].id: 100_000_000}


def test_pps_credits_each_share_once_and_tracks_the_pool_liability(store):
    world = make_world(store, method="PPS", fee="2")
    ledger = Ledger(store)
    reward = to_units(world.coin.block_reward)
    world.share("alice", 10, network_difficulty=1000)
    world.share("bob", 30, network_difficulty=1000)
    assert ledger.credit_pps_shares(world.pool.id) == 2
    assert ledger.credit_pps_shares(world.pool.id) == 0
    # share credit = reward * diff / netdiff * 0.98, floored
    alice = reward * 10 * 98 // (1000 * 100)
    bob = reward * 30 * 98 // (1000 * 100)
    assert balances(ledger, world)["alice"] == (alice, 0) and balances(ledger, world)["bob"] == (bob, 0)
    state = ledger.state(world.pool.id)
    assert state.pps_credited_units == alice + bob and state.pps_liability_units == alice + bob
    block = world.block("carol", "12.5", network_difficulty=1000, difficulty=1)
    ledger.credit_pps_shares(world.pool.id)  # the block's own share is a share too
    split = ledger.credit_block(block.id)
    assert split.credits == {} and split.fee == 1_250_000_000  # the whole block is the pool's
    store.blocks.set_confirmations(block.id, 6)
    state = ledger.state(world.pool.id)
    assert state.pps_earned_units == 1_250_000_000
    assert state.pps_liability_units == state.pps_credited_units - 1_250_000_000 < 0


def test_payouts_follow_threshold_and_frequency(world):
    ledger = Ledger(world.store)
    world.wallet("alice", "rltc1qalice", minimum_payout=Decimal("5"))  # above her 4.95
    world.wallet("bob", "rltc1qbob", payout_frequency="daily")
    world.wallet("carol", "rltc1qcarol", payout_frequency="manual")
    world.share("alice", 100)
    world.share("carol", 100)
    block = world.block("bob", "15", network_difficulty=150)  # each 1/3 of 14.85 = 4.95
    ledger.credit_block(block.id)
    assert ledger.create_payouts(world.pool.id) == []  # immature
    world.store.blocks.set_confirmations(block.id, 6)
    now = world.clock + timedelta(hours=1)
    created = ledger.create_payouts(world.pool.id, now=now)
    assert [(p.user_id, p.amount_units) for p in created] == [(world.users["bob"].id, 495_000_000)]
    payout = world.store.payouts.get(created[0].payout_id)
    assert payout.status == "pending" and payout.amount == Decimal("4.95") and payout.shares_included == 1
    assert payout.calculation_method == "PPLNS"
    assert balances(ledger, world)["bob"] == (0, 0)
    # More credit for bob: not due again within the day.
    b2 = world.block("bob", "1", network_difficulty=100)
    ledger.credit_block(b2.id)
    world.store.blocks.set_confirmations(b2.id, 6)
    assert ledger.create_payouts(world.pool.id, now=now + timedelta(hours=2)) == []
    assert [p.user_id for p in ledger.create_payouts(world.pool.id, now=now + timedelta(days=1))] == [
        world.users["bob"].id]
    # carol is manual: only a forced run pays her; alice stays under her minimum.
    forced = ledger.create_payouts(world.pool.id, now=now, force=True)
    assert [p.user_id for p in forced] == [world.users["carol"].id]
    with world.store.engine.connect() as conn:
        assert conn.execute(select(func.sum(payout_ledger.c.amount_units))).scalar() == 495_000_000  # alice's


def test_pool_frequency_applies_too(world):
    ledger = Ledger(world.store)
    world.wallet("bob", "rltc1qbob", payout_frequency="hourly")
    block = world.block("bob", "1", network_difficulty=100, difficulty=200)
    ledger.credit_block(block.id)
    world.store.blocks.set_confirmations(block.id, 6)
    world.store.pools.update(world.pool.id, payout_frequency="manual")
    assert ledger.create_payouts(world.pool.id) == []
    world.store.pools.update(world.pool.id, payout_frequency="weekly")
    [first] = ledger.create_payouts(world.pool.id, now=world.clock)
    b2 = world.block("bob", "1", network_difficulty=100, difficulty=200)
    ledger.credit_block(b2.id)
    world.store.blocks.set_confirmations(b2.id, 6)
    # bob asks hourly, the pool pays weekly: the longer period wins.
    assert ledger.create_payouts(world.pool.id, now=world.clock + timedelta(days=6)) == []
    assert len(ledger.create_payouts(world.pool.id, now=world.clock + timedelta(days=7))) == 1


def test_bad_input_is_refused_in_words(world):
    ledger = Ledger(world.store)
    with pytest.raises(LedgerError, match="no block"):
        ledger.credit_block("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError, match="must be a UUID"):
        ledger.balances("not-a-uuid")
    with pytest.raises(LedgerError, match="no pool"):
        ledger.state("00000000-0000-0000-0000-000000000000")


def test_concurrent_payout_creation_debits_each_balance_once(world):
    import threading

    from chimera_algo.store import open_store

    world.wallet("bob", "rltc1qbob")
    ledger = Ledger(world.store)
    for _ in range(4):
        block = world.block("bob", "1", network_difficulty=100, difficulty=200)
        ledger.credit_block(block.id)
        world.store.blocks.set_confirmations(block.id, 6)
        stores = [open_store(world.store.url) for _ in range(3)]  # as separate processes would
        barrier = threading.Barrier(len(stores))
        errors: list[BaseException] = []

        def create(store):
            try:
                barrier.wait()
                Ledger(store).create_payouts(world.pool.id, force=True)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=create, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in stores:
            s.close()
        assert not errors
        assert balances(ledger, world)["bob"] == (0, 0)
    paid = [p.amount for p in world.store.payouts.list(pool_id=world.pool.id)]
    assert sum(paid) == Decimal("3.96") and len(paid) == 4  # 4 blocks x 0.99, one payout each
