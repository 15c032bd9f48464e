"""Kill the controller right after it persisted a transition (before acting on
it) in every phase, restart it on the same store, and check nothing was lost
or judged twice."""

from __future__ import annotations

import pytest

from chimera_algo.migration import MigrationController, Phase, Status

from .helpers import CONTROL, Job, control_verdict, resolver_with, share_stream


class SimulatedCrash(BaseException):
    """The process dies: not an Exception, so nothing in the controller catches it."""


class CrashingRepository:
    """The real repository, but the process dies right after save number ``crash_at``."""

    def __init__(self, inner, crash_at: int):
        self.inner = inner
        self.crash_at = crash_at
        self.saves = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def save(self, migration, expected_revision):
        self.inner.save(migration, expected_revision)
        self.saves += 1
        if self.saves == self.crash_at:
            raise SimulatedCrash(f"killed after persisting {migration.current_phase}")


def run_gradual(repo, clock, executor, crash_at, kind="correct", pool="pool-1"):
    """Drive one gradual migration over a recorded stream, surviving one crash.

    Returns (verdicts by share id, phases the crash happened in, final migration)."""
    resolver = resolver_with(clock, kind)
    crashing = CrashingRepository(repo, crash_at)

    def new_controller(repository):
        return MigrationController(pool, repository, baseline=CONTROL, resolver=resolver,
                                   clock=clock, executor=executor)

    controller = new_controller(crashing)
    crashed_in = []
    verdicts: dict[str, list[bool]] = {}

    def guarded(action):
        nonlocal controller
        try:
            action(controller)
            return True
        except SimulatedCrash:
            executor.discard()  # comparisons in flight die with the process
            crashed_in.append(repo.latest_for_pool(pool).current_phase)
            controller = new_controller(repo)  # restart on the same store
            controller.tick()  # resumes whatever phase was persisted
            return False

    def start(c):
        c.start("sha256d@2.0.0", "gradual", shadow_duration=60, phase_duration=60, steps=[10, 50, 100])

    if not guarded(start) and controller.migration is None:
        guarded(start)  # crashed before anything was persisted: the operator retries
    stream = iter(share_stream(3_000))
    for _ in range(30):
        for _ in range(100):
            share = next(stream)
            # a share whose answer was lost in a crash is submitted again
            while not guarded(lambda c: verdicts.setdefault(share.id, []).append(c.judge(share).valid)):
                pass
        guarded(lambda c: c.tick() and executor.run_pending())
        clock.advance(10)
        guarded(lambda c: c.tick())
        if controller.migration.finished:
            break
    return verdicts, crashed_in, controller


@pytest.mark.parametrize("crash_at", range(1, 7))
def test_crash_after_each_transition_resumes_same_phase(repo, clock, executor, crash_at):
    verdicts, crashed_in, controller = run_gradual(repo, clock, executor, crash_at)
    assert len(crashed_in) == 1
    m = controller.migration
    assert (m.status, m.progress, m.current_phase) == (Status.COMPLETED, 100, Phase.COMPLETED)
    shares = share_stream(3_000)
    judged = [s for s in shares if s.id in verdicts]
    assert all(len(verdicts[s.id]) == 1 for s in judged), "a share was judged twice"
    assert judged == shares[:len(judged)], "a share was skipped"
    assert all(verdicts[s.id][0] == control_verdict(s) for s in judged)
    assert repo.get(m.id).revision == m.revision


def test_crash_phases_cover_every_phase(repo, clock, executor):
    phases = []
    for crash_at in range(1, 7):
        _, crashed_in, _ = run_gradual(repo, clock, executor, crash_at, pool=f"pool-{crash_at}")
        phases += crashed_in
    assert phases == [Phase.PREFLIGHT, Phase.SHADOW, Phase.rollout(10), Phase.rollout(50),
                      Phase.rollout(100), Phase.COMPLETED]


def test_crash_during_failing_shadow_still_rolls_back(repo, clock, executor):
    verdicts, crashed_in, controller = run_gradual(repo, clock, executor, crash_at=3, kind="raising")
    assert crashed_in == [Phase.ROLLED_BACK]
    assert controller.migration.status == Status.ROLLED_BACK
    assert all(v == [control_verdict(s)] for s in share_stream(3_000) if (v := verdicts.get(s.id)))


def test_resume_without_the_candidate_rolls_back(repo, clock, executor, make_controller):
    controller = make_controller(resolver_with(clock, "correct"))
    controller.start("sha256d@2.0.0", "gradual")
    # restart on a machine where the candidate package is gone
    restarted = make_controller(resolver_with(clock, "correct", version="3.0.0"))
    m = restarted.tick()
    assert m.status == Status.ROLLED_BACK
    assert "cannot resume safely" in m.rollback_reason and "sha256d@2.0.0" in m.rollback_reason
    assert restarted.algorithm_for_new_job(5) == CONTROL
    assert restarted.judge(share_stream(1)[0]).algorithm == CONTROL


def test_scheduled_switch_survives_crash(repo, clock, executor):
    resolver = resolver_with(clock, "correct")
    crashing = CrashingRepository(repo, crash_at=3)  # insert is not a save: 1 preflight, 2 armed, 3 switched
    controller = MigrationController("pool-1", crashing, baseline=CONTROL, resolver=resolver,
                                     clock=clock, executor=executor)
    controller.start("sha256d@2.0.0", "scheduled", height=110, current_height=100)
    assert controller.algorithm_for_new_job(109) == CONTROL
    with pytest.raises(SimulatedCrash):
        controller.algorithm_for_new_job(110)
    restarted = MigrationController("pool-1", repo, baseline=CONTROL, resolver=resolver,
                                    clock=clock, executor=executor)
    assert restarted.migration.current_phase == Phase.SWITCHED
    assert restarted.algorithm_for_new_job(110) == "sha256d@2.0.0"
    old_job = Job(109, CONTROL)
    assert restarted.hasher_for(old_job, "w").version == CONTROL.split("@")[1]
