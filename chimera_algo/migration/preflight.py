"""Checks run before a candidate may decide anything: self-test vectors,
warming, and a benchmark against the control (``performance_impact``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chimera_algo.hasher import Hasher
from chimera_algo.migration.clock import Clock

VECTOR_COUNT = 64
BENCH_ROUNDS = 256


class PreflightError(RuntimeError):
    pass


def test_vectors(count: int = VECTOR_COUNT) -> list[bytes]:
    """Fixed 80-byte headers: the same on every run and every machine."""
    return [
        (hashlib.sha512(f"chimera-preflight-{i}".encode()).digest()
         + hashlib.sha256(f"chimera-preflight-tail-{i}".encode()).digest())[:80]
        for i in range(count)
    ]


@dataclass(frozen=True)
class PreflightReport:
    performance_impact: float  # percent: positive = candidate slower


def _bench(hasher: Hasher, vectors: list[bytes], clock: Clock) -> float:
    start = clock.cpu()
    for i in range(BENCH_ROUNDS):
        hasher.hash(vectors[i % len(vectors)])
    return clock.cpu() - start


def run_preflight(control: Hasher, candidate: Hasher, same_pow: bool, clock: Clock) -> PreflightReport:
    vectors = test_vectors()
    for i, vector in enumerate(vectors):
        try:
            got = bytes(candidate.hash(vector))
        except Exception as exc:
            raise PreflightError(f"candidate raised on self-test vector {i}: {type(exc).__name__}: {exc}") from exc
        if len(got) != candidate.digest_size:
            raise PreflightError(f"candidate returned {len(got)} bytes on vector {i}, "
                                 f"declares digest_size {candidate.digest_size}")
        if same_pow:
            want = bytes(control.hash(vector))
            if got != want:
                raise PreflightError(f"candidate digest differs from the control on self-test vector {i}: "
                                     f"{got.hex()} != {want.hex()}")
        elif bytes(candidate.hash(vector)) != got:
            raise PreflightError(f"candidate is not deterministic on self-test vector {i}")
    control_time = _bench(control, vectors, clock)
    candidate_time = _bench(candidate, vectors, clock)
    impact = (candidate_time / control_time - 1) * 100 if control_time > 0 else 0.0
    # DECIMAL(5,2) in the data model
    return PreflightReport(performance_impact=round(max(-999.99, min(999.99, impact)), 2) + 0.0)
