"""Throughput measurement of hashers against a Python baseline, run in the
same process and the same moment so the ratio is meaningful."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from chimera_algo.hasher import Hasher

HEADER_SIZE = 80


@dataclass(frozen=True)
class BenchResult:
    algo: str
    impl: str  # "scan" or "hash_many"
    isa: str
    rate_hps: float
    baseline_rate_hps: Optional[float]
    ratio: Optional[float]

    def as_dict(self) -> dict:
        return asdict(self)


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _scrypt(data: bytes) -> bytes:
    return hashlib.scrypt(data, salt=data, n=1024, r=1, p=1, dklen=32)


def _blake3() -> Optional[Callable[[bytes], bytes]]:
    try:
        from blake3 import blake3
    except ImportError:
        return None
    return lambda data: blake3(data).digest()


def baseline_for(algo: str) -> Optional[Callable[[bytes], bytes]]:
    """The reference Python implementation of ``algo``, or None if there is none."""
    if algo == "sha256d":
        return _sha256d
    if algo == "scrypt":
        return _scrypt
    if algo == "blake3":
        return _blake3()
    return None


def measure_rate(run: Callable[[int], None], seconds: float, start_batch: int = 16) -> float:
    """Items per second of ``run(n)`` (which processes ``n`` items), grown in
    batch size until one call takes ~1/20 of the budget, then timed for the rest."""
    batch = start_batch
    slice_ = max(seconds / 20, 0.005)
    while True:
        t0 = time.perf_counter()
        run(batch)
        dt = time.perf_counter() - t0
        if dt >= slice_ or batch >= 1 << 26:
            break
        batch *= 2 if dt == 0 else max(2, min(8, int(slice_ / dt)))
    done = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while time.perf_counter() < deadline:
        run(batch)
        done += batch
    return done / (time.perf_counter() - t0)


def _baseline_rate(fn: Callable[[bytes], bytes], seconds: float) -> float:
    headers = [os.urandom(HEADER_SIZE) for _ in range(64)]

    def run(n: int) -> None:
        for i in range(n):
            fn(headers[i & 63])

    return measure_rate(run, seconds, start_batch=4)


def bench_hasher(
    hasher: Hasher,
    seconds: float,
    impls: tuple[str, ...] = ("scan", "hash_many"),
    on_step: Callable[[str], None] = lambda step: None,
) -> list[BenchResult]:
    """Rates of ``hasher``'s scan and hash_many on 80-byte headers vs its baseline."""
    baseline = baseline_for(hasher.name)
    baseline_rate = None
    if baseline is not None:
        on_step(f"{hasher.name} baseline")
        baseline_rate = _baseline_rate(baseline, seconds)
    header = os.urandom(HEADER_SIZE)
    buffer = os.urandom(HEADER_SIZE * 4096)
    nonce = [0]

    def scan(n: int) -> None:
        # target 0: nothing is found, so the loop measures pure search speed.
        hasher.scan(header, nonce[0], n, 0)
        nonce[0] = (nonce[0] + n) & 0xFFFFFFFF

    def hash_many(n: int) -> None:
        for off in range(0, n, 4096):
            k = min(4096, n - off)
            hasher.hash_many(memoryview(buffer)[: k * HEADER_SIZE], HEADER_SIZE)

    runners = {"scan": scan, "hash_many": hash_many}
    results = []
    for impl in impls:
        on_step(f"{hasher.name} {impl}")
        rate = measure_rate(runners[impl], seconds)
        ratio = rate / baseline_rate if baseline_rate else None
        results.append(BenchResult(hasher.name, impl, hasher.isa, rate, baseline_rate, ratio))
    return results
