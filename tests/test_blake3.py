"""blake3 kernels: official vectors and differential tests for every variant.

Every compiled variant is tested on its own (``_core.select("blake3", isa)``);
variants the CPU lacks are skipped. The reference is the ``blake3`` package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import blake3 as blake3_ref
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chimera_algo import _core, get_hasher

VECTORS = json.loads((Path(__file__).parent / "data" / "blake3_test_vectors.json").read_text())
COMPILED = [isa for isa, _ in _core.variants("blake3")]
SUPPORTED = {isa for isa, ok in _core.variants("blake3") if ok}
NONCE_SPACE = 1 << 32


def ref(data: bytes) -> bytes:
    return blake3_ref.blake3(bytes(data)).digest()


def pattern(n: int) -> bytes:
    """The official vectors' input: bytes i % 251."""
    return bytes(i % 251 for i in range(n))


@pytest.fixture(params=COMPILED, scope="module")
def hasher(request: pytest.FixtureRequest) -> _core.NativeHasher:
    isa = request.param
    if isa not in SUPPORTED:
        pytest.skip(f"this CPU lacks {isa}")
    h, fell_back = _core.select("blake3", isa)
    assert not fell_back and h.isa == isa
    return h


def test_scalar_always_compiled_and_best_first() -> None:
    assert COMPILED[-1] == "scalar"
    default, _ = _core.select("blake3")
    assert default.isa == next(isa for isa in COMPILED if isa in SUPPORTED)
    assert default.name == "blake3" and default.digest_size == 32


@pytest.mark.parametrize("isa", COMPILED)
def test_chimera_isa_env_forces_variant(isa: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if isa not in SUPPORTED:
        pytest.skip(f"this CPU lacks {isa}")
    monkeypatch.setenv("CHIMERA_ISA", isa)
    assert get_hasher("blake3").isa == isa


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: str(c["input_len"]))
def test_official_vectors(hasher: _core.NativeHasher, case: dict) -> None:
    data = pattern(case["input_len"])
    expected = bytes.fromhex(case["hash32"])
    assert hasher.hash(data) == expected
    if data:  # the batch path too, three copies side by side
        assert hasher.hash_many(data * 3, len(data)) == expected * 3


# Lengths the upstream vectors file also covers around block boundaries.
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8, 63, 64, 65, 80, 127, 128, 129])
def test_block_boundaries(hasher: _core.NativeHasher, n: int) -> None:
    assert hasher.hash(pattern(n)) == ref(pattern(n))


def sized_binary(max_size: int) -> st.SearchStrategy[bytes]:
    """Bytes whose length is uniform in [0, max_size] (plain st.binary favours tiny)."""
    return st.integers(0, max_size).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@given(data=sized_binary(5000))
def test_hash_matches_reference(hasher: _core.NativeHasher, data: bytes) -> None:
    assert hasher.hash(data) == ref(data)


def random_bytes(n: int, seed: bytes) -> bytes:
    return np.random.default_rng(int.from_bytes(seed, "little")).bytes(n)


@given(n=st.integers(1024 * 16, 1024 * 40 + 1), seed=st.binary(min_size=8, max_size=8))
def test_long_inputs_tree(hasher: _core.NativeHasher, n: int, seed: bytes) -> None:
    # Enough chunks that the multi-lane chunk and parent passes fill every
    # lane width and leave remainders.
    data = random_bytes(n, seed)
    assert hasher.hash(data) == ref(data)


ITEM_SIZES = [1, 64, 65, 80, 1024, 1025]
BUFFER_KINDS = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "numpy": lambda b: np.frombuffer(b, dtype=np.uint8),
}


@pytest.mark.parametrize("item_size", ITEM_SIZES)
@given(
    kind=st.sampled_from(list(BUFFER_KINDS)),
    count=st.integers(0, 37),
    seed=st.binary(min_size=8, max_size=8),
)
def test_hash_many_matches_reference(
    hasher: _core.NativeHasher, item_size: int, kind: str, count: int, seed: bytes
) -> None:
    raw = random_bytes(item_size * count, seed)
    expected = b"".join(ref(raw[i : i + item_size]) for i in range(0, len(raw), item_size))
    assert hasher.hash_many(BUFFER_KINDS[kind](raw), item_size) == expected


