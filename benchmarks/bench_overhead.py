"""Per-call overhead of ``Hasher.hash()`` from Python over the raw kernel.

The raw kernel time comes from ``_time_hash``, which loops the same kernel
call in C++; ``hash()`` per call from a Python loop minus that minus the cost
of the Python loop itself (measured with a trivial builtin call) is the
overhead the interface adds.

Run: .venv/bin/python -m pytest benchmarks/bench_overhead.py -s
"""

from __future__ import annotations

import os

import pytest

from chimera_algo import algorithms, get_hasher

HEADER = os.urandom(80)
CALLS = 2000


# scrypt is left out: at ~150 µs a hash, tens of ns of call overhead do not register.
@pytest.mark.parametrize("algo", [a for a in ("sha256d", "blake3") if a in algorithms()])
def test_hash_call_overhead(benchmark, algo):
    hasher = get_hasher(algo)

    def python_calls() -> None:
        h = hasher.hash
        for _ in range(CALLS):
            h(HEADER)

    def python_loop() -> None:
        f = len
        for _ in range(CALLS):
            f(HEADER)

    benchmark(python_calls)
    per_call = benchmark.stats.stats.min / CALLS
    kernel = min(hasher._time_hash(HEADER, CALLS) for _ in range(20))
    loop = min(_timed(python_loop) for _ in range(20)) / CALLS
    overhead = per_call - kernel - loop
    benchmark.extra_info.update(
        per_call_ns=per_call * 1e9, kernel_ns=kernel * 1e9, loop_ns=loop * 1e9, overhead_ns=overhead * 1e9
    )
    print(
        f"\n{algo} ({hasher.isa}): hash() {per_call * 1e9:.0f} ns/call = kernel {kernel * 1e9:.0f} ns"
        f" + Python loop {loop * 1e9:.0f} ns + interface overhead {overhead * 1e9:.0f} ns"
    )


def _timed(fn) -> float:
    import time

    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
