"""The migration controller: the pool's :class:`HasherProvider` while one
implementation (or algorithm) replaces another.

Rules that make it safe:
* Every transition is written to the repository (with optimistic locking)
  before the in-memory state that routes shares changes, then announced on
  the event mirror so other pool processes reload.
* The miner's answer is computed by one side only; the other side runs later
  on the comparison executor and reports through :meth:`record`.
* A job is judged by the algorithm recorded when it was issued; during a
  same-PoW rollout a sticky cohort of workers is judged by the candidate.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Optional

from chimera_algo.hasher import Buffer, Hasher, JobLike
from chimera_algo.migration import cohort
from chimera_algo.migration.clock import Clock, SystemClock
from chimera_algo.migration.errors import (
    AlgorithmNotInstalledError,
    InvalidCommandError,
    MigrationConflictError,
    MigrationError,
    ScheduleInPastError,
    SameVersionError,
    StaleJobError,
    StaleRevisionError,
)
from chimera_algo.migration.executor import BackgroundExecutor, ComparisonExecutor
from chimera_algo.migration.experiment import Share, SideResult, StepStats, Verdict, run_side
from chimera_algo.migration.metrics import MigrationMetrics
from chimera_algo.migration.model import (
    DEFAULT_STEPS,
    Migration,
    Phase,
    Status,
    Strategy,
    Thresholds,
    split_algorithm,
)
from chimera_algo.migration.persistence import Event, MigrationEvents, MigrationRepository
from chimera_algo.migration.preflight import PreflightError, run_preflight
from chimera_algo.migration.resolver import CachingResolver, Resolver, default_resolver

log = logging.getLogger(__name__)

MAX_SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class Route:
    """Which implementation answers a share and which one checks it."""

    decider: str
    checker: Optional[str]
    candidate_decides: bool


class ComparingHasher(Hasher):
    """The deciding implementation, with the other side checked off the answer path.

    ``hash`` is the compared call (``meets_target`` goes through it);
    ``hash_many`` and ``scan`` are the decider's, uncompared."""

    def __init__(self, controller: "MigrationController", decider: Hasher, route: Route, job: JobLike, worker: str):
        self.name, self.version = decider.name, decider.version
        self.digest_size, self.isa = decider.digest_size, decider.isa
        self._controller, self._decider, self._route = controller, decider, route
        self._job, self._worker = job, worker

    def hash(self, data: Buffer) -> bytes:
        header = bytes(data)
        share = Share(f"h:{hashlib.sha256(header).hexdigest()[:16]}", self._job, self._worker, header, 0)
        result = self._controller._decide(share, self._route, self._decider)
        if result.exception is not None:
            raise result.exception
        if result.digest is None:
            raise RuntimeError(result.error or "no digest")
        return result.digest

    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        return self._decider.hash_many(data, item_size)

    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        return self._decider.scan(header, start_nonce, count, target)


def _comparing(m: Migration) -> bool:
    return m.status == Status.IN_PROGRESS and (
        m.current_phase == Phase.SHADOW or Phase.rollout_percent(m.current_phase) is not None)


def _validate_steps(steps: Iterable[int]) -> tuple[int, ...]:
    steps = tuple(steps)
    if not steps or any(not isinstance(s, int) or isinstance(s, bool) for s in steps):
        raise MigrationError(f"steps must be whole percentages like 1,5,25,50,100, got {steps!r}")
    if any(not 0 < s <= 100 for s in steps) or list(steps) != sorted(set(steps)) or steps[-1] != 100:
        raise MigrationError(f"steps must rise strictly within 1..100 and end at 100, got {list(steps)}")
    return steps


