"""sha256d rates against hashlib (sha256 twice), measured in the same run.

Run: .venv/bin/python -m pytest benchmarks/bench_sha256d.py
On a shared, loaded machine add ``--benchmark-timer=time.thread_time``: the
CPU time of the benchmarking thread (kernels run in it with the GIL released)
does not count the time other processes hold the core.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import best_rate

import chimera_algo
from chimera_algo import _core

BATCH = 4096
SUPPORTED = [isa for isa, ok in _core.variants("sha256d") if ok]
HEADERS = np.random.default_rng(2).integers(0, 256, size=(BATCH, 80), dtype=np.uint8).tobytes()
HEADER = HEADERS[:80]
PER_HEADER = "hashlib sha256(sha256(header)), per header"
ONE_CALL = "hashlib sha256(sha256(header)), one call"


def hashlib_batch() -> None:
    sha256 = hashlib.sha256
    for i in range(0, len(HEADERS), 80):
        sha256(sha256(HEADERS[i : i + 80]).digest()).digest()


def hashlib_one() -> bytes:
    return hashlib.sha256(hashlib.sha256(HEADER).digest()).digest()


def variant(isa: str):
    return _core.select("sha256d", isa)[0]


@pytest.mark.benchmark(group="sha256d 80-byte headers: hash_many and scan")
def test_baseline_hashlib_per_header(benchmark, rates):
    benchmark(hashlib_batch)
    rates.baseline(PER_HEADER, benchmark, BATCH)


@pytest.mark.benchmark(group="sha256d 80-byte headers: hash_many and scan")
@pytest.mark.parametrize("isa", SUPPORTED)
def test_hash_many_80(benchmark, rates, isa):
    out = benchmark(variant(isa).hash_many, HEADERS, 80)
    assert out[:32] == hashlib_one()
    rates.compare(PER_HEADER, benchmark, BATCH, lambda: best_rate(hashlib_batch, BATCH))


@pytest.mark.benchmark(group="sha256d 80-byte headers: hash_many and scan", min_rounds=15)
@pytest.mark.parametrize("isa", SUPPORTED)
def test_scan(benchmark, rates, isa):
    count = 1 << 14 if isa == "scalar" else 1 << 20
    assert benchmark(variant(isa).scan, HEADER, 0, count, 0) == []
    rates.compare(PER_HEADER, benchmark, count, lambda: best_rate(hashlib_batch, BATCH))


@pytest.mark.benchmark(group="sha256d hash() of one header")
def test_baseline_hashlib_one_call(benchmark, rates):
    benchmark(hashlib_one)
    rates.baseline(ONE_CALL, benchmark, 1)


@pytest.mark.benchmark(group="sha256d hash() of one header")
def test_hash_one_header(benchmark, rates):
    h = chimera_algo.get_hasher("sha256d")
    assert benchmark(h.hash, HEADER) == hashlib_one()
    rates.compare(ONE_CALL, benchmark, 1, lambda: best_rate(hashlib_one, 1))
