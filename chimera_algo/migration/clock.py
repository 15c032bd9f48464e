"""Time sources: the controller never reads the system clock directly, so tests
drive it with :class:`FakeClock` and never sleep."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock seconds since the epoch (schedules, phase timers)."""
        ...

    def perf(self) -> float:
        """Monotonic seconds (wall-clock durations, timeouts)."""
        ...

    def cpu(self) -> float:
        """This thread's CPU seconds: an implementation's own cost, without
        the time its thread waited for the interpreter lock or a core."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def perf(self) -> float:
        return time.perf_counter()

    def cpu(self) -> float:
        return time.thread_time()


class FakeClock:
    """A clock that moves only when told to; ``perf`` and ``now`` move together."""

    def __init__(self, start: float = 1_800_000_000.0):
        self._start = start
        self._elapsed = 0.0  # kept apart from the epoch so microseconds stay exact
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._start + self._elapsed

    def perf(self) -> float:
        return self._elapsed

    def cpu(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._elapsed += seconds