class MigrationController:
    """Per-pool controller. Construct one in every pool process (and in the CLI);
    they coordinate through the repository and the event mirror."""

    def __init__(
        self,
        pool: str,
        repository: MigrationRepository,
        *,
        baseline: Optional[str] = None,
        resolver: Resolver = default_resolver,
        clock: Optional[Clock] = None,
        executor: Optional[ComparisonExecutor] = None,
        events: Optional[MigrationEvents] = None,
        metrics: Optional[MigrationMetrics] = None,
    ):
        if not isinstance(pool, str) or not 0 < len(pool) <= 100:
            raise ValueError(f"pool must be a name or id of 1 to 100 characters, got {pool!r}")
        if baseline is not None:
            split_algorithm(baseline)
        self.pool = pool
        self.baseline = baseline
        self.metrics = metrics or MigrationMetrics()
        self._repo = repository
        self._resolve = CachingResolver(resolver)
        self._clock = clock or SystemClock()
        self._executor = executor  # a BackgroundExecutor is started on first use
        self._owned_executor: Optional[BackgroundExecutor] = None
        self._events = events
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Event], None]] = []
        self._stats = StepStats()
        self._stats_key: tuple[str, str] | None = None
        self._resume_checked: set[str] = set()
        self._tip: Optional[int] = None
        self._m: Optional[Migration] = repository.latest_for_pool(pool)
        self._unsubscribe = events.subscribe(self._on_event) if events is not None else None

    # ----------------------------------------------------------------- state
    @property
    def migration(self) -> Optional[Migration]:
        """The pool's latest migration as this process last saw it."""
        return self._m

    def current_algorithm(self) -> str:
        """The implementation the pool runs outside any migration: from the
        pool's migration history, else the ``baseline`` given."""
        m = self._m
        if m is None:
            if self.baseline is None:
                raise MigrationError(f"pool {self.pool} has no migration history and no baseline: "
                                     "say which NAME@VERSION it runs now")
            return self.baseline
        return m.to_algorithm if m.status == Status.COMPLETED else m.from_algorithm

    def step_stats(self) -> StepStats:
        return self._stats

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Local events: transitions, mismatches, candidate errors."""
        self._listeners.append(listener)

    def close(self) -> None:
        """Stop following events; the executor this controller started runs
        what is queued, then its threads end (may wait: not on an event loop)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        with self._lock:
            executor, self._owned_executor = self._owned_executor, None
            if executor is not None and self._executor is executor:
                self._executor = None
        if executor is not None:
            executor.close()

    def refresh(self) -> Optional[Migration]:
        """Reload the pool's latest migration from the repository."""
        latest = self._repo.latest_for_pool(self.pool)
        with self._lock:
            cur = self._m
            if latest is not None and (cur is None or latest.id != cur.id or latest.revision > cur.revision):
                self._m = latest
        return self._m

    def _on_event(self, event: Event) -> None:
        if event.get("pool") != self.pool:
            return
        cur = self._m
        if cur is None or event.get("id") != cur.id or int(event.get("revision", 0)) > cur.revision:
            try:
                m = self.refresh()
            except Exception:  # the next tick reloads anyway
                log.exception("reloading migration state after an event failed")
                return
            if m is not None:
                self._notify({"type": "migration.followed", "id": m.id, "pool": self.pool,
                              "revision": m.revision, "current_phase": m.current_phase})

    # ------------------------------------------------------------- pool seam
    def algorithm_for_new_job(self, height: int) -> str:
        if not isinstance(height, int) or isinstance(height, bool) or height < 0:
            raise ValueError(f"height must be a non-negative integer, got {height!r}")
        self._tip = height if self._tip is None else max(self._tip, height)
        m = self._m
        if m is not None and m.current_phase == Phase.ARMED and self._schedule_due(m, height):
            m = self._switch()
        return self._new_job_algorithm(m, height)

    def hasher_for(self, job: JobLike, worker: str) -> Hasher:
        """The hasher whose digest decides a share of ``worker`` for ``job``.

        Outside a comparing phase it is the plain implementation. During
        shadow/rollout it is a :class:`ComparingHasher`: its ``hash`` returns
        the deciding side's digest at once and queues the other side's check,
        so a pool that only calls ``hasher_for(job, worker).hash(header)`` gets
        the experiment for free. Raises StaleJobError past the grace window."""
        route = self._route(job, worker)
        hasher = self._resolve(route.decider)
        if route.checker is None:
            return hasher
        return ComparingHasher(self, hasher, route, job, worker)

    def judge(self, share: Share) -> Verdict:
        """Exactly one verdict for ``share``; the checking side runs later."""
        try:
            route = self._route(share.job, share.worker)
        except StaleJobError as exc:
            self.metrics.inc("stale_shares")
            return Verdict(share.id, False, share.job.algorithm, None, reason=f"stale: {exc}", stale=True)
        result = self._decide(share, route)
        return Verdict(share.id, result.valid_for(share.target), result.algorithm, result.digest,
                       reason=result.error or "")

    def _decide(self, share: Share, route: Route, decider: Optional[Hasher] = None) -> SideResult:
        """Run the deciding side now; queue the checking side."""
        m = self._m
        timeout = m.candidate_timeout if m is not None else None
        result = run_side(decider or self._resolve(route.decider), route.decider, share.header, self._clock,
                          timeout if route.candidate_decides else None)
        if route.checker is not None:
            self.metrics.inc("shares_in_experiment")
        if route.candidate_decides:
            self.metrics.inc("shares_decided_by_candidate")
            if not result.ok:
                # The candidate failed while deciding: the control answers instead.
                self.metrics.inc("candidate_fallbacks")
                candidate = result
                result = run_side(self._resolve(route.checker), route.checker, share.header, self._clock)  # type: ignore[arg-type]
                self._submit(functools.partial(self.record, share, result, candidate))
                return result
        if route.checker is not None and m is not None and cohort.sampled(share.id, m.sample_rate, m.salt):
            self._submit(functools.partial(self._check_later, share, route, result, timeout))
        return result

    def record(self, share: Share, control: SideResult, candidate: SideResult) -> None:
        """Count one control/candidate comparison; a mismatch beyond the
        threshold fails the current phase at once."""
        self.metrics.inc("shares_compared")
        self.metrics.observe("control", control.latency)
        self.metrics.observe("candidate", candidate.latency)
        if not candidate.ok:
            self.metrics.inc("candidate_errors")
            if candidate.timed_out:
                self.metrics.inc("candidate_timeouts")
        m = self._m
        if m is None or not _comparing(m):
            return
        stats = self._stats_for(m)
        mismatch = stats.add(share, control, candidate, compare_digests=not m.algorithm_change)
        if mismatch:
            self.metrics.inc("mismatches")
            self._notify({"type": "migration.mismatch", "id": m.id, "pool": self.pool, "share": share.id,
                          "worker": share.worker, "phase": m.current_phase})
        elif not candidate.ok:
            self._notify({"type": "migration.candidate_error", "id": m.id, "pool": self.pool,
                          "share": share.id, "error": candidate.error})
        if mismatch and m.thresholds.max_mismatch_rate == 0:
            self._fail_phase(m.id, stats.analyze(m.thresholds).reason)

    # ------------------------------------------------------------ the clock
    def tick(self) -> Optional[Migration]:
        """Advance time-driven transitions; call about once a second."""
        self.refresh()
        m = self._m
        if m is None or m.finished:
            return m
        if m.id not in self._resume_checked:
            self._resume_checked.add(m.id)
            if self._abandon_if_unresumable(m):
                return self._m
        now = self._clock.now()
        if m.current_phase in (Phase.CREATED, Phase.PREFLIGHT):
            self._preflight()
        elif _comparing(m) and not m.paused:
            held = m.shadow_duration if m.current_phase == Phase.SHADOW else m.phase_duration
            if now - (m.phase_started_at or now) >= held:
                self._analyze_and_advance(m)
        elif m.current_phase == Phase.ARMED and m.scheduled_at is not None and now >= m.scheduled_at:
            self._switch()
        elif m.current_phase == Phase.SWITCHED and now >= (m.switched_at or now) + m.grace_seconds:
            self._apply(lambda cur: self._completion(cur) if cur.current_phase == Phase.SWITCHED else None)
        return self._m

    # ---------------------------------------------------- operator commands
    def start(
        self,
        to: str,
        strategy: str | Strategy,
        *,
        steps: Iterable[int] = DEFAULT_STEPS,
        shadow_duration: int = 300,
        phase_duration: int = 600,
        rollback_on_error: bool = True,
        at: Optional[float] = None,
        height: Optional[int] = None,
        sample_rate: float = 1.0,
        grace_seconds: int = 120,
        candidate_timeout: float = 2.0,
        thresholds: Optional[Thresholds] = None,
        current_height: Optional[int] = None,
    ) -> Migration:
        """Validate, persist and preflight a migration of this pool to ``to``.

        Raises a :class:`MigrationError` subclass, with nothing changed, for a
        request that cannot be carried out."""
        try:
            strategy = Strategy(strategy)
        except ValueError:
            raise MigrationError(f"strategy must be one of immediate, gradual, scheduled; got {strategy!r}") from None
        split_algorithm(to)
        steps = _validate_steps(steps)
        for name, value in (("shadow_duration", shadow_duration), ("phase_duration", phase_duration),
                            ("grace_seconds", grace_seconds)):
            if not isinstance(value, int) or value < 0:
                raise MigrationError(f"{name} must be a whole number of seconds >= 0, got {value!r}")
        if not 0 < sample_rate <= 1:
            raise MigrationError(f"sample_rate must be in (0, 1], got {sample_rate}")
        if candidate_timeout <= 0:
            raise MigrationError(f"candidate_timeout must be positive, got {candidate_timeout}")
        now = self._clock.now()
        if strategy == Strategy.SCHEDULED:
            if (at is None) == (height is None):
                raise MigrationError("a scheduled migration needs exactly one of a time (--at) or a height (--height)")
            if at is not None and at <= now:
                raise ScheduleInPastError(f"the switch time {at:.0f} is in the past (now {now:.0f})")
            if height is not None:
                if not isinstance(height, int) or height < 0:
                    raise MigrationError(f"height must be a non-negative integer, got {height!r}")
                tip = current_height if current_height is not None else self._tip
                if tip is not None and height <= tip:
                    raise ScheduleInPastError(f"the switch height {height} is not above the current height {tip}")
        elif at is not None or height is not None:
            raise MigrationError(f"--at/--height only apply to the scheduled strategy, not {strategy.value}")

        self.refresh()
        previous = self._m
        if previous is not None and not previous.finished:
            raise MigrationConflictError(
                f"pool {self.pool} already has migration {previous.id} "
                f"({previous.status.value}, phase {previous.current_phase}); abort or finish it first")
        source = self.current_algorithm()
        if to == source:
            raise SameVersionError(f"pool {self.pool} already runs {to}")
        self._resolve(to)  # AlgorithmNotInstalledError
        if strategy == Strategy.GRADUAL and split_algorithm(source)[0] != split_algorithm(to)[0]:
            raise MigrationError(
                f"{source} -> {to} changes the proof of work, so digests cannot be compared: "
                "use the immediate or scheduled strategy (the switch is tied to jobs)")

        migration = Migration(
            id=str(uuid.uuid4()), pool=self.pool, from_algorithm=source, to_algorithm=to,
            strategy=strategy, salt=cohort.new_salt(), shadow_duration=shadow_duration,
            phase_duration=phase_duration, rollback_on_error=bool(rollback_on_error), steps=steps,
            sample_rate=float(sample_rate), grace_seconds=grace_seconds,
            candidate_timeout=float(candidate_timeout), thresholds=thresholds or Thresholds(),
            scheduled_at=at, scheduled_height=height, created_at=now, updated_at=now,
        )
        self._repo.insert(migration)
        with self._lock:
            self._m = migration
        self._announce(None, migration)
        self._resume_checked.add(migration.id)
        self._preflight()
        return self._m  # type: ignore[return-value]

    def pause(self, migration_id: Optional[str] = None) -> Migration:
        def decide(cur: Migration) -> dict[str, Any]:
            if not _comparing(cur):
                raise InvalidCommandError(f"only a gradual migration in shadow or rollout can be paused; "
                                          f"{cur.id} is {cur.status.value} ({cur.current_phase})")
            if cur.paused:
                raise InvalidCommandError(f"migration {cur.id} is already paused")
            return {"paused": True, "paused_at": self._clock.now()}
        return self._command(migration_id, decide)

    def resume(self, migration_id: Optional[str] = None) -> Migration:
        def decide(cur: Migration) -> dict[str, Any]:
            if not cur.paused or cur.finished:
                raise InvalidCommandError(f"migration {cur.id} is not paused")
            now = self._clock.now()
            held_so_far = (cur.paused_at or now) - (cur.phase_started_at or now)
            return {"paused": False, "paused_at": None, "phase_started_at": now - held_so_far}
        return self._command(migration_id, decide)

    def promote(self, migration_id: Optional[str] = None) -> Migration:
        def decide(cur: Migration) -> dict[str, Any]:
            if not _comparing(cur):
                raise InvalidCommandError(f"only a gradual migration in shadow or rollout can be promoted; "
                                          f"{cur.id} is {cur.status.value} ({cur.current_phase})")
            return self._completion(cur)
        return self._command(migration_id, decide)

    def abort(self, migration_id: Optional[str] = None, reason: str = "") -> Migration:
        def decide(cur: Migration) -> dict[str, Any]:
            if cur.finished:
                raise InvalidCommandError(f"migration {cur.id} is already {cur.status.value}")
            return self._rolled_back(Phase.ABORTED, "aborted by operator" + (f": {reason}" if reason else ""))
        return self._command(migration_id, decide)

    def rollback(self, migration_id: Optional[str] = None, reason: str = "") -> Migration:
        def decide(cur: Migration) -> dict[str, Any]:
            if cur.status not in (Status.IN_PROGRESS, Status.COMPLETED):
                raise InvalidCommandError(f"migration {cur.id} is {cur.status.value} ({cur.current_phase}): "
                                          "nothing to roll back (abort a pending or armed one)")
            return self._rolled_back(Phase.ROLLED_BACK, "rolled back by operator" + (f": {reason}" if reason else ""))
        return self._command(migration_id, decide)

    # -------------------------------------------------------------- internals
    def _command(self, migration_id: Optional[str], decide: Callable[[Migration], dict[str, Any]]) -> Migration:
        self.refresh()
        cur = self._m
        if cur is None:
            raise InvalidCommandError(f"pool {self.pool} has no migration")
        if migration_id is not None and migration_id != cur.id:
            raise InvalidCommandError(f"migration {migration_id} is not the latest of pool {self.pool} "
                                      f"(that is {cur.id}); only the latest can be changed")
        return self._apply(decide)  # type: ignore[return-value]

    def _route(self, job: JobLike, worker: str) -> Route:
        algorithm = job.algorithm
        m = self._m
        if m is None or algorithm != m.from_algorithm:
            return Route(algorithm, None, False)
        if m.switched_at is not None and m.status in (Status.IN_PROGRESS, Status.COMPLETED):
            if self._clock.now() > m.switched_at + m.grace_seconds:
                raise StaleJobError(f"job at height {job.height} was issued under {algorithm}; the pool "
                                    f"switched to {m.to_algorithm} and its {m.grace_seconds}s grace window ended")
        if _comparing(m) and not m.algorithm_change:
            if cohort.in_cohort(worker, m.rollout_percent, m.salt):
                return Route(m.to_algorithm, m.from_algorithm, True)
            return Route(m.from_algorithm, m.to_algorithm, False)
        return Route(algorithm, None, False)

    def _new_job_algorithm(self, m: Optional[Migration], height: int) -> str:
        if m is None:
            return self.current_algorithm()
        switched = m.status == Status.COMPLETED or (m.current_phase == Phase.SWITCHED and m.status == Status.IN_PROGRESS)
        if not switched:
            return m.from_algorithm
        if m.scheduled_height is not None and height < m.scheduled_height:
            return m.from_algorithm  # height wins: a job below the fork height keeps the old PoW
        return m.to_algorithm

    def _schedule_due(self, m: Migration, height: int) -> bool:
        if m.scheduled_height is not None:
            return height >= m.scheduled_height
        return m.scheduled_at is not None and self._clock.now() >= m.scheduled_at

    def _switch(self) -> Optional[Migration]:
        now = self._clock.now()
        return self._apply(lambda cur: {
            "status": Status.IN_PROGRESS, "current_phase": Phase.SWITCHED, "progress": 100,
            "switched_at": now, "phase_started_at": now,
        } if cur.current_phase == Phase.ARMED else None)

    def _submit(self, task: Callable[[], None]) -> None:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = self._owned_executor = BackgroundExecutor()
        if not self._executor.submit(task):
            self.metrics.inc("comparisons_dropped")

    def _check_later(self, share: Share, route: Route, decided: SideResult, timeout: Optional[float]) -> None:
        checker = route.checker
        assert checker is not None
        try:
            hasher = self._resolve(checker)
        except Exception as exc:
            other = SideResult(checker, None, 0.0, error=f"could not load {checker}: {exc}")
        else:
            other = run_side(hasher, checker, share.header, self._clock,
                             None if route.candidate_decides else timeout)
        if route.candidate_decides:
            self.record(share, other, decided)
        else:
            self.record(share, decided, other)

    def _stats_for(self, m: Migration) -> StepStats:
        key = (m.id, m.current_phase)
        with self._lock:
            if self._stats_key != key:
                self._stats_key = key
                self._stats = StepStats()
            return self._stats

    def _completion(self, cur: Migration) -> dict[str, Any]:
        now = self._clock.now()
        return {"status": Status.COMPLETED, "current_phase": Phase.COMPLETED, "progress": 100,
                "paused": False, "paused_at": None, "completed_at": now,
                "switched_at": cur.switched_at or now}

    def _rolled_back(self, phase: str, reason: str) -> dict[str, Any]:
        return {"status": Status.ROLLED_BACK, "current_phase": phase, "progress": 0, "paused": False,
                "paused_at": None, "rollback_reason": reason, "completed_at": self._clock.now()}

    def _failure(self, cur: Migration, reason: str) -> dict[str, Any]:
        if cur.rollback_on_error:
            return self._rolled_back(Phase.ROLLED_BACK, reason)
        return {"status": Status.FAILED, "current_phase": Phase.FAILED, "progress": 0, "paused": False,
                "paused_at": None, "error_message": reason, "completed_at": self._clock.now()}

    def _fail_phase(self, migration_id: str, reason: str) -> None:
        def decide(cur: Migration) -> Optional[dict[str, Any]]:
            if cur.id != migration_id or not _comparing(cur):
                return None
            return self._failure(cur, f"{cur.current_phase} analysis failed: {reason}")
        self._apply(decide)

    def _analyze_and_advance(self, m: Migration) -> None:
        analysis = self._stats_for(m).analyze(m.thresholds)
        if not analysis.passed:
            self._fail_phase(m.id, analysis.reason)
            return
        if not analysis.enough_samples:
            return  # hold the phase until the analysis has enough data
        now = self._clock.now()

        def decide(cur: Migration) -> Optional[dict[str, Any]]:
            if cur.revision != m.revision:
                return None  # changed under us (another process advanced it); the next tick re-evaluates
            if cur.current_phase == Phase.SHADOW:
                nxt: Optional[int] = cur.steps[0]
            else:
                index = cur.steps.index(cur.rollout_percent)
                nxt = cur.steps[index + 1] if index + 1 < len(cur.steps) else None
            if nxt is None:
                return self._completion(cur)
            return {"current_phase": Phase.rollout(nxt), "progress": nxt, "phase_started_at": now}
        self._apply(decide)

    def _preflight(self) -> None:
        now = self._clock.now()
        m = self._apply(lambda cur: {"status": Status.STAGING, "current_phase": Phase.PREFLIGHT,
                                     "started_at": cur.started_at or now}
                        if cur.current_phase == Phase.CREATED else None)
        if m is None or m.current_phase != Phase.PREFLIGHT:
            return
        try:
            control = self._resolve(m.from_algorithm)
            candidate = self._resolve(m.to_algorithm)
            report = run_preflight(control, candidate, same_pow=not m.algorithm_change, clock=self._clock)
        except (PreflightError, AlgorithmNotInstalledError) as exc:
            reason = f"preflight failed: {exc}"
            self._apply(lambda cur: {"status": Status.FAILED, "current_phase": Phase.FAILED,
                                     "error_message": reason, "completed_at": self._clock.now()}
                        if cur.current_phase == Phase.PREFLIGHT else None)
            return
        done = self._clock.now()

        def decide(cur: Migration) -> Optional[dict[str, Any]]:
            if cur.current_phase != Phase.PREFLIGHT:
                return None
            base = {"performance_impact": report.performance_impact}
            if cur.strategy == Strategy.IMMEDIATE:
                return {**base, **self._completion(cur), "switched_at": done}
            if cur.strategy == Strategy.GRADUAL:
                return {**base, "status": Status.IN_PROGRESS, "current_phase": Phase.SHADOW,
                        "progress": 0, "phase_started_at": done}
            return {**base, "current_phase": Phase.ARMED, "progress": 0}
        self._apply(decide)

    def _abandon_if_unresumable(self, m: Migration) -> bool:
        """After a restart: a migration whose implementations cannot be loaded
        any more cannot resume safely, so it is rolled back."""
        if m.current_phase in (Phase.CREATED, Phase.PREFLIGHT):
            return False  # preflight itself reports what is missing
        try:
            self._resolve(m.from_algorithm)
            self._resolve(m.to_algorithm)
        except AlgorithmNotInstalledError as exc:
            reason = f"cannot resume safely after restart: {exc}"
            self._apply(lambda cur: self._rolled_back(Phase.ROLLED_BACK, reason) if not cur.finished else None)
            return True
        return False

    def _apply(self, decide: Callable[[Migration], Optional[dict[str, Any]]]) -> Optional[Migration]:
        """Persist ``decide(current)``'s changes, then make them take effect.

        ``decide`` returns None for "nothing to do". On a concurrent write by
        another process the state is reloaded and ``decide`` asked again."""
        for _ in range(MAX_SAVE_ATTEMPTS):
            with self._lock:
                cur = self._m
                if cur is None:
                    return None
                changes = decide(cur)
                if changes is None:
                    return cur
                new = replace(cur, **changes, revision=cur.revision + 1, updated_at=self._clock.now())
                try:
                    self._repo.save(new, expected_revision=cur.revision)
                except StaleRevisionError:
                    fresh = self._repo.get(cur.id)
                    self._m = fresh
                    continue
                self._m = new  # takes effect only once persisted
            self.metrics.inc("transitions")
            self._announce(cur, new)
            return new
        raise StaleRevisionError(f"migration {cur.id} kept changing under us; try again")

    def _announce(self, before: Optional[Migration], after: Migration) -> None:
        event = {
            "type": "migration.changed", "id": after.id, "pool": after.pool,
            "status": after.status.value, "progress": after.progress,
            "current_phase": after.current_phase, "paused": after.paused,
            "revision": after.revision,
            "previous_phase": before.current_phase if before is not None else None,
            "error_message": after.error_message, "rollback_reason": after.rollback_reason,
        }
        self._notify(event)
        if self._events is not None:
            try:
                self._events.publish(event)
            except Exception:  # followers also poll; persistence already happened
                log.exception("publishing migration event failed")

    def _notify(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("migration event listener failed")
