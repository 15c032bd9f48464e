"""Shares, results and the comparison of control against candidate.

GitHub-Scientist style: the control's result always wins during shadow; the
candidate's exceptions and timeouts become data (:class:`SideResult`), never
raised to the miner.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Optional

from chimera_algo.hasher import Buffer, Hasher, JobLike

from chimera_algo.migration.clock import Clock
from chimera_algo.migration.model import Thresholds


@dataclass(frozen=True)
class Share:
    """What the controller needs of a submitted share."""

    id: str
    job: JobLike
    worker: str
    header: bytes
    target: int


@dataclass(frozen=True)
class SideResult:
    """One implementation's run on one share."""

    algorithm: str
    digest: Optional[bytes]
    latency: float  # CPU seconds of the call (what the analysis compares)
    error: Optional[str] = None
    timed_out: bool = False
    exception: Optional[Exception] = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.digest is not None

    def valid_for(self, target: int) -> bool:
        return self.ok and int.from_bytes(self.digest, "little") <= target  # type: ignore[arg-type]


@dataclass(frozen=True)
class Verdict:
    """The answer given to the miner: exactly one per share."""

    share_id: str
    valid: bool
    algorithm: str  # the implementation that decided
    digest: Optional[bytes]
    reason: str = ""
    stale: bool = False  # the job's algorithm was replaced and its grace window ended


def run_side(hasher: Hasher, algorithm: str, header: Buffer, clock: Clock,
             timeout: Optional[float] = None) -> SideResult:
    """Run ``hasher`` on ``header``, turning exceptions and overruns into data.

    ``latency`` is the thread's CPU time for the call: the candidate runs on
    an executor thread that may wait for the interpreter lock while the
    answering thread works, and that wait is not the candidate's cost.
    ``timeout`` is checked against wall-clock time (a hung call)."""
    wall, cpu = clock.perf(), clock.cpu()
    try:
        digest = hasher.hash(header)
    except Exception as exc:  # candidate faults are recorded, never raised
        return SideResult(algorithm, None, clock.cpu() - cpu, error=f"{type(exc).__name__}: {exc}",
                          exception=exc)
    latency, elapsed = clock.cpu() - cpu, clock.perf() - wall
    if timeout is not None and elapsed > timeout:
        return SideResult(algorithm, None, latency, timed_out=True,
                          error=f"timed out after {elapsed:.3f}s (limit {timeout:.3f}s)")
    return SideResult(algorithm, bytes(digest), latency)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in (0, 100]) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Analysis:
    passed: bool
    enough_samples: bool
    reason: str
    compared: int
    mismatch_rate: float
    error_rate: float
    p99_control: Optional[float]
    p99_candidate: Optional[float]

    @property
    def p99_ratio(self) -> Optional[float]:
        if not self.p99_control or self.p99_candidate is None:
            return None
        return self.p99_candidate / self.p99_control


MAX_LATENCY_SAMPLES = 100_000


@dataclass
class StepStats:
    """What one phase (shadow or a rollout step) observed; thread-safe."""

    compared: int = 0
    mismatches: int = 0
    errors: int = 0
    timeouts: int = 0
    first_mismatch: Optional[str] = None
    first_error: Optional[str] = None
    control_latency: list[float] = field(default_factory=list)
    candidate_latency: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, share: Share, control: SideResult, candidate: SideResult, compare_digests: bool) -> bool:
        """Count one comparison; True when it is a mismatch."""
        mismatch = False
        with self._lock:
            self.compared += 1
            if len(self.control_latency) < MAX_LATENCY_SAMPLES:
                self.control_latency.append(control.latency)
                self.candidate_latency.append(candidate.latency)
            if not candidate.ok:
                self.errors += 1
                self.timeouts += candidate.timed_out
                if self.first_error is None:
                    self.first_error = f"share {share.id} (worker {share.worker}): {candidate.error}"
            elif compare_digests and control.ok and candidate.digest != control.digest:
                mismatch = True
                self.mismatches += 1
                if self.first_mismatch is None:
                    self.first_mismatch = (
                        f"share {share.id} (job height {share.job.height}, worker {share.worker}): "
                        f"{control.algorithm} digest {control.digest.hex()} "  # type: ignore[union-attr]
                        f"!= {candidate.algorithm} digest {candidate.digest.hex()}"  # type: ignore[union-attr]
                    )
        return mismatch

    def analyze(self, limits: Thresholds) -> Analysis:
        with self._lock:
            compared = self.compared
            mismatch_rate = self.mismatches / compared if compared else 0.0
            error_rate = self.errors / compared if compared else 0.0
            p99_control = percentile(self.control_latency, 99) if self.control_latency else None
            p99_candidate = percentile(self.candidate_latency, 99) if self.candidate_latency else None
            first_mismatch, first_error = self.first_mismatch, self.first_error
            mismatches, errors, timeouts = self.mismatches, self.errors, self.timeouts
        result = Analysis(True, compared >= limits.min_samples, "", compared, mismatch_rate,
                          error_rate, p99_control, p99_candidate)
        failures = []
        if mismatches and mismatch_rate > limits.max_mismatch_rate:
            failures.append(f"{mismatches} mismatch(es) in {compared} compared shares "
                            f"(rate {mismatch_rate:.6f} > {limits.max_mismatch_rate}); first: {first_mismatch}")
        if errors and error_rate > limits.max_error_rate:
            failures.append(f"candidate failed on {errors} of {compared} shares ({timeouts} timeouts; "
                            f"rate {error_rate:.4f} > {limits.max_error_rate}); first: {first_error}")
        ratio = result.p99_ratio
        if result.enough_samples and ratio is not None and ratio > limits.max_p99_latency_ratio:
            failures.append(f"candidate p99 latency {p99_candidate * 1e6:.1f}us is {ratio:.1f}x the "  # type: ignore[operator]
                            f"control's {p99_control * 1e6:.1f}us (limit {limits.max_p99_latency_ratio}x)")  # type: ignore[operator]
        if failures:
            result.passed = False
            result.reason = "; ".join(failures)
        elif not result.enough_samples:
            result.reason = f"waiting for samples: {compared} of {limits.min_samples} compared"
        return result