@given(item_size=st.integers(1, 1100), count=st.integers(0, 20), seed=st.binary(min_size=8, max_size=8))
def test_hash_many_any_item_size(
    hasher: _core.NativeHasher, item_size: int, count: int, seed: bytes
) -> None:
    # Every shape of short last block: staged (length % 4 != 0), word-masked,
    # the <= 16-byte tail, full blocks.
    raw = random_bytes(item_size * count, seed)
    expected = b"".join(ref(raw[i : i + item_size]) for i in range(0, len(raw), item_size))
    assert hasher.hash_many(raw, item_size) == expected


def test_hash_many_numpy_2d_headers(hasher: _core.NativeHasher) -> None:
    headers = np.random.default_rng(7).integers(0, 256, size=(21, 80), dtype=np.uint8)
    expected = b"".join(ref(row.tobytes()) for row in headers)
    assert hasher.hash_many(headers, 80) == expected


def test_hash_many_rejects_bad_input(hasher: _core.NativeHasher) -> None:
    with pytest.raises(ValueError, match="item_size must divide"):
        hasher.hash_many(b"x" * 81, 80)
    with pytest.raises(ValueError, match="item_size"):
        hasher.hash_many(b"x" * 80, 0)
    with pytest.raises(TypeError, match="bytes-like"):
        hasher.hash_many("not bytes", 1)


def brute_force_scan(header: bytes, start: int, count: int, target: int) -> list[int]:
    hits = []
    buf = bytearray(header)
    for i in range(count):
        nonce = (start + i) % NONCE_SPACE
        buf[76:80] = nonce.to_bytes(4, "little")
        if int.from_bytes(ref(buf), "little") <= target:
            hits.append(nonce)
    return hits


@given(
    header=st.binary(min_size=80, max_size=80),
    start=st.one_of(st.integers(0, NONCE_SPACE - 1), st.integers(NONCE_SPACE - 40, NONCE_SPACE - 1)),
    count=st.integers(0, 70),
    shift=st.integers(1, 5),
)
def test_scan_matches_brute_force(
    hasher: _core.NativeHasher, header: bytes, start: int, count: int, shift: int
) -> None:
    target = (1 << 256) >> shift  # easy: about 1 nonce in 2**shift qualifies
    assert hasher.scan(header, start, count, target) == brute_force_scan(header, start, count, target)


def test_scan_wraps_around_nonce_space(hasher: _core.NativeHasher) -> None:
    header = os.urandom(80)
    start, count = NONCE_SPACE - 21, 50
    everything = hasher.scan(header, start, count, (1 << 256) - 1)
    assert everything == [(start + i) % NONCE_SPACE for i in range(count)]
    target = (1 << 256) >> 2
    assert hasher.scan(bytearray(header), start, count, target) == brute_force_scan(
        header, start, count, target
    )


def test_scan_target_boundary_is_inclusive(hasher: _core.NativeHasher) -> None:
    # A target equal to one nonce's digest exercises the full 256-bit compare
    # behind the top-word early reject: that nonce is in, one less and it is out.
    header = bytearray(os.urandom(80))
    nonce = 1000 + 13
    header[76:80] = nonce.to_bytes(4, "little")
    digest = int.from_bytes(ref(header), "little")
    hits = hasher.scan(memoryview(bytes(header)), 1000, 40, digest)
    assert nonce in hits
    assert hits == brute_force_scan(bytes(header), 1000, 40, digest)
    assert nonce not in hasher.scan(bytes(header), 1000, 40, digest - 1)


def test_scan_ignores_header_nonce_bytes(hasher: _core.NativeHasher) -> None:
    header = bytearray(os.urandom(80))
    first = hasher.scan(bytes(header), 5, 60, (1 << 256) >> 1)
    header[76:80] = b"\xff\xee\xdd\xcc"
    assert hasher.scan(bytes(header), 5, 60, (1 << 256) >> 1) == first


def test_scan_rejects_bad_input(hasher: _core.NativeHasher) -> None:
    with pytest.raises(ValueError, match="80 bytes"):
        hasher.scan(b"x" * 79, 0, 1, 1)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(b"x" * 80, 0, -1, 1)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(b"x" * 80, 0, NONCE_SPACE + 1, 1)
    with pytest.raises(ValueError):
        hasher.scan(b"x" * 80, 0, 1, 1 << 256)
