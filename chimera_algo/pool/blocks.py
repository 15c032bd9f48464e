"""Block candidates: serialization for ``submitblock`` and parsing back
(the simnet validates submissions with it; tests read coinbases with it)."""

from __future__ import annotations

from dataclasses import dataclass

from chimera_algo.pool.serialize import read_varint, sha256d, varint
from chimera_algo.pool.shares import ShareResult


def block_hash(header80: bytes) -> str:
    """The block id as RPCs print it: sha256d of the header, byte-reversed."""
    return sha256d(header80)[::-1].hex()


def assemble_block(share: ShareResult) -> bytes:
    """The full block for a share that met the network target."""
    template = share.job.template
    coinbase = share.job.coinbase.assemble_for_block(share.coinbase_extranonce)
    parts = [share.header, varint(1 + len(template.transactions)), coinbase]
    parts.extend(tx.data for tx in template.transactions)
    if template.mweb is not None:
        parts.append(b"\x01" + template.mweb)  # Litecoin MWEB extension block
    return b"".join(parts)


@dataclass(frozen=True)
class ParsedTx:
    raw: bytes
    txid: bytes  # internal byte order (hash of the legacy serialization)
    inputs: list[tuple[bytes, int, bytes, int]]  # (prev txid, vout, scriptSig, sequence)
    outputs: list[tuple[int, bytes]]  # (value, scriptPubKey)


def parse_tx(data: bytes, offset: int = 0) -> tuple[ParsedTx, int]:
    """Parse one transaction at ``offset``; returns it and the end offset."""
    start = offset
    version = data[offset : offset + 4]
    offset += 4
    segwit = data[offset] == 0 and data[offset + 1] == 1
    if segwit:
        offset += 2
    body_start = offset
    n_in, offset = read_varint(data, offset)
    inputs = []
    for _ in range(n_in):
        prev = data[offset : offset + 32]
        vout = int.from_bytes(data[offset + 32 : offset + 36], "little")
        slen, offset = read_varint(data, offset + 36)
        script = data[offset : offset + slen]
        offset += slen
        seq = int.from_bytes(data[offset : offset + 4], "little")
        offset += 4
        inputs.append((prev, vout, script, seq))
    n_out, offset = read_varint(data, offset)
    outputs = []
    for _ in range(n_out):
        value = int.from_bytes(data[offset : offset + 8], "little", signed=True)
        slen, offset = read_varint(data, offset + 8)
        outputs.append((value, data[offset : offset + slen]))
        offset += slen
    body_end = offset
    if segwit:
        for _ in range(n_in):
            items, offset = read_varint(data, offset)
            for _ in range(items):
                size, offset = read_varint(data, offset)
                offset += size
    locktime = data[offset : offset + 4]
    offset += 4
    if offset > len(data):
        raise ValueError("truncated transaction")
    legacy = version + data[body_start:body_end] + locktime
    return ParsedTx(data[start:offset], sha256d(legacy), inputs, outputs), offset


def parse_block(data: bytes) -> tuple[bytes, list[ParsedTx], bytes]:
    """(header, transactions, trailing bytes such as an MWEB block)."""
    if len(data) < 81:
        raise ValueError("block shorter than a header")
    count, offset = read_varint(data, 80)
    txs = []
    for _ in range(count):
        tx, offset = parse_tx(data, offset)
        txs.append(tx)
    return data[:80], txs, data[offset:]
