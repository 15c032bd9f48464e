"""Bitcoin-family wire encodings the pool needs: varints, script numbers,
double SHA-256, merkle branches, and the Stratum prevhash word order."""

from __future__ import annotations

import hashlib
import struct


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def varint(n: int) -> bytes:
    """CompactSize encoding of ``n``."""
    if n < 0:
        raise ValueError(f"varint must be >= 0, got {n}")
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    """(value, new offset) of the CompactSize at ``offset``."""
    first = data[offset]
    if first < 0xFD:
        return first, offset + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    end = offset + 1 + size
    if end > len(data):
        raise ValueError("truncated varint")
    return int.from_bytes(data[offset + 1 : end], "little"), end


def push_data(data: bytes) -> bytes:
    """A script push of ``data`` (direct push or OP_PUSHDATA1)."""
    if len(data) < 0x4C:
        return bytes([len(data)]) + data
    if len(data) <= 0xFF:
        return b"\x4c" + bytes([len(data)]) + data
    raise ValueError(f"push of {len(data)} bytes is too long for a coinbase script")


def script_number(n: int) -> bytes:
    """``CScript() << n`` as Bitcoin Core serializes it (BIP34 height)."""
    if n == 0:
        return b"\x00"  # OP_0
    if 1 <= n <= 16:
        return bytes([0x50 + n])  # OP_1 .. OP_16
    if n < 0:
        raise ValueError(f"height must be >= 0, got {n}")
    body = bytearray()
    while n:
        body.append(n & 0xFF)
        n >>= 8
    if body[-1] & 0x80:  # keep the number positive
        body.append(0)
    return push_data(bytes(body))


def merkle_branch(txids: list[bytes]) -> list[bytes]:
    """The branch of sibling hashes for the coinbase (index 0) given the
    other transactions' txids (internal byte order), leaf level first."""
    branch: list[bytes] = []
    level: list[bytes | None] = [None, *txids]  # None marks the coinbase slot
    while len(level) > 1:
        branch.append(level[1])  # type: ignore[arg-type]
        if len(level) % 2:
            level.append(level[-1])
        level = [None] + [sha256d(level[i] + level[i + 1]) for i in range(2, len(level), 2)]  # type: ignore[operator]
    return branch


def merkle_root_from_branch(coinbase_hash: bytes, branch: list[bytes]) -> bytes:
    root = coinbase_hash
    for sibling in branch:
        root = sha256d(root + sibling)
    return root


def merkle_root(txids: list[bytes]) -> bytes:
    """Full merkle root of ``txids`` (internal byte order)."""
    if not txids:
        raise ValueError("a block has at least one transaction")
    level = list(txids)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def swap_words(data: bytes) -> bytes:
    """Reverse the bytes inside each 4-byte word (Stratum's prevhash order)."""
    if len(data) % 4:
        raise ValueError("length must be a multiple of 4")
    out = bytearray(len(data))
    for i in range(0, len(data), 4):
        out[i : i + 4] = data[i : i + 4][::-1]
    return bytes(out)


def header(version: int, prevhash: bytes, merkle: bytes, ntime: int, bits: int, nonce: int) -> bytes:
    """The 80-byte block header (hashes in internal byte order)."""
    return struct.pack("<I", version) + prevhash + merkle + struct.pack("<III", ntime, bits, nonce)
