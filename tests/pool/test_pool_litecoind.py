"""End to end against real litecoind regtest nodes (.ci/services.d/50-litecoind.sh):
the pool takes templates over JSON-RPC, the bundled miner mines scrypt
through it, and litecoind accepts every block candidate."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from chimera_algo.pool.app import build_server
from chimera_algo.pool.config import PoolConfig, validate
from chimera_algo.pool.demo import measure_hashrate
from chimera_algo.pool.miner import StratumMiner
from chimera_algo.pool.persistence import MemorySink
from chimera_algo.pool.rpc import NodeError, RpcClient, RpcSettings
from chimera_algo.targets import diff1_target
from service_guard import require_service

POOL_TAG = "/chimera-e2e/"


def node(url_var: str = "CHIMERA_LITECOIND_RPC_URL", wallet: bool = False) -> RpcClient:
    url = os.environ.get(url_var)
    if not url:
        require_service("litecoind", f"{url_var} is not set (.ci/services.d/50-litecoind.sh starts regtest nodes)")
    if wallet:
        url += "/wallet/" + os.environ.get("CHIMERA_LITECOIND_WALLET", "pool")
    client = RpcClient(RpcSettings(url, os.environ["CHIMERA_LITECOIND_RPC_USER"], os.environ["CHIMERA_LITECOIND_RPC_PASSWORD"], timeout=60))
    try:
        client.call("getblockcount")
    except NodeError as exc:
        require_service("litecoind", str(exc))
    return client


@pytest.fixture(scope="module")
def nodes():
    return node(), node(wallet=True), node("CHIMERA_LITECOIND_RPC_URL2")


def pool_config(address: str, shares_per_second: float = 4.0) -> PoolConfig:
    cfg = PoolConfig()
    cfg.pool.name = "ltc-e2e"
    cfg.pool.coin, cfg.pool.network, cfg.pool.algorithm = "litecoin", "regtest", "scrypt"
    cfg.pool.payout_address = address
    cfg.pool.pool_tag = POOL_TAG
    cfg.stratum.port = 0
    cfg.stratum.job_refresh = 5.0
    # Shares (each also a regtest block: bits 207fffff) a few per second.
    rate = measure_hashrate("scrypt")
    cfg.difficulty.initial = rate / shares_per_second / ((1 << 256) / diff1_target("scrypt"))
    cfg.difficulty.min = cfg.difficulty.initial / 100
    cfg.difficulty.vardiff = False
    cfg.node.kind = "rpc"
    cfg.node.url = os.environ["CHIMERA_LITECOIND_RPC_URL"]
    cfg.node.user = os.environ["CHIMERA_LITECOIND_RPC_USER"]
    cfg.node.password = os.environ["CHIMERA_LITECOIND_RPC_PASSWORD"]
    cfg.node.poll_interval = 0.2
    cfg.node.confirmations = 2
    return validate(cfg)


async def mine_blocks(cfg: PoolConfig, sink: MemorySink, blocks: int, timeout: float = 120.0):
    server = build_server(cfg, sink)
    await server.start()
    miner = StratumMiner(f"stratum+tcp://127.0.0.1:{server.port}", "e2e.rig1", algorithm="scrypt")
    task = asyncio.create_task(miner.run())
    try:
        deadline = time.monotonic() + timeout
        while server.stats.blocks_accepted + server.stats.blocks_rejected < blocks:
            assert time.monotonic() < deadline, f"only {server.stats} after {timeout}s"
            if task.done():
                task.result()
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # block tracking: confirmations arrive as later blocks land
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    return server, miner


def check_block(rpc: RpcClient, block_hash: str, script_hex: str) -> dict:
    block = rpc.call("getblock", block_hash, 2)
    coinbase = block["tx"][0]
    assert POOL_TAG.encode().hex() in coinbase["vin"][0]["coinbase"]
    assert coinbase["vout"][0]["scriptPubKey"]["hex"] == script_hex
    return block


def test_pool_mines_litecoin_regtest_blocks_with_mempool_transactions(nodes):
    rpc, wallet, peer = nodes
    address = wallet.call("getnewaddress", "", "bech32")
    script_hex = wallet.call("getaddressinfo", address)["scriptPubKey"]
    # A segwit spend waiting in the mempool, so the template has a transaction.
    txid = wallet.call("sendtoaddress", wallet.call("getnewaddress", "", "bech32"), 1.0)
    start_height = rpc.call("getblockcount")
    sink = MemorySink()
    server, miner = asyncio.run(mine_blocks(pool_config(address), sink, blocks=4))

    assert server.stats.blocks_rejected == 0, [b for b in sink.blocks.values() if b.status == "rejected"]
    assert rpc.call("getblockcount") >= start_height + 4
    for block_hash, record in sink.blocks.items():
        block = check_block(rpc, block_hash, script_hex)
        assert block["height"] == record.block_height
    first = min(sink.blocks.values(), key=lambda b: b.block_height)
    assert txid in [tx["txid"] for tx in rpc.call("getblock", first.block_hash, 2)["tx"]]
    assert wallet.call("gettransaction", txid)["confirmations"] >= 1
    statuses = {b.status for b in sink.blocks.values()}
    assert "confirmed" in statuses and "rejected" not in statuses
    # The second node follows: our blocks propagated.
    for _ in range(40):
        if peer.call("getbestblockhash") == rpc.call("getbestblockhash"):
            break
        time.sleep(0.25)
    assert peer.call("getbestblockhash") == rpc.call("getbestblockhash")
    assert miner.stats.accepted > 0


def test_pool_mines_past_mweb_activation(nodes):
    rpc, wallet, _ = nodes
    address = wallet.call("getnewaddress", "", "bech32")
    script_hex = wallet.call("getaddressinfo", address)["scriptPubKey"]
    height = rpc.call("getblockcount")
    if height < 431:
        rpc.call("generatetoaddress", 431 - height, address)
    # MWEB needs a peg-in before the first extension block.
    mweb_address = wallet.call("getnewaddress", "", "mweb")
    wallet.call("sendtoaddress", mweb_address, 1.0)
    start_height = rpc.call("getblockcount")
    sink = MemorySink()
    server, _ = asyncio.run(mine_blocks(pool_config(address), sink, blocks=3))
    assert server.stats.blocks_rejected == 0, [b for b in sink.blocks.values() if b.status == "rejected"]
    assert rpc.call("getblockcount") >= start_height + 3
    ours = [check_block(rpc, block_hash, script_hex) for block_hash in sink.blocks]
    # Past activation our blocks carry the MWEB extension block (and HogEx).
    assert any(block["height"] >= 432 and "mweb" in block for block in ours)
