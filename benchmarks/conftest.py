"""Shared benchmark helpers: rates against a baseline measured in the same run.

A baseline benchmark calls ``rates.baseline(key, benchmark, items_per_call)``
after ``benchmark(...)``; the others ``rates.compare(key, ...)``. The rate
(items per second, from the fastest round: the machine is shared, the fastest
round is the least disturbed) and its ratio to the baseline go into
``benchmark.extra_info`` (so into ``--benchmark-json``) and into a table
printed at the end of the run. Put baselines first in a file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import pytest


@dataclass
class RateRecord:
    name: str
    rate_hps: float
    baseline_hps: float

    @property
    def ratio(self) -> float:
        return self.rate_hps / self.baseline_hps


_records: list[RateRecord] = []


def best_rate(fn: Callable[[], object], items: int, repeats: int = 7, min_seconds: float = 0.05) -> float:
    """Items per second of ``fn`` (which handles ``items`` items per call), best of
    ``repeats`` timings of at least ``min_seconds`` each: the machine is shared,
    the fastest run is the least disturbed."""
    calls = 1
    while True:
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - t >= min_seconds:
            break
        calls *= 2
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t) / calls)
    return items / best


_baselines: dict[str, float] = {}


@dataclass
class Rates:
    """Records rates; baselines are keyed so later benchmarks can compare."""

    test_name: str

    def baseline(self, key: str, benchmark, items_per_call: int) -> float:
        """Record ``benchmark`` (already run) as the baseline ``key``."""
        rate = items_per_call / benchmark.stats.stats.min
        _baselines[key] = rate
        self._record(benchmark, rate, rate)
        return rate

    def compare(self, key: str, benchmark, items_per_call: int,
                fallback: Callable[[], float]) -> RateRecord:
        """Rate of ``benchmark`` (already run) against baseline ``key``;
        ``fallback()`` measures the baseline when its benchmark was not run."""
        if key not in _baselines:
            _baselines[key] = fallback()
        rate = items_per_call / benchmark.stats.stats.min
        return self._record(benchmark, rate, _baselines[key])

    def _record(self, benchmark, rate: float, baseline: float) -> RateRecord:
        record = RateRecord(self.test_name, rate, baseline)
        benchmark.extra_info.update(rate_hps=rate, baseline_rate_hps=baseline, ratio=record.ratio)
        _records.append(record)
        return record


@pytest.fixture
def rates(request) -> Rates:
    return Rates(request.node.name)


def pytest_terminal_summary(terminalreporter):
    if not _records:
        return
    tr = terminalreporter
    tr.section("rates against the same-run baseline (best round)")
    tr.write_line(f"{'benchmark':48s} {'rate/s':>14s} {'baseline/s':>14s} {'ratio':>8s}")
    for r in _records:
        tr.write_line(f"{r.name:48s} {r.rate_hps:14,.0f} {r.baseline_hps:14,.0f} {r.ratio:8.2f}")
