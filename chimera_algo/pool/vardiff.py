"""Per-connection variable difficulty.

Counts accepted shares over a retarget window; when the mean interval leaves
the band ``target_interval * (1 ± variance)``, proposes a new difficulty
proportional to the observed rate, clamped to [min, max] and to at most a
factor of 4 per step so one lucky burst cannot swing it wildly.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_STEP = 4.0


@dataclass(frozen=True)
class VardiffSettings:
    target_interval: float = 10.0  # seconds between shares
    retarget_window: float = 60.0  # seconds of history per decision
    variance: float = 0.3  # tolerated relative deviation
    min_difficulty: float = 0.001
    max_difficulty: float = 1e12


class Vardiff:
    def __init__(self, settings: VardiffSettings, now: float):
        self.settings = settings
        self.window_start = now
        self.shares = 0

    def record_share(self, difficulty: float, now: float) -> float | None:
        """Note an accepted share; return a new difficulty when one is due."""
        self.shares += 1
        return self.retarget(difficulty, now)

    def retarget(self, difficulty: float, now: float) -> float | None:
        """Called on shares and periodically (a miner gone silent needs a
        lower difficulty too)."""
        s = self.settings
        elapsed = now - self.window_start
        # Decide early when shares flood in (a fast miner at min difficulty).
        flood = self.shares >= 4 * s.retarget_window / s.target_interval
        if elapsed < s.retarget_window and not flood:
            return None
        if elapsed <= 0:
            return None
        self.window_start = now
        shares, self.shares = self.shares, 0
        interval = elapsed / shares if shares else float("inf")
        low, high = s.target_interval * (1 - s.variance), s.target_interval * (1 + s.variance)
        if low <= interval <= high:
            return None
        factor = s.target_interval / interval  # >1: shares too fast → harder
        factor = max(1 / MAX_STEP, min(MAX_STEP, factor))
        new = max(s.min_difficulty, min(s.max_difficulty, difficulty * factor))
        return None if new == difficulty else new
