"""``chimera payouts`` end to end on a real regtest node: blocks tracked against
the chain (one real, one orphaned), credits reversed, payout sent, status,
list, halt and resume."""

from __future__ import annotations

import json
from decimal import Decimal

from chimera_algo.cli import main
from chimera_algo.payouts.amounts import to_units
from chimera_algo.payouts.ledger import Ledger
from payouts_world import make_world


def test_run_status_list_halt_resume(sqlite_store, node, capsys):
    store = sqlite_store
    world = make_world(store, names=("alice", "bob"), fee="2")
    address = node.receiver.call("getnewaddress")
    world.wallet("alice", address)
    world.wallet("bob", node.receiver.call("getnewaddress"))
    tip = node.root.call("getblockcount")
    real = world.block("alice", "0.5", height=tip - 10, block_hash=node.root.call("getblockhash", tip - 10),
                       network_difficulty=100, difficulty=200)
    orphan = world.block("bob", "0.5", height=tip - 5, block_hash="00" * 32, network_difficulty=100, difficulty=200)
    ledger = Ledger(store)
    ledger.credit_block(real.id)
    ledger.credit_block(orphan.id)  # credited while pending, as the previous run would have
    assert {b.immature_units for b in ledger.balances(world.pool.id)} == {49_000_000}
    node.mine(1)  # the sender's change from earlier tests must be confirmed
    rpc = ["--rpc-url", node.settings.url, "--rpc-user", node.settings.user,
           "--rpc-password", node.settings.password, "--wallet", node.sender.wallet]
    base = ["payouts", "--url", store.url, "--pool", world.pool.name]

    assert main(base + ["run", *rpc, "--force", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["blocks_confirmed"], report["blocks_orphaned"], report["blocks_reversed"]) == (1, 1, 1)
    assert [p["amount"] for p in report["payouts_created"]] == ["0.49000000"]  # 0.5 - 2% fee
    assert len(report["sent"]) == 1 and report["transaction"]
    assert to_units(node.receiver.call("getreceivedbyaddress", address, 0)) == 49_000_000
    balances = {b.user_id: b for b in ledger.balances(world.pool.id)}
    assert balances[world.users["alice"].id].mature_units == 0
    assert balances[world.users["bob"].id].mature_units == balances[world.users["bob"].id].immature_units == 0

    assert main(base + ["status", "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)
    assert status["sent"] == 1 and status["halted"] is False and Decimal(status["mature"]) == 0

    assert main(base + ["list"]) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "0.49000000" in out and report["transaction"] in out

    assert main(base + ["halt", "--reason", "checking the wallet"]) == 0
    capsys.readouterr()
    assert main(base + ["run", *rpc]) == 2
    assert "halted: checking the wallet" in capsys.readouterr().err
    assert main(base + ["resume"]) == 0
    capsys.readouterr()
    assert main(base + ["run", *rpc, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] == []


def test_cli_errors_are_one_line(sqlite_store, capsys):
    base = ["payouts", "--url", sqlite_store.url]
    assert main(base + ["status"]) == 0  # no pools: an empty table
    assert main(base + ["--pool", "nope", "halt", "--reason", "x"]) == 2
    assert "no pool named" in capsys.readouterr().err
    assert main(base + ["run"]) == 2
    assert "pass --rpc-url" in capsys.readouterr().err
