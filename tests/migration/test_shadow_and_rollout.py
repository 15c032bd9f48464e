"""Shadow comparison and gradual rollout against a recorded share stream."""

from __future__ import annotations

import hashlib

from chimera_algo.migration import Phase, Status
from chimera_algo.migration.cohort import in_cohort

from .helpers import BUILTIN, CONTROL, CONTROL_COST, control_verdict, resolver_with, share_stream


def judge_all(controller, clock, executor, shares):
    """Judge ``shares``; check each answer took only the deciding side's time."""
    verdicts = []
    for share in shares:
        before = clock.perf()
        verdicts.append(controller.judge(share))
        assert clock.perf() - before <= CONTROL_COST * 1.0001, "the answer waited for the other side"
    executor.run_pending()
    return verdicts


def test_disagreeing_candidate_rolled_back_in_shadow(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "disagreeing"))
    m = controller.start("sha256d@2.0.0", "gradual", shadow_duration=300, phase_duration=60)
    assert (m.status, m.current_phase, m.progress) == (Status.IN_PROGRESS, Phase.SHADOW, 0)

    shares = share_stream(10_000)
    verdicts = judge_all(controller, clock, executor, shares)

    assert [v.valid for v in verdicts] == [control_verdict(s) for s in shares]
    assert all(v.algorithm == CONTROL for v in verdicts)
    m = controller.migration
    assert m.status == Status.ROLLED_BACK and m.progress == 0
    assert "share s7777 " in m.rollback_reason and "shadow analysis failed" in m.rollback_reason
    assert controller.metrics.snapshot()["counters"]["mismatches"] == 1
    # back to the control for every new job and every share
    assert controller.algorithm_for_new_job(1001) == CONTROL
    assert controller.judge(shares[0]).algorithm == CONTROL


def test_raising_candidate_fails_shadow_analysis(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "raising"))
    controller.start("sha256d@2.0.0", "gradual", shadow_duration=300)
    shares = share_stream(2_000)
    verdicts = judge_all(controller, clock, executor, shares)
    assert [v.valid for v in verdicts] == [control_verdict(s) for s in shares]
    clock.advance(300)
    m = controller.tick()
    assert m.status == Status.ROLLED_BACK
    assert "candidate failed on 40 of 2000" in m.rollback_reason and "kernel fault" in m.rollback_reason


def test_slow_candidate_fails_latency_analysis_without_delaying_answers(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "slow"))
    m = controller.start("sha256d@2.0.0", "gradual", shadow_duration=300)
    assert m.performance_impact == 900.0
    shares = share_stream(500)
    verdicts = judge_all(controller, clock, executor, shares)  # asserts each answer took CONTROL_COST
    assert [v.valid for v in verdicts] == [control_verdict(s) for s in shares]
    clock.advance(300)
    m = controller.tick()
    assert m.status == Status.ROLLED_BACK
    assert "p99 latency" in m.rollback_reason and "10.0x" in m.rollback_reason


def test_failed_analysis_without_rollback_on_error_is_failed(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "raising"))
    controller.start("sha256d@2.0.0", "gradual", rollback_on_error=False)
    judge_all(controller, clock, executor, share_stream(1_000))
    clock.advance(300)
    m = controller.tick()
    assert (m.status, m.progress, m.rollback_reason) == (Status.FAILED, 0, None)
    assert "candidate failed" in m.error_message


def test_correct_candidate_completes_every_step(make_controller, clock, executor):
    resolver = resolver_with(clock, "correct")
    controller = make_controller(resolver)
    controller.start("sha256d@2.0.0", "gradual", shadow_duration=300, phase_duration=600,
                     steps=[1, 5, 25, 50, 100])
    seen = []
    offset = 0
    cohort_before: set[str] = set()
    while not controller.migration.finished:
        m = controller.migration
        shares = share_stream(400, start=offset)
        offset += 400
        verdicts = judge_all(controller, clock, executor, shares)
        assert [v.valid for v in verdicts] == [control_verdict(s) for s in shares]
        decided = {s.worker for s, v in zip(shares, verdicts) if v.algorithm == "sha256d@2.0.0"}
        expected = {s.worker for s in shares if in_cohort(s.worker, m.rollout_percent, m.salt)}
        assert decided == expected
        assert cohort_before <= decided  # raising the percentage only adds miners
        cohort_before = decided
        seen.append((m.current_phase, m.progress))
        clock.advance(600)
        controller.tick()
    assert seen == [(Phase.SHADOW, 0)] + [(Phase.rollout(p), p) for p in (1, 5, 25, 50, 100)]
    m = controller.migration
    assert (m.status, m.progress, m.current_phase) == (Status.COMPLETED, 100, Phase.COMPLETED)
    assert controller.algorithm_for_new_job(2000) == "sha256d@2.0.0"
    # the old implementation is still there: jobs issued before the switch use it
    assert resolver(CONTROL) is not None
    assert controller.judge(share_stream(1)[0]).algorithm == CONTROL
    # and a rollback returns the pool to it
    controller.rollback(reason="operator drill")
    assert controller.algorithm_for_new_job(2001) == CONTROL


def test_step_waits_for_enough_samples(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "correct"))
    controller.start("sha256d@2.0.0", "gradual", shadow_duration=10)
    judge_all(controller, clock, executor, share_stream(50))
    clock.advance(10)
    assert controller.tick().current_phase == Phase.SHADOW  # 50 < min_samples
    judge_all(controller, clock, executor, share_stream(50, start=50))
    assert controller.tick().current_phase == Phase.rollout(1)


def test_pause_resume_promote(make_controller, clock, executor):
    controller = make_controller(resolver_with(clock, "correct"))
    controller.start("sha256d@2.0.0", "gradual", shadow_duration=100)
    judge_all(controller, clock, executor, share_stream(200))
    clock.advance(50)
    controller.pause()
    clock.advance(1_000)
    assert controller.tick().current_phase == Phase.SHADOW  # paused: the timer is frozen
    controller.resume()
    clock.advance(49)
    assert controller.tick().current_phase == Phase.SHADOW
    clock.advance(1)
    assert controller.tick().current_phase == Phase.rollout(1)
    m = controller.promote()
    assert (m.status, m.progress) == (Status.COMPLETED, 100)


def test_pool_calling_only_hasher_for_gets_the_experiment(make_controller, clock, executor):
    """The reference pool calls ``hasher_for(job, worker).hash(header)``; shadow
    still compares, and the digest it gets is always the control's."""
    controller = make_controller(resolver_with(clock, "disagreeing"))
    controller.start("sha256d@2.0.0", "gradual")
    shares = share_stream(10_000)
    for share in shares:
        before = clock.perf()
        digest = controller.hasher_for(share.job, share.worker).hash(share.header)
        assert clock.perf() - before <= CONTROL_COST * 1.0001
        assert digest == BUILTIN.hash(share.header)
    executor.run_pending()
    m = controller.migration
    assert m.status == Status.ROLLED_BACK
    bad = shares[7777]
    assert f"job height {bad.job.height}, worker {bad.worker}" in m.rollback_reason
    assert hashlib.sha256(bad.header).hexdigest()[:16] in m.rollback_reason
    assert controller.hasher_for(bad.job, bad.worker) is controller.hasher_for(shares[0].job, "x")  # plain again
