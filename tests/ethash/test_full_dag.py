"""Full-DAG mode on tiny sizes: build, check, switch from light to full."""

from __future__ import annotations

import pytest

from chimera_algo._core import ethash as native
from chimera_algo.ethash import CacheManager
from chimera_algo.ethash.dag import (
    HEADER_SIZE,
    CorruptDagFile,
    build_dag_file,
    dag_filename,
    open_dag_file,
)
from chimera_algo.ethash.full import load_or_build_dag

from . import reference as ref

SEED = native.seed_hash(0)


def test_dag_file_matches_in_memory_dataset(tmp_path):
    cache = native.Cache.build(SEED, 1024)
    seen = []
    path = build_dag_file(cache, 2 * 1024 * 1024, tmp_path / "d.dag", threads=2,
                          progress=lambda done, total: seen.append((done, total)))
    expected = bytearray(2 * 1024 * 1024)
    cache.fill_dataset(0, expected)
    assert path.read_bytes()[HEADER_SIZE:] == bytes(expected)
    assert seen[-1] == (2 * 1024 * 1024, 2 * 1024 * 1024)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(tmp_path.glob("*.tmp"))


def test_full_and_light_agree_and_match_reference(tmp_path):
    cache = native.Cache.build(SEED, 1024)
    path = build_dag_file(cache, 32 * 1024, tmp_path / "d.dag", threads=2)
    dataset = open_dag_file(path, cache, 32 * 1024)
    ref_cache = ref.make_cache(1024, SEED)
    for nonce in (0, 1, 2**63 + 5, 2**64 - 1):
        header = native.keccak256(nonce.to_bytes(8, "big"))
        light = cache.hashimoto_light(32 * 1024, header, nonce)
        assert dataset.hashimoto(header, nonce) == light
        mix, final = ref.hashimoto_light(32 * 1024, ref_cache, header, nonce)
        assert light == (final, mix)


def test_damaged_dag_is_detected(tmp_path):
    cache = native.Cache.build(SEED, 1024)
    full = 32 * 1024
    path = build_dag_file(cache, full, tmp_path / "d.dag")
    raw = bytearray(path.read_bytes())
    raw[HEADER_SIZE:] = bytes(full)  # zeroed data: every spot check fails
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptDagFile, match="does not match the cache"):
        open_dag_file(path, cache, full)
    other = native.Cache.build(native.seed_hash(1), 1024)
    with pytest.raises(CorruptDagFile, match="another epoch"):
        open_dag_file(build_dag_file(cache, full, tmp_path / "e.dag"), other, full)


def test_load_or_build_reuses_a_valid_file(tmp_path, tiny_network):
    caches = CacheManager(directory=tmp_path)
    info = tiny_network.info(0)
    first = load_or_build_dag(caches, info, tmp_path)
    mtime = first.path.stat().st_mtime_ns
    second = load_or_build_dag(caches, info, tmp_path)
    assert second.path == first.path == tmp_path / dag_filename(info.seed_hash, info.full_size)
    assert second.path.stat().st_mtime_ns == mtime


def test_hasher_switches_from_light_to_full(tiny_hasher, tmp_path):
    header = bytes(range(32))
    light = tiny_hasher.verify(5, header, 77)
    assert tiny_hasher._shared.full is None

    job = tiny_hasher.enable_full_dag(5, directory=tmp_path / "dags", threads=2)
    dataset = job.wait(timeout=60)
    assert job.fraction == 1.0
    assert tiny_hasher._shared.full.dataset_for(tiny_hasher.network.info(5).seed_hash) is dataset
    assert tiny_hasher.verify(5, header, 77) == light
    # Another epoch has no DAG: light mode still serves it.
    assert tiny_hasher.verify(95_000, header, 77)[0] != light[0]
    assert tiny_hasher.enable_full_dag(5) is job


def test_enabling_a_later_epoch_retires_older_dags(tiny_hasher, tmp_path):
    full = lambda block: tiny_hasher._shared.full.dataset_for(  # noqa: E731
        tiny_hasher.network.info(block).seed_hash)
    for block in (0, 30_000, 60_000):
        tiny_hasher.enable_full_dag(block, directory=tmp_path).wait(timeout=60)
    assert full(0) is None  # two epochs back: dropped
    assert full(30_000) is not None and full(60_000) is not None
