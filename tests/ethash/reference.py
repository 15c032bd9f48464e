"""A slow, independent ethash written from the specification for the tests.

Pure Python on ints; only keccak comes from pycryptodome. Sizes are
arguments, so tests can run it on caches of a few hundred bytes.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from Crypto.Hash import keccak

WORD_BYTES = 4
HASH_BYTES = 64
MIX_BYTES = 128
DATASET_PARENTS = 256
CACHE_ROUNDS = 3
ACCESSES = 64
FNV_PRIME = 0x01000193


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def keccak512(data: bytes) -> bytes:
    return keccak.new(digest_bits=512, data=data).digest()


def words(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 4}I", data))


def serialize(ws: list[int]) -> bytes:
    return struct.pack(f"<{len(ws)}I", *ws)


def fnv(a: int, b: int) -> int:
    return ((a * FNV_PRIME) ^ b) & 0xFFFFFFFF


def seed_hash(rounds: int) -> bytes:
    seed = bytes(32)
    for _ in range(rounds):
        seed = keccak256(seed)
    return seed


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


def cache_size(epoch: int) -> int:
    size = 2**24 + 2**17 * epoch - HASH_BYTES
    while not is_prime(size // HASH_BYTES):
        size -= 2 * HASH_BYTES
    return size


def full_size(epoch: int) -> int:
    size = 2**30 + 2**23 * epoch - MIX_BYTES
    while not is_prime(size // MIX_BYTES):
        size -= 2 * MIX_BYTES
    return size


def make_cache(size: int, seed: bytes) -> list[list[int]]:
    n = size // HASH_BYTES
    rows = [keccak512(seed)]
    for _ in range(1, n):
        rows.append(keccak512(rows[-1]))
    cache = [words(r) for r in rows]
    for _ in range(CACHE_ROUNDS):
        for i in range(n):
            v = cache[i][0] % n
            mixed = [a ^ b for a, b in zip(cache[(i - 1 + n) % n], cache[v])]
            cache[i] = words(keccak512(serialize(mixed)))
    return cache


def calc_dataset_item(cache: list[list[int]], i: int) -> list[int]:
    n = len(cache)
    mix = list(cache[i % n])
    mix[0] ^= i
    mix = words(keccak512(serialize(mix)))
    for j in range(DATASET_PARENTS):
        parent = fnv(i ^ j, mix[j % 16]) % n
        mix = [fnv(a, b) for a, b in zip(mix, cache[parent])]
    return words(keccak512(serialize(mix)))


def hashimoto(header: bytes, nonce: int, size: int, lookup) -> tuple[bytes, bytes]:
    """(mix_hash, final_hash)."""
    n = size // HASH_BYTES
    s = words(keccak512(header + nonce.to_bytes(8, "little")))
    mix = s * (MIX_BYTES // HASH_BYTES)
    for i in range(ACCESSES):
        p = fnv(i ^ s[0], mix[i % len(mix)]) % (n // 2) * 2
        newdata = lookup(p) + lookup(p + 1)
        mix = [fnv(a, b) for a, b in zip(mix, newdata)]
    cmix = [fnv(fnv(fnv(mix[i], mix[i + 1]), mix[i + 2]), mix[i + 3]) for i in range(0, len(mix), 4)]
    mix_hash = serialize(cmix)
    return mix_hash, keccak256(serialize(s) + mix_hash)


def hashimoto_light(size: int, cache: list[list[int]], header: bytes, nonce: int):
    item = lru_cache(maxsize=None)(lambda i: calc_dataset_item(cache, i))
    return hashimoto(header, nonce, size, item)
