"""The cache manager: single builds under concurrency, LRU, persistence."""

from __future__ import annotations

import threading

import pytest

from chimera_algo._core import ethash as native
from chimera_algo.ethash import CacheManager
from chimera_algo.ethash.cache import HEADER_SIZE, CacheKey, default_directory

SEED = native.seed_hash(3)


def test_default_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path))
    assert default_directory() == tmp_path / "ethash"
    monkeypatch.delenv("CHIMERA_HOME")
    assert default_directory().parts[-2:] == (".chimera", "ethash")


def test_concurrent_requests_share_one_build(tmp_path):
    # Epoch-0 size: big enough (~0.5 s) that the threads really overlap.
    manager = CacheManager(directory=None)
    size = native.cache_size(0)
    barrier = threading.Barrier(6)
    results = []

    def request():
        barrier.wait()
        results.append(manager.get(SEED, size))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert manager.stats.builds == 1
    assert len(results) == 6 and all(r is results[0] for r in results)


def test_lru_bounded_by_memory():
    manager = CacheManager(max_bytes=3 * 4096, directory=None)
    seeds = [native.seed_hash(r) for r in range(5)]
    for s in seeds[:3]:
        manager.get(s, 4096)
    manager.get(seeds[0], 4096)  # touch: seeds[1] is now the oldest
    manager.get(seeds[3], 4096)
    held = [k.seed_hash for k in manager.cached_keys()]
    assert held == [seeds[2], seeds[0], seeds[3]]
    assert manager.stats.evictions == 1
    manager.get(seeds[1], 4096)
    assert manager.stats.builds == 5  # seeds[1] was rebuilt


def test_a_cache_larger_than_the_bound_is_still_kept():
    manager = CacheManager(max_bytes=100, directory=None)
    cache = manager.get(SEED, 4096)
    assert manager.get(SEED, 4096) is cache
    assert manager.stats.builds == 1


def test_prefetch_builds_in_background_and_get_waits_for_it():
    manager = CacheManager(directory=None)
    size = native.cache_size(0)
    manager.prefetch(SEED, size)
    key = CacheKey(SEED, size)
    assert key in manager.pending_keys() or key in manager.cached_keys()
    manager.prefetch(SEED, size)  # already under way: no second build
    cache = manager.get(SEED, size)
    assert manager.stats.builds == 1
    assert manager.pending_keys() == [] and manager.cached_keys() == [key]
    assert bytes(cache) == bytes(native.Cache.build(SEED, size))


def test_persisted_cache_is_loaded_and_checked(tmp_path):
    first = CacheManager(directory=tmp_path)
    built = bytes(first.get(SEED, 8192))
    path = tmp_path / CacheKey(SEED, 8192).filename
    assert path.stat().st_size == HEADER_SIZE + 8192
    assert SEED.hex() in path.name

    second = CacheManager(directory=tmp_path)
    loaded = second.get(SEED, 8192)
    assert (second.stats.loads, second.stats.builds) == (1, 0)
    assert bytes(loaded) == built
    assert loaded.seed == SEED


@pytest.mark.parametrize("damage", ["flip_data", "truncate", "wrong_magic"])
def test_damaged_file_is_rebuilt_and_replaced(tmp_path, damage):
    CacheManager(directory=tmp_path).get(SEED, 8192)
    path = tmp_path / CacheKey(SEED, 8192).filename
    raw = bytearray(path.read_bytes())
    if damage == "flip_data":
        raw[HEADER_SIZE + 5000] ^= 0x40
    elif damage == "truncate":
        raw = raw[:-64]
    else:
        raw[0:8] = b"NOTACACH"
    path.write_bytes(bytes(raw))

    manager = CacheManager(directory=tmp_path)
    cache = manager.get(SEED, 8192)
    assert (manager.stats.corrupt_files, manager.stats.builds, manager.stats.loads) == (1, 1, 0)
    assert bytes(cache) == bytes(native.Cache.build(SEED, 8192))
    again = CacheManager(directory=tmp_path)
    again.get(SEED, 8192)
    assert again.stats.loads == 1  # the rebuilt file was written back


def test_unwritable_directory_does_not_fail_verification(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    manager = CacheManager(directory=blocker / "sub")
    assert manager.get(SEED, 4096).size == 4096


def test_build_failure_reaches_every_waiter_and_is_retried():
    manager = CacheManager(directory=None)
    with pytest.raises(ValueError, match="seed hash must be exactly 32 bytes"):
        manager.get(b"short", 4096)
    with pytest.raises(ValueError, match="multiple of 64"):
        manager.get(SEED, 100)
    assert manager.get(SEED, 4096).size == 4096
