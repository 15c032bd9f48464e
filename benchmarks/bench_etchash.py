"""Etchash speed on one core, against baselines measured in the same run.

    .venv/bin/python -m pytest benchmarks/bench_etchash.py -s

* cache build at ETC epoch 430 (~70 MiB): the active variant vs the portable
  ``scalar`` build;
* light verification at epoch 430 through ``EthashHasher.verify`` with a new
  nonce every call (a repeated nonce would keep its 8,192 cache lines hot),
  vs a NumPy implementation reading the same cache;
* full-DAG verification, only with ``CHIMERA_BENCH_DAG=1``: builds (once,
  kept in ``$CHIMERA_HOME/ethash``) the 1 GiB epoch-0 DAG with every core.

The ratios are printed at the end (``-s`` shows them).
"""

from __future__ import annotations

import itertools
import os
import time

import numpy as np
import pytest
from Crypto.Hash import keccak

from chimera_algo._core import ethash as native
from chimera_algo.ethash import ETC_MAINNET, ETHEREUM, CacheManager, EthashHasher

EPOCH = 430
BLOCK = EPOCH * 60_000  # ETC: 60,000-block epochs after ECIP-1099
HEADER = bytes.fromhex("c9149cc0386e689d789a1c2f3d5d169a61a6218ed30e74414dc736e442ef3d1f")
FNV = 0x01000193


@pytest.fixture(scope="module")
def report():
    figures: dict[str, float] = {}
    yield figures
    print("\n\netchash figures (seconds per operation, mean):")
    for name, value in figures.items():
        print(f"  {name:38s} {value * 1e3:10.3f} ms")
    pairs = [
        ("cache build: scalar / " + native.isa(), "cache_build_scalar", "cache_build_active"),
        ("light verify: numpy / native", "light_verify_numpy", "light_verify"),
        ("light verify: light / full DAG", "light_verify", "full_verify"),
    ]
    for label, slow, fast in pairs:
        if slow in figures and fast in figures:
            print(f"  ratio {label:32s} {figures[slow] / figures[fast]:10.1f}x")
    print(f"  load average at the end: {os.getloadavg()}")


@pytest.fixture(scope="module")
def info():
    return ETC_MAINNET.info(BLOCK)


@pytest.fixture(scope="module")
def hasher(info):
    h = EthashHasher(ETC_MAINNET, caches=CacheManager(directory=None), prefetch_next=False)
    h.caches.get(info.seed_hash, info.cache_size)
    return h


def _build_with(isa: str, info) -> None:
    before = native.isa()
    native.use_variant(isa)
    try:
        native.Cache.build(info.seed_hash, info.cache_size)
    finally:
        native.use_variant(before)


def test_cache_build_active(benchmark, report, info):
    benchmark.pedantic(_build_with, args=(native.isa(), info), rounds=3, iterations=1)
    report["cache_build_active"] = benchmark.stats.stats.mean


def test_cache_build_scalar(benchmark, report, info):
    benchmark.pedantic(_build_with, args=("scalar", info), rounds=3, iterations=1)
    report["cache_build_scalar"] = benchmark.stats.stats.mean


def test_light_verify(benchmark, report, hasher):
    nonces = itertools.count(0x5EED_0000_0000)
    benchmark.pedantic(lambda: hasher.verify(BLOCK, HEADER, next(nonces)),
                       rounds=2000, iterations=1, warmup_rounds=20)
    report["light_verify"] = benchmark.stats.stats.mean


def _numpy_light(cache: np.ndarray, full_size: int, header: bytes, nonce: int) -> bytes:
    n = len(cache)

    def k512(a: np.ndarray) -> np.ndarray:
        return np.frombuffer(keccak.new(digest_bits=512, data=a.tobytes()).digest(), np.uint32)

    def item(i: int) -> np.ndarray:
        mix = cache[i % n].copy()
        mix[0] ^= np.uint32(i)
        mix = k512(mix).copy()
        for j in range(256):
            parent = (((i ^ j) * FNV) ^ int(mix[j % 16])) & 0xFFFFFFFF
            mix = (mix * np.uint32(FNV)) ^ cache[parent % n]
        return k512(mix)

    seed = k512(np.frombuffer(header + nonce.to_bytes(8, "little"), np.uint8))
    mix = np.tile(seed, 2)
    pages = full_size // 128
    for i in range(64):
        p = ((((i ^ int(seed[0])) * FNV) ^ int(mix[i % 32])) & 0xFFFFFFFF) % pages
        mix = (mix * np.uint32(FNV)) ^ np.concatenate([item(2 * p), item(2 * p + 1)])
    m = mix.reshape(8, 4).astype(np.uint64)
    c = ((((m[:, 0] * FNV) ^ m[:, 1]) & 0xFFFFFFFF) * FNV ^ m[:, 2]) & 0xFFFFFFFF
    c = ((c * FNV) ^ m[:, 3]) & 0xFFFFFFFF
    return c.astype("<u4").tobytes()


def test_light_verify_numpy_baseline(benchmark, report, hasher, info):
    cache = np.frombuffer(hasher.caches.get(info.seed_hash, info.cache_size), np.uint32)
    cache = cache.reshape(-1, 16)
    nonces = itertools.count(7)
    with np.errstate(over="ignore"):
        first = next(nonces)
        assert _numpy_light(cache, info.full_size, HEADER, first) == \
            hasher.verify(BLOCK, HEADER, first)[1]  # same mix hash: a real baseline
        benchmark.pedantic(lambda: _numpy_light(cache, info.full_size, HEADER, next(nonces)),
                           rounds=3, iterations=1)
    report["light_verify_numpy"] = benchmark.stats.stats.mean


@pytest.mark.skipif(os.environ.get("CHIMERA_BENCH_DAG") != "1",
                    reason="set CHIMERA_BENCH_DAG=1 to build the 1 GiB epoch-0 DAG")
def test_full_verify(benchmark, report):
    h = EthashHasher(ETHEREUM, prefetch_next=False)
    start = time.monotonic()
    job = h.enable_full_dag(0)
    job.wait(timeout=3600)
    print(f"\nepoch-0 DAG ready in {time.monotonic() - start:.1f}s ({job.path})")
    nonces = itertools.count(0xDA6_0000)
    light = h.at_block(0)
    assert light.verify(0, HEADER, 1) == h._shared.caches.get(
        job.info.seed_hash, job.info.cache_size).hashimoto_light(job.info.full_size, HEADER, 1)
    benchmark.pedantic(lambda: h.verify(0, HEADER, next(nonces)),
                       rounds=20000, iterations=1, warmup_rounds=100)
    report["full_verify"] = benchmark.stats.stats.mean
