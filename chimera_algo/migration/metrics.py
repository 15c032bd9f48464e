"""Counters and latency histograms for the metrics exporter."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

# Upper bounds in seconds; the last bucket catches everything above.
LATENCY_BUCKETS = (1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1.0, float("inf"))

COUNTERS = (
    "shares_in_experiment",  # answered while a shadow or rollout phase was on
    "shares_decided_by_candidate",
    "shares_compared",
    "mismatches",
    "candidate_errors",
    "candidate_timeouts",
    "candidate_fallbacks",
    "comparisons_dropped",
    "stale_shares",
    "transitions",
)


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def snapshot(self) -> dict:
        return {
            "buckets": {("+Inf" if b == float("inf") else repr(b)): c for b, c in zip(LATENCY_BUCKETS, self.counts)},
            "sum": self.total,
            "count": self.count,
        }


class MigrationMetrics:
    """Process-wide totals for one controller (all its migrations)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.latency = {"control": Histogram(), "candidate": Histogram()}

    def inc(self, name: str, by: int = 1) -> None:
        with self._lock:
            self.counters[name] += by

    def observe(self, side: str, seconds: float) -> None:
        with self._lock:
            self.latency[side].observe(seconds)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "counters": dict(self.counters),
                "latency_seconds": {side: h.snapshot() for side, h in self.latency.items()},
            }
