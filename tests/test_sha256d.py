"""sha256d kernels: every variant this CPU runs, checked against hashlib.

Variants are taken straight from ``_core`` so each one is tested whatever the
dispatcher would pick; ``CHIMERA_ISA`` forcing is checked in a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chimera_algo
from chimera_algo import _core

NONCE_SPACE = 1 << 32
SUPPORTED = [isa for isa, ok in _core.variants("sha256d") if ok]
# Multi-lane variants process 8 or 16 items per step: counts around those
# multiples reach the partial last step.
AWKWARD_COUNTS = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 47]

GENESIS_HEADER = bytes.fromhex(
    "0100000000000000000000000000000000000000000000000000000000000000"
    "000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
    "4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
GENESIS_HASH_DISPLAY = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"


def reference(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def brute_force_scan(header: bytes, start: int, count: int, target: int) -> list[int]:
    """The scan contract, one nonce at a time."""
    h = bytearray(header)
    hits = []
    for i in range(count):
        nonce = (start + i) % NONCE_SPACE
        h[76:80] = nonce.to_bytes(4, "little")
        if int.from_bytes(reference(bytes(h)), "little") <= target:
            hits.append(nonce)
    return hits


def variant(isa: str):
    hasher, fell_back = _core.select("sha256d", isa)
    assert not fell_back and hasher.isa == isa
    return hasher


@pytest.fixture(scope="module", params=SUPPORTED)
def hasher(request):
    return variant(request.param)


def test_every_x86_variant_is_compiled():
    compiled = [isa for isa, _ in _core.variants("sha256d")]
    assert compiled[-1] == "scalar"
    if os.uname().machine in ("x86_64", "AMD64"):
        assert set(compiled) == {"shani", "avx512", "avx2", "scalar"}


def test_genesis_block(hasher):
    assert hasher.hash(GENESIS_HEADER)[::-1].hex() == GENESIS_HASH_DISPLAY
    assert hasher.hash_many(GENESIS_HEADER * 3, 80) == hasher.hash(GENESIS_HEADER) * 3


def test_genesis_nonce_found_by_scan(hasher):
    nonce = int.from_bytes(GENESIS_HEADER[76:80], "little")
    bits_target = 0xFFFF << 208  # compact bits 0x1d00ffff
    assert hasher.scan(GENESIS_HEADER, nonce - 20, 41, bits_target) == [nonce]


@given(data=st.binary(min_size=0, max_size=300))
def test_hash_matches_hashlib(hasher, data):
    assert hasher.hash(data) == reference(data)


def test_hash_every_length_up_to_300(hasher):
    # Every padding case: one or two tail blocks, length word split or not.
    data = bytes((i * 151 + 7) % 256 for i in range(300))
    for n in range(301):
        assert hasher.hash(data[:n]) == reference(data[:n]), n


@given(item_size=st.integers(1, 300), count=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_hash_many_matches_hashlib(hasher, item_size, count, seed):
    buf = np.random.default_rng(seed).integers(0, 256, item_size * count, dtype=np.uint8).tobytes()
    expected = b"".join(reference(buf[i : i + item_size]) for i in range(0, len(buf), item_size))
    assert hasher.hash_many(buf, item_size) == expected


@pytest.mark.parametrize("item_size", [1, 4, 55, 56, 63, 64, 65, 80, 119, 120, 128, 129, 300])
def test_hash_many_buffer_kinds(hasher, item_size):
    rng = np.random.default_rng(item_size)
    items = rng.integers(0, 256, size=(19, item_size), dtype=np.uint8)
    expected = b"".join(reference(bytes(row)) for row in items)
    raw = items.tobytes()
    buffers = [raw, bytearray(raw), memoryview(raw), items, items.reshape(-1)]
    if item_size % 4 == 0:
        buffers.append(items.view(np.uint32))  # item_size counts bytes, not elements
    for buf in buffers:
        assert hasher.hash_many(buf, item_size) == expected


@pytest.mark.parametrize("count", AWKWARD_COUNTS)
def test_hash_many_counts_around_lane_multiples(hasher, count):
    buf = bytes((i * 37 + 11) % 256 for i in range(80 * count))
    expected = b"".join(reference(buf[i : i + 80]) for i in range(0, len(buf), 80))
    assert hasher.hash_many(buf, 80) == expected


def test_hash_many_of_a_slice_reads_only_the_slice(hasher):
    # Lanes past the last item must not read past the buffer's end.
    big = bytearray(os.urandom(80 * 40))
    view = memoryview(big)[80 * 3 : 80 * 8]
    expected = b"".join(reference(bytes(view[i : i + 80])) for i in range(0, 400, 80))
    assert hasher.hash_many(view, 80) == expected


# An arbitrary 80-byte header (its own nonce bytes are ignored by scan).
HEADER = hashlib.sha512(b"chimera header").digest() + hashlib.sha256(b"tail").digest()[:16]
EASY = 1 << 253  # about one nonce in eight passes


@pytest.mark.parametrize(
    "start,count",
    [(0, 40), (1000, 17), (NONCE_SPACE - 5, 11), (NONCE_SPACE - 20, 47), (NONCE_SPACE - 1, 2), (77, 0)]
    + [(5000, n) for n in AWKWARD_COUNTS],
)
def test_scan_matches_brute_force(hasher, start, count):
    assert hasher.scan(HEADER, start, count, EASY) == brute_force_scan(HEADER, start, count, EASY)


def test_scan_ignores_the_headers_own_nonce(hasher):
    other = HEADER[:76] + b"\xde\xad\xbe\xef"
    assert hasher.scan(other, 300, 33, EASY) == hasher.scan(HEADER, 300, 33, EASY)


def test_scan_target_boundary_is_inclusive(hasher):
    # target == digest hits, digest - 1 does not, also when only the low
    # words differ (the early reject sees equal top words).
    start, count = 123456, 33
    nonce = start + 21
    h = bytearray(HEADER)
    h[76:80] = nonce.to_bytes(4, "little")
    value = int.from_bytes(reference(bytes(h)), "little")
    for target in (value, value - 1, value | 0xFFFFFFFF, (value >> 224) << 224):
        expected = brute_force_scan(HEADER, start, count, target)
        assert hasher.scan(HEADER, start, count, target) == expected
    assert nonce in hasher.scan(HEADER, start, count, value)
    assert nonce not in hasher.scan(HEADER, start, count, value - 1)


def test_scan_hard_target_finds_nothing(hasher):
    assert hasher.scan(HEADER, 0, 4096, 0) == []
    assert hasher.scan(HEADER, NONCE_SPACE - 100, 200, 1 << 200) == []


def test_scan_everything_passes_max_target(hasher):
    start = NONCE_SPACE - 9
    expected = [(start + i) % NONCE_SPACE for i in range(25)]
    assert hasher.scan(HEADER, start, 25, (1 << 256) - 1) == expected


@given(
    header=st.binary(min_size=80, max_size=80),
    start=st.one_of(st.integers(0, NONCE_SPACE - 1), st.integers(NONCE_SPACE - 64, NONCE_SPACE - 1)),
    count=st.integers(0, 70),
    shift=st.integers(250, 256),
)
def test_scan_matches_brute_force_random(hasher, header, start, count, shift):
    target = (1 << shift) - 1
    assert hasher.scan(header, start, count, target) == brute_force_scan(header, start, count, target)


def test_scan_rejects_bad_arguments(hasher):
    with pytest.raises(ValueError, match="80 bytes"):
        hasher.scan(HEADER[:79], 0, 1, EASY)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(HEADER, 0, NONCE_SPACE + 1, EASY)
    with pytest.raises(ValueError, match="start_nonce"):
        hasher.scan(HEADER, NONCE_SPACE, 1, EASY)
    with pytest.raises(ValueError, match="item_size"):
        hasher.hash_many(b"\0" * 81, 80)


FORCE_SCRIPT = """
import json, warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import chimera_algo
    h = chimera_algo.get_hasher("sha256d")
    digest = h.hash(bytes(range(80))).hex()
print(json.dumps({"isa": h.isa, "digest": digest,
                  "warnings": [[w.category.__name__, str(w.message)] for w in caught]}))
"""


def run_forced(isa: str) -> dict:
    env = dict(os.environ, CHIMERA_ISA=isa)
    out = subprocess.run(
        [sys.executable, "-c", FORCE_SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("isa", SUPPORTED)
def test_chimera_isa_forces_a_supported_variant(isa):
    result = run_forced(isa)
    assert result == {"isa": isa, "digest": reference(bytes(range(80))).hex(), "warnings": []}


@pytest.mark.parametrize(
    "isa", ["avx1024"] + [isa for isa, ok in _core.variants("sha256d") if not ok]
)
def test_chimera_isa_unavailable_falls_back_with_warning(isa):
    result = run_forced(isa)
    best = chimera_algo._core.select("sha256d", "")[0].isa
    assert result["isa"] == best
    assert result["digest"] == reference(bytes(range(80))).hex()
    [[category, message]] = result["warnings"]
    assert category == "RuntimeWarning"
    assert f"CHIMERA_ISA={isa}" in message and best in message
