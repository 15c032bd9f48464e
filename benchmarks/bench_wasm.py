"""WASM sha256d (the plugins/sha256d-wasm package) against the native scalar
kernel, end to end from Python, on 80-byte headers.

Run: .venv/bin/python -m pytest benchmarks/bench_wasm.py -s
Goal (issue 5): WASM hash_many >= 0.7x the native *scalar* kernel. Also
reports the per-call overhead and the batch size where it stops mattering.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from chimera_algo import _core
from chimera_algo.packages.builder import compile_artifact, load_spec
from chimera_algo.packages.toolchain import wasm_compiler
from chimera_algo.packages.wasm import WasmHasher

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "sha256d-wasm"
BATCH = 4096
SWEEP = (1, 4, 16, 64, 256, 1024, 4096, 16384)


@pytest.fixture(scope="module")
def wasm() -> WasmHasher:
    if wasm_compiler() is None:
        pytest.skip("clang + wasm-ld needed to build the plugin")
    with tempfile.TemporaryDirectory() as tmp:
        _, data = compile_artifact(PLUGIN, load_spec(PLUGIN), Path(tmp))
    return WasmHasher(data, name="sha256d", version="bench", digest_size=32)


@pytest.fixture(scope="module")
def native():
    return _core.select("sha256d", "scalar")[0]


@pytest.fixture(scope="module")
def headers() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, size=(BATCH, 80), dtype=np.uint8)


def test_native_scalar_hash_many(benchmark, native, headers):
    benchmark.extra_info["headers_per_call"] = BATCH
    benchmark(native.hash_many, headers, 80)


def test_wasm_hash_many(benchmark, wasm, native, headers):
    assert wasm.hash_many(headers, 80) == native.hash_many(headers, 80)
    benchmark.extra_info["headers_per_call"] = BATCH
    benchmark(wasm.hash_many, headers, 80)


def _rate(fn, items: int, budget_s: float = 0.4) -> float:
    """Best-of-5 items/s, each round at least ~budget/5 long."""
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 > budget_s / 5:
            break
        reps *= 2
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return items / best


def test_ratio_overhead_and_batch_size(wasm, native, headers, benchmark):
    """The summary: ratio at BATCH, per-call overhead, the batch sweep."""
    data = headers.tobytes()
    wasm_rate = _rate(lambda: wasm.hash_many(data, 80), BATCH)
    native_rate = _rate(lambda: native.hash_many(data, 80), BATCH)
    overhead = wasm.call_overhead(2000)
    one = bytes(80)
    single_wasm = 1 / _rate(lambda: wasm.hash(one), 1)
    single_native = 1 / _rate(lambda: native.hash(one), 1)
    sweep = {}
    for n in SWEEP:
        chunk = (data * (1 + n // BATCH))[: 80 * n]
        sweep[n] = _rate(lambda: wasm.hash_many(chunk, 80), n)
    plateau = max(sweep.values())
    knee = min(n for n, r in sweep.items() if r >= 0.9 * plateau)
    ratio = wasm_rate / native_rate
    print()
    print(f"sha256d hash_many, {BATCH} x 80-byte headers per call")
    print(f"  wasm (4-lane SIMD128, fuel-metered)  {wasm_rate / 1e6:8.3f} MH/s")
    print(f"  native scalar kernel                 {native_rate / 1e6:8.3f} MH/s")
    print(f"  ratio wasm / native scalar           {ratio:8.2f}x   (goal >= 0.7x)")
    print(f"  per-call overhead (empty batch)      {overhead * 1e6:8.2f} us")
    print(f"  hash() of one header: wasm {single_wasm * 1e6:.2f} us, native {single_native * 1e6:.2f} us")
    print("  batch size -> wasm MH/s: " + ", ".join(f"{n}: {r / 1e6:.2f}" for n, r in sweep.items()))
    print(f"  overhead stops mattering (>= 90% of peak) at batch {knee}")
    benchmark.extra_info.update(
        wasm_hps=wasm_rate, native_scalar_hps=native_rate, ratio=ratio, call_overhead_us=overhead * 1e6,
        batch_knee=knee, sweep_hps={str(k): v for k, v in sweep.items()},
    )
    benchmark.pedantic(lambda: None, rounds=1)  # the numbers above are the result
