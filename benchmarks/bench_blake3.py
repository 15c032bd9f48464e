"""blake3 on 80-byte headers: our kernels vs the ``blake3`` package, same run.

Run: ``.venv/bin/python -m pytest benchmarks/bench_blake3.py``. Each of our
benchmarks records ``rate_hps``, ``baseline_rate_hps`` (the ``blake3``
package called once per header, measured in this run) and ``ratio`` in
``benchmark.extra_info``; a summary table is printed at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import blake3 as blake3_ref
import numpy as np
import pytest

from chimera_algo import _core

HEADERS = 4096
SCAN_NONCES = 1 << 16
COMPILED = [isa for isa, _ in _core.variants("blake3")]
SUPPORTED = {isa for isa, ok in _core.variants("blake3") if ok}


@pytest.fixture(scope="module")
def headers() -> bytes:
    return np.random.default_rng(2026).bytes(80 * HEADERS)


def package_per_header(header_list: list[bytes]) -> list[bytes]:
    return [blake3_ref.blake3(h).digest() for h in header_list]


def best_rate(fn: Callable[[], object], items: int, repeats: int = 7) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return items / best


@pytest.fixture(scope="module")
def baseline_rate(headers: bytes) -> float:
    """Headers/s of the blake3 package, one call per header (best of 7)."""
    header_list = [headers[i : i + 80] for i in range(0, len(headers), 80)]
    return best_rate(lambda: package_per_header(header_list), HEADERS)


@pytest.fixture(scope="module")
def summary(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    lines: list[str] = []
    yield lines
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if not (reporter and capture and lines):
        return
    with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
        reporter.write_line("")
        reporter.write_line("blake3, 80-byte headers (rate from the fastest round):")
        for line in lines:
            reporter.write_line("  " + line)


def record(benchmark, summary: list[str], label: str, isa: str, items: int, baseline: float) -> None:
    if benchmark.stats is None:  # --benchmark-disable: nothing was timed
        return
    rate = items / benchmark.stats.stats.min
    benchmark.extra_info.update(
        {"isa": isa, "rate_hps": rate, "baseline_rate_hps": baseline, "ratio": rate / baseline}
    )
    summary.append(
        f"{label:<10} {isa:<7} {rate / 1e6:8.2f} M/s   baseline {baseline / 1e6:5.2f} M/s"
        f"   ratio {rate / baseline:6.1f}x"
    )


def hasher_for(isa: str) -> _core.NativeHasher:
    if isa not in SUPPORTED:
        pytest.skip(f"this CPU lacks {isa}")
    h, _ = _core.select("blake3", isa)
    return h


def test_baseline_package_per_header(benchmark, headers: bytes, baseline_rate: float, summary) -> None:
    header_list = [headers[i : i + 80] for i in range(0, len(headers), 80)]
    benchmark(package_per_header, header_list)
    record(benchmark, summary, "package", "-", HEADERS, baseline_rate)


@pytest.mark.parametrize("isa", COMPILED)
def test_hash_many(benchmark, isa: str, headers: bytes, baseline_rate: float, summary) -> None:
    h = hasher_for(isa)
    benchmark(h.hash_many, headers, 80)
    record(benchmark, summary, "hash_many", isa, HEADERS, baseline_rate)


@pytest.mark.parametrize("isa", COMPILED)
def test_scan(benchmark, isa: str, headers: bytes, baseline_rate: float, summary) -> None:
    h = hasher_for(isa)
    # Target 0: no hits, so this is the pure search rate.
    benchmark(h.scan, headers[:80], 0, SCAN_NONCES, 0)
    record(benchmark, summary, "scan", isa, SCAN_NONCES, baseline_rate)
