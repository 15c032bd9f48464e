"""The coinbase transaction, split around the extranonce slot for Stratum.

Layout (legacy serialization, whose hash is the txid in the merkle tree):
version | 1 input (null outpoint) | scriptSig = BIP34 height, extranonce
push (extranonce1 + extranonce2), pool tag | sequence | outputs | locktime.
``coinb1`` ends just before extranonce1; ``coinb2`` starts right after
extranonce2. The block carries the segwit form (witness reserved value).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from chimera_algo.pool.serialize import push_data, script_number, varint
from chimera_algo.pool.template import BlockTemplate

MAX_SCRIPTSIG = 100  # consensus limit on the coinbase scriptSig
WITNESS_RESERVED = b"\x00" * 32


@dataclass(frozen=True)
class CoinbaseParts:
    coinb1: bytes
    coinb2: bytes
    has_witness: bool

    def assemble(self, extranonce: bytes) -> bytes:
        """Legacy serialization (the txid form)."""
        return self.coinb1 + extranonce + self.coinb2

    def assemble_for_block(self, extranonce: bytes) -> bytes:
        """Serialization for the block: with the witness reserved value when
        the block commits to witnesses (BIP141)."""
        tx = self.assemble(extranonce)
        if not self.has_witness:
            return tx
        # version | marker 00 flag 01 | inputs+outputs | witness | locktime
        witness = b"\x01" + b"\x20" + WITNESS_RESERVED
        return tx[:4] + b"\x00\x01" + tx[4:-4] + witness + tx[-4:]


def build_coinbase(
    template: BlockTemplate,
    payout_script: bytes,
    pool_tag: bytes,
    extranonce_size: int,
) -> CoinbaseParts:
    """Coinbase halves paying all of ``template.coinbase_value`` to ``payout_script``."""
    height_push = script_number(template.height)
    tag_push = push_data(pool_tag) if pool_tag else b""
    # The extranonce is one push so it never changes the script's parse.
    script_len = len(height_push) + 1 + extranonce_size + len(tag_push)
    if script_len > MAX_SCRIPTSIG:
        raise ValueError(
            f"coinbase scriptSig would be {script_len} bytes (max {MAX_SCRIPTSIG}); shorten the pool tag"
        )
    outputs = [struct.pack("<q", template.coinbase_value) + varint(len(payout_script)) + payout_script]
    if template.witness_commitment is not None:
        script = template.witness_commitment
        outputs.append(struct.pack("<q", 0) + varint(len(script)) + script)
    coinb1 = (
        struct.pack("<i", 2)
        + b"\x01"
        + b"\x00" * 32
        + b"\xff\xff\xff\xff"
        + varint(script_len)
        + height_push
        + bytes([extranonce_size])
    )
    coinb2 = (
        tag_push
        + b"\xff\xff\xff\xff"
        + varint(len(outputs))
        + b"".join(outputs)
        + b"\x00\x00\x00\x00"
    )
    return CoinbaseParts(coinb1, coinb2, template.witness_commitment is not None)
