"""Exactly-once sending against a real litecoind regtest wallet.

The crash tests kill a runner process (os._exit) at each step of a send,
restart, and check that every payout was paid exactly once: one wallet
transaction per batch key, each address received exactly its payout, and
the sender wallet's balance moved by exactly the payouts plus the fee.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from chimera_algo.payouts.amounts import to_units
from chimera_algo.payouts.ledger import Ledger
from chimera_algo.payouts.ledger_schema import payout_batches
from chimera_algo.payouts.sender import STEPS, PayoutInconsistency, PayoutSender, PayoutsHalted
from chimera_algo.payouts.wallet import RpcError, dust_limit
from chimera_algo.store import open_store
from payouts_world import make_world

RUNNER = Path(__file__).with_name("payouts_crash_runner.py")


def pending_payouts(store, node, amounts: dict[str, str]):
    """A world whose users each have one pending payout of the given amount to a fresh address."""
    world = make_world(store, names=tuple(amounts), fee="0", threshold="0.00000001")
    ledger = Ledger(store)
    addresses = {}
    for name in amounts:
        addresses[name] = node.receiver.call("getnewaddress")
        world.wallet(name, addresses[name], payout_frequency="hourly")
    for name, amount in amounts.items():
        # One block per user, credited wholly to them: its share alone weighs 200/100 = 2 = N,
        # so the PPLNS window holds nothing else.
        block = world.block(name, amount, network_difficulty=100, difficulty=200)
        ledger.credit_block(block.id)
        store.blocks.set_confirmations(block.id, 6)
    created = ledger.create_payouts(world.pool.id, force=True)
    assert sorted(p.amount_units for p in created) == sorted(to_units(a) for a in amounts.values())
    node.mine(1)  # confirm the sender's change from earlier tests (it spends with minconf=1)
    return world, addresses


def sender_balance(node) -> int:
    return node.sender.balance_units(minconf=0)


def received(node, address: str) -> int:
    return to_units(node.receiver.call("getreceivedbyaddress", address, 0))


def batch_txids(store, node) -> list[str]:
    with store.engine.connect() as conn:
        keys = conn.execute(select(payout_batches.c.idempotency_key)).scalars().all()
    return [txid for key in keys for txid in node.sender.sends_with_comment(key)]


@pytest.mark.parametrize("step", STEPS)
def test_crash_at_every_step_pays_each_payout_exactly_once(sqlite_store, node, step):
    store = sqlite_store
    amounts = {"alice": "0.12345678", "bob": "0.5"}
    world, addresses = pending_payouts(store, node, amounts)
    before = sender_balance(node)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    crashed = subprocess.run([sys.executable, str(RUNNER), store.url, str(world.pool.id), step, node.sender.wallet],
                             env=env, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 3, crashed.stdout + crashed.stderr

    # Restart: a new store (new connections) and a new sender, as after a reboot.
    restarted = open_store(store.url)
    try:
        report = PayoutSender(restarted, node.sender, world.pool.id).send_pending()
        again = PayoutSender(restarted, node.sender, world.pool.id).send_pending()  # and once more: nothing to do
        assert again.sent == [] and again.error is None
        payouts = restarted.payouts.list(pool_id=world.pool.id)
        assert {p.status for p in payouts} == {"sent"}
        assert len({p.transaction_hash for p in payouts}) == 1
        [txid] = batch_txids(restarted, node)  # exactly one wallet send for all batches ever made
        assert payouts[0].transaction_hash == txid
        for name, amount in amounts.items():
            assert received(node, addresses[name]) == to_units(amount)  # paid exactly once, exactly
        fee = node.sender.transaction(txid).fee_units
        assert sum(to_units(p.transaction_fee) for p in payouts) == fee
        assert before - sender_balance(node) == sum(to_units(a) for a in amounts.values()) + fee
        if step in ("before_commit",):
            assert report.sent  # nothing had happened: the restart sent it
        if step == "after_record":
            assert report.sent == []  # already complete before the crash
    finally:
        restarted.close()


def test_confirmations_are_tracked_to_confirmed(sqlite_store, node):
    store = sqlite_store
    world, _ = pending_payouts(store, node, {"alice": "0.01"})
    sender = PayoutSender(store, node.sender, world.pool.id, confirmations=2)
    report = sender.send_pending()
    assert len(report.sent) == 1
    node.mine(1)
    sender.reconcile()
    payout = store.payouts.get(report.sent[0])
    assert payout.status == "sent" and payout.confirmations == 1
    node.mine(1)
    assert sender.reconcile().confirmed == 1
    payout = store.payouts.get(report.sent[0])
    assert payout.status == "confirmed" and payout.confirmations == 2 and payout.confirmed_at is not None


def test_dust_limit_matches_the_node(node):
    address = node.receiver.call("getnewaddress")
    limit = dust_limit(node.sender.validate_address(address))
    assert limit == 2940  # P2WPKH at litecoind's dust relay fee
    with pytest.raises(RpcError, match="amount too small"):
        node.sender.send_many({address: limit - 1}, "chimera-test-dust")
    assert node.sender.send_many({address: limit}, "chimera-test-dust")
    legacy = node.receiver.call("getnewaddress", "", "legacy")
    legacy_limit = dust_limit(node.sender.validate_address(legacy))
    with pytest.raises(RpcError, match="amount too small"):
        node.sender.send_many({legacy: legacy_limit - 1}, "chimera-test-dust")


def test_bad_address_and_dust_stay_pending_with_a_clear_error_others_go(sqlite_store, node):
    store = sqlite_store
    world, addresses = pending_payouts(store, node, {"alice": "0.2", "bob": "0.00002939", "carol": "0.3"})
    store.wallets.update(store.payouts.list(user_id=world.users["alice"].id)[0].wallet_id,
                         wallet_address="ltc1-not-an-address")
    before = sender_balance(node)
    report = PayoutSender(store, node.sender, world.pool.id).send_pending()
    by_user = {p.user_id: p for p in store.payouts.list(pool_id=world.pool.id)}
    alice, bob, carol = (by_user[world.users[n].id] for n in ("alice", "bob", "carol"))
    assert alice.status == "pending" and "not valid on the node's network" in alice.error_message
    assert bob.status == "pending" and "below the node's dust limit 0.00002940" in bob.error_message
    assert alice.retry_count == bob.retry_count == 0 and alice.amount == Decimal("0.2")
    assert report.sent == [carol.id] and carol.status == "sent"
    fee = node.sender.transaction(carol.transaction_hash).fee_units
    assert before - sender_balance(node) == to_units("0.3") + fee
    assert received(node, addresses["carol"]) == to_units("0.3")


def test_wallet_without_funds_leaves_payouts_pending(sqlite_store, node, empty_wallet):
    store = sqlite_store
    world, addresses = pending_payouts(store, node, {"alice": "1"})
    report = PayoutSender(store, empty_wallet, world.pool.id).send_pending()
    assert report.sent == [] and "has 0.00000000 spendable" in report.error
    [payout] = store.payouts.list(pool_id=world.pool.id)
    assert payout.status == "pending" and payout.retry_count == 0 and "stay pending" in payout.error_message
    assert received(node, addresses["alice"]) == 0
    # The node itself refusing (funds cover the amount but not the fee) is also harmless.
    node.sender.call("sendtoaddress", empty_wallet.call("getnewaddress"), "1")
    node.mine(1)
    report = PayoutSender(store, empty_wallet, world.pool.id).send_pending()
    assert "node refused" in report.error and "nsufficient funds" in report.error
    [payout] = store.payouts.list(pool_id=world.pool.id)
    assert payout.status == "pending" and payout.retry_count == 0
    # Paid from the funded wallet, it goes through.
    assert PayoutSender(store, node.sender, world.pool.id).send_pending().sent == [payout.id]


def test_a_batch_found_twice_in_the_wallet_halts_and_alerts(sqlite_store, node):
    store = sqlite_store
    world, addresses = pending_payouts(store, node, {"alice": "0.05"})
    sender = PayoutSender(store, node.sender, world.pool.id,
                          checkpoint=lambda step: (_ for _ in ()).throw(SystemExit) if step == "after_rpc" else None)
    with pytest.raises(SystemExit):
        sender.send_pending()
    # Someone sends the same batch by hand (the NOMP failure): two wallet sends with one key.
    with store.engine.connect() as conn:
        key = conn.execute(select(payout_batches.c.idempotency_key)).scalar_one()
    node.sender.send_many({addresses["alice"]: to_units("0.05")}, key)
    with pytest.raises(PayoutInconsistency, match="2 times"):
        PayoutSender(store, node.sender, world.pool.id).send_pending()
    state = Ledger(store).state(world.pool.id)
    assert state.halted and "2 times" in state.halt_reason
    assert store.audit.list(action="payouts.halt")[0].subject == str(world.pool.id)
    with pytest.raises(PayoutsHalted, match="resume"):
        PayoutSender(store, node.sender, world.pool.id).send_pending()
    [payout] = store.payouts.list(pool_id=world.pool.id)
    assert payout.status == "processing"  # untouched until an operator decides


def test_refused_until_retries_run_out_then_failed_and_refunded(sqlite_store, node):
    store = sqlite_store
    world, addresses = pending_payouts(store, node, {"alice": "0.00000500"})
    [payout] = store.payouts.list(pool_id=world.pool.id)
    store.payouts.update(payout.id, max_retries=2)
    ledger = Ledger(store)
    # With our dust check switched off, the node itself refuses the tiny output.
    sender = PayoutSender(store, node.sender, world.pool.id, dust_relay_fee=0)
    first = sender.send_pending()
    assert "node refused" in first.error and "amount too small" in first.error
    payout = store.payouts.get(payout.id)
    assert (payout.status, payout.retry_count) == ("pending", 1)
    assert ledger.balances(world.pool.id)[0].mature_units == 0  # still held by the payout
    second = sender.send_pending()
    assert second.failed == [payout.id]
    payout = store.payouts.get(payout.id)
    assert (payout.status, payout.retry_count) == ("failed", 2)
    assert ledger.balances(world.pool.id)[0].mature_units == 500  # refunded: nothing lost
    assert received(node, addresses["alice"]) == 0


def test_a_send_without_the_key_but_with_the_batch_outputs_halts_instead_of_resending(sqlite_store, node):
    store = sqlite_store
    world, addresses = pending_payouts(store, node, {"alice": "0.07", "bob": "0.08"})
    sender = PayoutSender(store, node.sender, world.pool.id,
                          checkpoint=lambda step: (_ for _ in ()).throw(SystemExit) if step == "after_commit" else None)
    with pytest.raises(SystemExit):  # prepared, not sent
        sender.send_pending()
    # The same outputs leave the wallet with no key (e.g. a wallet restored from a backup lost comments).
    node.sender.send_many({addresses["alice"]: to_units("0.07"), addresses["bob"]: to_units("0.08")}, "")
    with pytest.raises(PayoutInconsistency, match="pays exactly its outputs"):
        PayoutSender(store, node.sender, world.pool.id).send_pending()
    assert Ledger(store).state(world.pool.id).halted
    assert {p.status for p in store.payouts.list(pool_id=world.pool.id)} == {"processing"}
    assert received(node, addresses["alice"]) == to_units("0.07")  # once, by hand; never by the engine
