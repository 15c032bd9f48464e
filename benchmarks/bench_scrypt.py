"""scrypt (Litecoin PoW) throughput: hashlib.scrypt per header (the Python
baseline) against our hash_many and scan, for every variant this CPU runs.

Run: ``python -m pytest benchmarks/bench_scrypt.py --benchmark-columns=min,mean,rounds``
Each of our benchmarks records ``rate_hps`` (headers per second, from the
fastest round), ``baseline_rate_hps`` (hashlib, measured in the same run) and
``ratio`` in ``extra_info`` (shown with ``--benchmark-json``), and prints them.
On a shared machine, ``--benchmark-timer time.process_time`` counts only this
process's CPU time (the kernels run on the calling thread); the fastest of
several rounds is reported either way.
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable

import pytest
from pytest_benchmark.utils import load_timer

from chimera_algo import _core

SUPPORTED = [isa for isa, ok in _core.variants("scrypt") if ok]
BATCH = 16 * 24  # a multiple of every variant's lane count
ROUNDS = 5
HEADER = bytes(range(80))


def hashlib_pow(header: bytes) -> bytes:
    return hashlib.scrypt(header, salt=header, n=1024, r=1, p=1, dklen=32)


def _hashlib_rate(headers: list[bytes], timer: Callable[[], float], rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = timer()
        for h in headers:
            hashlib_pow(h)
        best = min(best, timer() - t0)
    return len(headers) / best


@pytest.fixture(scope="module")
def headers() -> bytes:
    return os.urandom(80 * BATCH)


@pytest.fixture(scope="module")
def baseline_rate(request, headers: bytes) -> float:
    """hashlib.scrypt headers/s, measured once per run for every ratio, with
    the clock the benchmarks use (--benchmark-timer)."""
    timer = load_timer(request.config.getoption("benchmark_timer")).target
    return _hashlib_rate([headers[80 * i:80 * (i + 1)] for i in range(64)], timer)


def _record(benchmark, what: str, isa: str, baseline: float) -> None:
    rate = BATCH / benchmark.stats.stats.min
    benchmark.extra_info.update(
        {"algo": "scrypt", "impl": what, "isa": isa, "rate_hps": rate,
         "baseline_rate_hps": baseline, "ratio": rate / baseline}
    )
    print(f"\nscrypt {what} [{isa}]: {rate / 1e3:.2f} kH/s, hashlib {baseline / 1e3:.2f} kH/s, "
          f"ratio {rate / baseline:.1f}x")


def test_hashlib_baseline(benchmark, headers):
    items = [headers[80 * i:80 * (i + 1)] for i in range(64)]
    benchmark.pedantic(lambda: [hashlib_pow(h) for h in items], rounds=ROUNDS, iterations=1)
    rate = len(items) / benchmark.stats.stats.min
    benchmark.extra_info.update({"algo": "scrypt", "impl": "hashlib.scrypt", "rate_hps": rate})


@pytest.mark.parametrize("isa", SUPPORTED)
def test_hash_many(benchmark, isa, headers, baseline_rate):
    hasher, _ = _core.select("scrypt", isa)
    benchmark.pedantic(hasher.hash_many, args=(headers, 80), rounds=ROUNDS, iterations=1,
                       warmup_rounds=1)
    _record(benchmark, "hash_many", isa, baseline_rate)


@pytest.mark.parametrize("isa", SUPPORTED)
def test_scan(benchmark, isa, baseline_rate):
    hasher, _ = _core.select("scrypt", isa)
    # Target 0: nothing is found, every nonce is hashed and compared.
    benchmark.pedantic(hasher.scan, args=(HEADER, 0, BATCH, 0), rounds=ROUNDS, iterations=1,
                       warmup_rounds=1)
    _record(benchmark, "scan", isa, baseline_rate)


@pytest.mark.parametrize("isa", SUPPORTED)
def test_hash_one(benchmark, isa, baseline_rate):
    """Latency of one hash() (share validation): no lanes to fill."""
    hasher, _ = _core.select("scrypt", isa)
    benchmark.pedantic(hasher.hash, args=(HEADER,), rounds=50, iterations=1, warmup_rounds=2)
    rate = 1 / benchmark.stats.stats.min
    benchmark.extra_info.update(
        {"algo": "scrypt", "impl": "hash", "isa": isa, "rate_hps": rate,
         "baseline_rate_hps": baseline_rate, "ratio": rate / baseline_rate}
    )
