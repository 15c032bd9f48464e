"""The public hasher interface, checked on every built-in algorithm."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest

import chimera_algo
from chimera_algo import Hasher, UnknownAlgorithmError, get_hasher

BUILTIN = chimera_algo._core.algorithms()


def test_algorithms_lists_every_builtin():
    assert set(BUILTIN) <= set(chimera_algo.algorithms())
    assert "sha256d" in BUILTIN


def test_unknown_algorithm_names_the_known_ones():
    with pytest.raises(UnknownAlgorithmError) as info:
        get_hasher("sha3-512-turbo")
    message = str(info.value)
    assert "sha3-512-turbo" in message
    for name in chimera_algo.algorithms():
        assert name in message
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("name", BUILTIN)
def test_hasher_attributes(name):
    h = get_hasher(name)
    assert isinstance(h, Hasher)
    assert h.name == name
    assert h.version == chimera_algo.__version__
    assert h.digest_size == 32
    assert h.isa in {isa for isa, ok in chimera_algo._core.variants(name) if ok}


@pytest.mark.parametrize("name", BUILTIN)
def test_hash_many_matches_hash_for_every_buffer_kind(name):
    h = get_hasher(name)
    rng = np.random.default_rng(7)
    items = rng.integers(0, 256, size=(9, 80), dtype=np.uint8)
    expected = b"".join(h.hash(bytes(row)) for row in items)
    raw = items.tobytes()
    for buf in (raw, bytearray(raw), memoryview(raw), items, items.reshape(-1)):
        assert h.hash_many(buf, 80) == expected
    assert h.hash_many(b"", 80) == b""


@pytest.mark.parametrize("name", BUILTIN)
def test_meets_target_agrees_with_digest(name):
    h = get_hasher(name)
    header = bytes(range(80))
    value = int.from_bytes(h.hash(header), "little")
    assert h.meets_target(header, value)
    assert h.meets_target(header, (1 << 256) - 1)
    assert not h.meets_target(header, value - 1)


@pytest.mark.parametrize("name", BUILTIN)
class TestBadInput:
    def test_hash_rejects_non_buffers(self, name):
        h = get_hasher(name)
        for bad in (None, 3, "text", [1, 2, 3]):
            with pytest.raises(TypeError, match="bytes-like"):
                h.hash(bad)

    def test_hash_rejects_non_contiguous(self, name):
        h = get_hasher(name)
        arr = np.zeros((4, 80), dtype=np.uint8)[:, ::2]
        with pytest.raises(ValueError, match="contiguous"):
            h.hash(arr)

    def test_hash_many_item_size_must_divide(self, name):
        h = get_hasher(name)
        with pytest.raises(ValueError, match="item_size must divide the buffer length: got 81 bytes"):
            h.hash_many(bytes(81), 80)
        for bad in (0, -80):
            with pytest.raises(ValueError, match="item_size must be in"):
                h.hash_many(bytes(80), bad)
        with pytest.raises(TypeError, match="item_size must be an int"):
            h.hash_many(bytes(80), 80.0)

    def test_scan_header_must_be_80_bytes(self, name):
        h = get_hasher(name)
        for size in (0, 79, 81):
            with pytest.raises(ValueError, match=f"exactly 80 bytes.*got {size}"):
                h.scan(bytes(size), 0, 1, 0)
        with pytest.raises(TypeError, match="bytes-like"):
            h.scan("0" * 80, 0, 1, 0)

    def test_scan_counts_and_nonces_in_range(self, name):
        h = get_hasher(name)
        header = bytes(80)
        with pytest.raises(ValueError, match="start_nonce must be in"):
            h.scan(header, -1, 1, 0)
        with pytest.raises(ValueError, match="start_nonce must be in"):
            h.scan(header, 1 << 32, 1, 0)
        with pytest.raises(ValueError, match="count must be in"):
            h.scan(header, 0, -5, 0)
        with pytest.raises(ValueError, match="count must be in"):
            h.scan(header, 0, (1 << 32) + 1, 0)
        with pytest.raises(ValueError, match="count must be in"):
            h.scan(header, 0, 1 << 70, 0)
        assert h.scan(header, 0, 0, (1 << 256) - 1) == []

    def test_targets_outside_256_bits(self, name):
        h = get_hasher(name)
        header = bytes(80)
        for bad in (-1, 1 << 256, 1 << 300):
            with pytest.raises(ValueError, match=r"target must be in \[0, 2\*\*256\)"):
                h.scan(header, 0, 1, bad)
            with pytest.raises(ValueError, match=r"target must be in \[0, 2\*\*256\)"):
                h.meets_target(header, bad)
        with pytest.raises(TypeError, match="target must be an int"):
            h.scan(header, 0, 1, 1.5)


def test_scan_finds_exactly_the_nonces_a_python_loop_finds():
    h = get_hasher("sha256d")
    header = bytearray(range(80))
    target = 1 << 252  # about 1 in 16 nonces
    start, count = (1 << 32) - 40, 100  # crosses the 2^32 wrap
    expected = []
    for i in range(count):
        nonce = (start + i) & 0xFFFFFFFF
        header[76:80] = nonce.to_bytes(4, "little")
        digest = hashlib.sha256(hashlib.sha256(header).digest()).digest()
        if int.from_bytes(digest, "little") <= target:
            expected.append(nonce)
    assert expected, "the target should let some nonces through"
    assert h.scan(bytes(header), start, count, target) == expected


@pytest.mark.parametrize("name", BUILTIN)
def test_scan_releases_the_gil(name):
    """While a long scan runs in a thread, the main thread keeps running."""
    h = get_hasher(name)
    header = bytes(80)
    count = 1 << 10
    # Grow the scan until it takes long enough to observe.
    import time

    while True:
        t0 = time.perf_counter()
        h.scan(header, 0, count, 0)
        if time.perf_counter() - t0 > 0.2 or count >= 1 << 32:
            break
        count *= 4
    done = threading.Event()
    worker = threading.Thread(target=lambda: (h.scan(header, 0, count, 0), done.set()))
    ticks = 0
    worker.start()
    while not done.is_set():
        ticks += 1
    worker.join()
    # With the GIL held for the whole scan, the loop above would barely run.
    assert ticks > 10_000


def test_cpu_features_report():
    report = chimera_algo.cpu_features()
    assert isinstance(report["features"], list)
    for name in BUILTIN:
        entry = report["algorithms"][name]
        assert entry["variants"]["scalar"] is True
        assert entry["variants"][entry["selected"]] is True
