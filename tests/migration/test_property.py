"""Property: whatever the interleaving of shares, clock steps, comparisons and
operator commands, every share gets exactly one verdict, the control's
whenever the control decides (always during shadow), and the persisted state
is the state the controller acts on."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from chimera_algo.migration import (
    DeferredExecutor,
    FakeClock,
    InvalidCommandError,
    MigrationController,
    Phase,
    Status,
    Thresholds,
)

from .helpers import CONTROL, control_verdict, resolver_with, share_stream

_pools = itertools.count()

share_batches = st.tuples(st.just("shares"), st.integers(1, 60))
phase_steps = st.tuples(st.just("step"), st.none())  # checks run, a phase's time passes, tick
operations = st.one_of(
    # weighted towards shares and phase steps, so interleavings reach every rollout step
    share_batches, share_batches, share_batches, phase_steps, phase_steps,
    st.tuples(st.just("advance"), st.sampled_from([1, 30, 60, 200])),
    st.tuples(st.just("tick"), st.none()),
    st.tuples(st.just("compare"), st.integers(0, 50)),
    st.tuples(st.just("job"), st.integers(0, 3)),
    st.tuples(st.sampled_from(["pause", "resume", "promote", "abort", "rollback", "restart"]), st.none()),
)


def expected_progress(m):
    if m.status == Status.COMPLETED or m.current_phase == Phase.SWITCHED:
        return 100
    return m.rollout_percent


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["correct", "disagreeing", "raising", "slow"]),
       strategy=st.sampled_from(["gradual", "gradual", "immediate", "scheduled"]),
       ops=st.lists(operations, min_size=4, max_size=40))
def test_every_share_gets_exactly_one_verdict(repo, kind, strategy, ops):
    clock = FakeClock()
    executor = DeferredExecutor()
    pool = f"prop-{next(_pools)}"
    resolver = resolver_with(clock, kind)

    def new_controller():
        return MigrationController(pool, repo, baseline=CONTROL, resolver=resolver, clock=clock, executor=executor)

    controller = new_controller()
    # few samples per phase, so short interleavings reach every rollout step
    options = {"gradual": dict(shadow_duration=60, phase_duration=60, steps=[10, 50, 100],
                               thresholds=Thresholds(min_samples=20)),
               "immediate": {}, "scheduled": dict(height=1_002, current_height=1_000)}[strategy]
    controller.start("sha256d@2.0.0", strategy, **options)
    height = 1_000
    # the stream reaches nonce 7777 (the disagreeing candidate's bad one) after 78
    # shares and has a multiple of 50 (the raising candidate's) every 50: faults happen
    stream = iter(share_stream(3_000, workers=20, start=7_700))
    verdict_count: dict[str, int] = {}
    deepest: list[int] = []
    algorithm = controller.algorithm_for_new_job(height)

    for op, arg in ops:
        if op == "shares":
            for _ in range(arg):
                share = next(stream)
                share = type(share)(share.id, type(share.job)(height, algorithm), share.worker,
                                    share.header, share.target)
                m = controller.migration
                event(f"share judged in {m.status.value}/{m.current_phase}")
                verdict = controller.judge(share)
                verdict_count[share.id] = verdict_count.get(share.id, 0) + 1
                candidate_decided = verdict.algorithm == "sha256d@2.0.0"
                if verdict.stale:  # a rejection the pool expects, only past the grace window
                    assert share.job.algorithm == CONTROL and m.switched_at is not None
                    assert clock.now() > m.switched_at + m.grace_seconds
                    continue
                if m.current_phase == Phase.SHADOW or not candidate_decided:
                    assert verdict.valid == control_verdict(share), (m.current_phase, verdict)
                if m.current_phase == Phase.SHADOW:
                    assert verdict.algorithm == CONTROL
        elif op == "advance":
            clock.advance(arg)
        elif op == "tick":
            controller.tick()
        elif op == "step":
            executor.run_pending()
            clock.advance(60)
            controller.tick()
        elif op == "compare":
            executor.run_pending(arg)
        elif op == "job":
            height += arg
            algorithm = controller.algorithm_for_new_job(height)
        elif op == "restart":
            executor.discard()
            controller = new_controller()
            controller.tick()
        else:
            try:
                getattr(controller, op)()
            except InvalidCommandError:
                pass
        m = controller.migration
        deepest.append(m.rollout_percent)
        stored = repo.get(m.id)
        assert stored.to_dict() == m.to_dict(), "acting on a state that is not the persisted one"
        assert m.progress == expected_progress(m)

    # steer generation towards interleavings that get deep into the rollout
    target(float(max(deepest, default=0)), label="deepest rollout percent reached")
    executor.run_pending()
    assert executor.failures == []
    assert all(count == 1 for count in verdict_count.values())
    m = controller.migration
    if m.status == Status.ROLLED_BACK and kind == "correct":
        assert m.current_phase in (Phase.ABORTED, Phase.ROLLED_BACK) and "operator" in m.rollback_reason
