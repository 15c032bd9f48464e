"""An embedded simulated chain: templates without a daemon.

It keeps a chain of block hashes, builds templates with a few synthetic (but
well-formed) transactions, and validates submitted blocks the way a node
would for what the pool controls: previous hash, bits, merkle root, BIP34
height, coinbase value, and proof of work with the same hasher the pool
uses. Difficulty retargets every block toward ``block_time``; optionally
"other miners" find a block when nobody did for ``external_block_interval``.
"""

from __future__ import annotations

import asyncio
import os
import struct
import time
from dataclasses import dataclass

from chimera_algo.hasher import Hasher
from chimera_algo.pool.blocks import parse_block
from chimera_algo.pool.serialize import merkle_root, script_number, sha256d
from chimera_algo.pool.sources import TemplateCallback
from chimera_algo.pool.template import BlockTemplate, TemplateTx
from chimera_algo.targets import MAX_TARGET, bits_to_target, difficulty_to_target, target_to_bits

MAX_RETARGET_STEP = 4.0


@dataclass(frozen=True)
class SimnetSettings:
    block_time: float = 60.0
    difficulty: float = 0.01  # initial network difficulty, in ``family`` units
    family: str = "bitcoin"
    retarget: bool = True
    external_block_interval: float = 0.0  # 0: only our blocks extend the chain
    transactions: int = 3
    block_reward: int = 50 * 100_000_000
    version: int = 0x20000000


def _synthetic_tx(height: int, index: int) -> TemplateTx:
    """A well-formed 1-in/1-out transaction spending nothing real."""
    prev = sha256d(struct.pack("<II", height, index) + os.urandom(8))
    data = (
        struct.pack("<i", 2)
        + b"\x01" + prev + struct.pack("<I", 0) + b"\x00" + b"\xff\xff\xff\xff"
        + b"\x01" + struct.pack("<q", 1000) + b"\x01\x51"  # OP_TRUE
        + b"\x00\x00\x00\x00"
    )
    return TemplateTx(data=data, txid=sha256d(data))


class Simnet:
    """A TemplateSource for the demo and for tests."""

    def __init__(self, settings: SimnetSettings, hasher: Hasher, clock=time.time):
        self.settings = settings
        self.hasher = hasher
        self.clock = clock
        self.bits = target_to_bits(min(MAX_TARGET, difficulty_to_target(settings.difficulty, settings.family)))
        self.chain: list[bytes] = [sha256d(b"chimera simnet genesis")]  # internal byte order
        self.last_block_at = clock()
        self.accepted: list[bytes] = []  # headers of blocks submitted by the pool
        self._on_new_block: TemplateCallback | None = None
        self._task: asyncio.Task | None = None
        self._txs = self._make_txs()

    @property
    def height(self) -> int:
        """Height of the next block."""
        return len(self.chain)

    def _make_txs(self) -> tuple[TemplateTx, ...]:
        return tuple(_synthetic_tx(self.height, i) for i in range(self.settings.transactions))

    def template(self) -> BlockTemplate:
        now = int(self.clock())
        return BlockTemplate(
            height=self.height,
            prevhash=self.chain[-1],
            version=self.settings.version,
            bits=self.bits,
            curtime=now,
            mintime=now - 600,
            coinbase_value=self.settings.block_reward,  # synthetic txs pay no fee
            transactions=self._txs,
            source="simnet",
        )

    async def start(self, on_new_block: TemplateCallback) -> BlockTemplate:
        self._on_new_block = on_new_block
        if self.settings.external_block_interval > 0:
            self._task = asyncio.create_task(self._external_blocks())
        return self.template()

    async def fetch_template(self) -> BlockTemplate:
        return self.template()

    async def _external_blocks(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.settings.external_block_interval))
            if self.clock() - self.last_block_at >= self.settings.external_block_interval:
                self._extend(sha256d(os.urandom(32)))

    def _extend(self, block_hash: bytes) -> None:
        now = self.clock()
        if self.settings.retarget:
            elapsed = max(1e-3, now - self.last_block_at)
            factor = max(1 / MAX_RETARGET_STEP, min(MAX_RETARGET_STEP, elapsed / self.settings.block_time))
            target = min(MAX_TARGET, int(bits_to_target(self.bits) * factor))
            self.bits = target_to_bits(max(1, target))
        self.chain.append(block_hash)
        self.last_block_at = now
        self._txs = self._make_txs()
        if self._on_new_block is not None:
            self._on_new_block(self.template())

    def check_block(self, block: bytes) -> str | None:
        """Why ``block`` is invalid on the current tip, or None."""
        try:
            head, txs, trailing = parse_block(block)
        except (ValueError, IndexError, KeyError) as exc:
            return f"bad-block-encoding: {exc}"
        if trailing:
            return "bad-block-trailing-data"
        if head[4:36] != self.chain[-1]:
            return "bad-prevblk" if head[4:36] in self.chain else "prev-blk-not-found"
        if int.from_bytes(head[72:76], "little") != self.bits:
            return "bad-diffbits"
        if not txs or merkle_root([tx.txid for tx in txs]) != head[36:68]:
            return "bad-txnmrklroot"
        coinbase = txs[0]
        if len(coinbase.inputs) != 1 or coinbase.inputs[0][0] != b"\x00" * 32:
            return "bad-cb-missing"
        if not coinbase.inputs[0][2].startswith(script_number(self.height)):
            return "bad-cb-height"
        if sum(value for value, _ in coinbase.outputs) > self.settings.block_reward:
            return "bad-cb-amount"
        if int.from_bytes(self.hasher.hash(head), "little") > bits_to_target(self.bits):
            return "high-hash"
        return None

    async def submit_block(self, block: bytes) -> str | None:
        reason = self.check_block(block)
        if reason is None:
            self.accepted.append(block[:80])
            self._extend(sha256d(block[:80]))
        return reason

    async def block_status(self, height: int, block_hash: str) -> tuple[str, int]:
        if height >= len(self.chain):
            return "pending", 0
        if self.chain[height][::-1].hex() != block_hash:
            return "orphaned", 0
        return "pending", len(self.chain) - height

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
