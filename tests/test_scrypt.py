"""scrypt (N=1024, r=1, p=1, dkLen=32; password = salt = input) for every
variant this CPU runs.

RFC 7914's published vectors use other parameters (N=16/1024/16384 with
r=8, p>1) than the fixed Litecoin kernel, so the kernels are checked against
the Litecoin genesis block and differentially against ``hashlib.scrypt``
(OpenSSL); the oracle itself is checked on RFC 7914's first vector.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chimera_algo
from chimera_algo import _core

LITECOIN_GENESIS = bytes.fromhex(
    "01000000000000000000000000000000000000000000000000000000000000000000"
    "0000d9ced4ed1130f7b7faad9be25323ffafa33232a17c3edf6cfd97bee6bafbdd97"
    "b9aa8e4ef0ff0f1ecd513f7c"
)
LITECOIN_GENESIS_POW = "0000050c34a64b415b6b15b37f2216634b5b1669cb9a2e38d76f7213b0671e00"

SUPPORTED = [isa for isa, ok in _core.variants("scrypt") if ok]


def reference(data: bytes) -> bytes:
    return hashlib.scrypt(data, salt=data, n=1024, r=1, p=1, dklen=32)


def reference_scan(header: bytes, start: int, count: int, target: int) -> list[int]:
    hits = []
    for i in range(count):
        nonce = (start + i) % 2**32
        candidate = header[:76] + nonce.to_bytes(4, "little")
        if int.from_bytes(reference(candidate), "little") <= target:
            hits.append(nonce)
    return hits


@pytest.fixture(params=SUPPORTED)
def hasher(request):
    h, fell_back = _core.select("scrypt", request.param)
    assert not fell_back and h.isa == request.param
    return h


def test_scalar_and_registry():
    assert "scalar" in SUPPORTED
    assert "scrypt" in chimera_algo.algorithms()
    h = chimera_algo.get_hasher("scrypt")
    assert (h.name, h.digest_size) == ("scrypt", 32)
    assert h.isa == SUPPORTED[0]


@pytest.mark.parametrize("isa", SUPPORTED)
def test_chimera_isa_forces_variant(monkeypatch, isa):
    monkeypatch.setenv("CHIMERA_ISA", isa)
    h = chimera_algo.get_hasher("scrypt")
    assert h.isa == isa
    assert h.hash(LITECOIN_GENESIS)[::-1].hex() == LITECOIN_GENESIS_POW


def test_oracle_matches_rfc7914_vector():
    # RFC 7914 section 12, first vector: P = "", S = "", N = 16, r = 1, p = 1.
    expected = (
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
    )
    assert hashlib.scrypt(b"", salt=b"", n=16, r=1, p=1, dklen=64).hex() == expected


def test_litecoin_genesis(hasher):
    digest = hasher.hash(LITECOIN_GENESIS)
    assert digest[::-1].hex() == LITECOIN_GENESIS_POW
    assert hasher.hash_many(LITECOIN_GENESIS * 3, 80) == digest * 3


# Lengths at the SHA-256 block boundaries PBKDF2 crosses: HMAC keys longer
# than 64 bytes are hashed; salt || INT(i) needs a second padding block from
# 52 bytes into a block on.
BOUNDARY_LENGTHS = [0, 1, 51, 52, 55, 56, 59, 60, 63, 64, 65, 80, 115, 116, 127, 128, 129, 200, 1000]


@pytest.mark.parametrize("length", BOUNDARY_LENGTHS)
def test_lengths_at_block_boundaries(hasher, length):
    data = bytes((7 * i + length) % 256 for i in range(length))
    assert hasher.hash(data) == reference(data)


@settings(max_examples=40)
@given(data=st.binary(min_size=0, max_size=200))
def test_hash_matches_hashlib(data):
    want = reference(data)
    for isa in SUPPORTED:
        h, _ = _core.select("scrypt", isa)
        assert h.hash(data) == want, isa


@settings(max_examples=15)
@given(item_size=st.integers(1, 120), count=st.integers(0, 37), seed=st.integers(0, 2**32 - 1))
def test_hash_many_matches_hashlib(item_size, count, seed):
    rng = np.random.default_rng(seed)
    buf = rng.integers(0, 256, size=item_size * count, dtype=np.uint8).tobytes()
    want = b"".join(reference(buf[i * item_size:(i + 1) * item_size]) for i in range(count))
    for isa in SUPPORTED:
        h, _ = _core.select("scrypt", isa)
        assert h.hash_many(buf, item_size) == want, isa


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 33])
def test_hash_many_buffer_types(hasher, count):
    rng = np.random.default_rng(count)
    headers = rng.integers(0, 256, size=(count, 80), dtype=np.uint8)
    raw = headers.tobytes()
    want = b"".join(reference(raw[80 * i:80 * (i + 1)]) for i in range(count))
    assert hasher.hash_many(headers, 80) == want
    assert hasher.hash_many(memoryview(raw), 80) == want
    assert hasher.hash_many(bytearray(raw), 80) == want
    assert hasher.hash_many(raw, 80) == want


def test_hash_many_rejects_bad_input(hasher):
    assert hasher.hash_many(b"", 80) == b""
    with pytest.raises(ValueError, match="item_size"):
        hasher.hash_many(b"\0" * 81, 80)
    with pytest.raises(ValueError, match="item_size"):
        hasher.hash_many(b"\0" * 80, 0)
    with pytest.raises(TypeError, match="bytes-like"):
        hasher.hash_many("not bytes", 80)
    with pytest.raises(TypeError, match="bytes-like"):
        hasher.hash(12345)


# About 1 in 8 digests meets this target.
EASY_TARGET = 2**253


@pytest.mark.parametrize(
    "start,count",
    [(0, 0), (0, 1), (1000, 21), (2**32 - 10, 30), (2**32 - 1, 2), (123456, 40)],
)
def test_scan_matches_brute_force(hasher, start, count):
    header = bytes(range(80))
    assert hasher.scan(header, start, count, EASY_TARGET) == reference_scan(
        header, start, count, EASY_TARGET
    )


def test_scan_ignores_header_nonce_and_honours_target_bounds(hasher):
    header = LITECOIN_GENESIS[:76] + b"\xff\xff\xff\xff"
    genesis_nonce = int.from_bytes(LITECOIN_GENESIS[76:], "little")
    digest = int.from_bytes(reference(LITECOIN_GENESIS), "little")
    assert hasher.scan(header, genesis_nonce, 1, digest) == [genesis_nonce]
    assert hasher.scan(header, genesis_nonce, 1, digest - 1) == []
    assert hasher.scan(header, 5, 19, 2**256 - 1) == list(range(5, 24))
    assert hasher.meets_target(LITECOIN_GENESIS, digest)
    assert not hasher.meets_target(LITECOIN_GENESIS, digest - 1)


def test_scan_rejects_bad_input(hasher):
    with pytest.raises(ValueError, match="80 bytes"):
        hasher.scan(b"\0" * 79, 0, 1, EASY_TARGET)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(b"\0" * 80, 0, -1, EASY_TARGET)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(b"\0" * 80, 0, 2**32 + 1, EASY_TARGET)
    with pytest.raises(ValueError, match="start_nonce"):
        hasher.scan(b"\0" * 80, 2**32, 1, EASY_TARGET)
    with pytest.raises(ValueError, match="target"):
        hasher.scan(b"\0" * 80, 0, 1, 2**256)


def test_concurrent_calls_do_not_share_scratchpads(hasher):
    # Batch calls release the GIL: each thread must work in its own memory.
    rng = np.random.default_rng(99)
    batches = [rng.integers(0, 256, size=80 * 20, dtype=np.uint8).tobytes() for _ in range(4)]
    want = [hasher.hash_many(b, 80) for b in batches]
    got: list[bytes | None] = [None] * len(batches)

    def work(i: int) -> None:
        for _ in range(2):
            got[i] = hasher.hash_many(batches[i], 80)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == want
