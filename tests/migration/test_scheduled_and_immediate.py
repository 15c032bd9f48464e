"""Scheduled (height and time) and immediate switches, including an algorithm
change where digests differ by design."""

from __future__ import annotations

import pytest

from chimera_algo.hasher import Buffer
from chimera_algo.migration import InvalidCommandError, Phase, Share, Status

from .helpers import BUILTIN, CONTROL, TARGET, Job, WrappedHasher, header, make_resolver


class OtherPow(WrappedHasher):
    """A different proof of work (digests differ by design): sha256d of the reversed header."""

    def __init__(self, clock):
        super().__init__("1.0.0", clock)
        self.name = "fakepow"

    def digest(self, data: Buffer) -> bytes:
        return BUILTIN.hash(bytes(data)[::-1])


NEW = "fakepow@1.0.0"


@pytest.fixture
def fork_controller(make_controller, clock):
    resolver = make_resolver(clock)
    resolver.table[NEW] = OtherPow(clock)
    return make_controller(resolver)


def share_for(job: Job, nonce: int) -> Share:
    return Share(f"{job.height}-{nonce}", job, "w1", header(job.height, nonce, 1), TARGET)


def expected(algorithm: str, share: Share) -> bool:
    digest = BUILTIN.hash(share.header[::-1] if algorithm == NEW else share.header)
    return int.from_bytes(digest, "little") <= TARGET


def test_height_schedule_judges_each_job_by_its_own_algorithm(fork_controller, clock):
    c = fork_controller
    m = c.start(NEW, "scheduled", height=1_000, current_height=990, grace_seconds=120)
    assert (m.status, m.current_phase, m.progress) == (Status.STAGING, Phase.ARMED, 0)
    clock.advance(10 ** 6)  # the clock never decides a height schedule
    assert c.tick().current_phase == Phase.ARMED

    jobs = {h: Job(h, c.algorithm_for_new_job(h)) for h in (998, 999, 1_000, 1_001)}
    assert [jobs[h].algorithm for h in (998, 999, 1_000, 1_001)] == [CONTROL, CONTROL, NEW, NEW]
    m = c.migration
    assert (m.status, m.current_phase, m.progress) == (Status.IN_PROGRESS, Phase.SWITCHED, 100)
    # a job below H issued after the switch (e.g. a reorg) keeps the old PoW
    assert c.algorithm_for_new_job(999) == CONTROL

    # shares for old jobs arriving after the switch are judged by the old algorithm
    for h, job in jobs.items():
        for nonce in range(20):
            share = share_for(job, nonce)
            verdict = c.judge(share)
            assert verdict.algorithm == job.algorithm
            assert verdict.valid == expected(job.algorithm, share)
    # the two algorithms really disagree, so a mix-up would be caught above
    assert any(expected(NEW, share_for(jobs[999], n)) != expected(CONTROL, share_for(jobs[999], n))
               for n in range(20))

    # grace window: old jobs are stale once it ends; new jobs are unaffected
    clock.advance(121)
    stale = c.judge(share_for(jobs[999], 1))
    assert not stale.valid and stale.reason.startswith("stale:")
    assert c.judge(share_for(jobs[1_000], 1)).algorithm == NEW
    m = c.tick()
    assert (m.status, m.current_phase, m.progress) == (Status.COMPLETED, Phase.COMPLETED, 100)


def test_time_schedule_switches_at_the_time(fork_controller, clock):
    c = fork_controller
    at = clock.now() + 3_600
    c.start(NEW, "scheduled", at=at)
    assert c.algorithm_for_new_job(5) == CONTROL
    clock.advance(3_599)
    assert c.tick().current_phase == Phase.ARMED
    assert c.algorithm_for_new_job(6) == CONTROL
    clock.advance(1)
    assert c.algorithm_for_new_job(7) == NEW
    assert at <= c.migration.switched_at < at + 1


def test_armed_schedule_is_immutable_except_by_abort(fork_controller, clock):
    c = fork_controller
    c.start(NEW, "scheduled", height=50, current_height=10)
    for command in (c.pause, c.promote, c.rollback):
        with pytest.raises(InvalidCommandError):
            command()
    assert c.migration.current_phase == Phase.ARMED
    m = c.abort(reason="fork postponed")
    assert (m.status, m.current_phase, m.rollback_reason) == (
        Status.ROLLED_BACK, Phase.ABORTED, "aborted by operator: fork postponed")
    assert c.algorithm_for_new_job(50) == CONTROL


def test_immediate_switches_at_next_job(fork_controller, clock):
    c = fork_controller
    old = Job(7, c.algorithm_for_new_job(7))
    m = c.start(NEW, "immediate", grace_seconds=30)
    assert (m.status, m.progress, m.current_phase) == (Status.COMPLETED, 100, Phase.COMPLETED)
    assert m.performance_impact == 0.0
    assert c.algorithm_for_new_job(8) == NEW
    assert c.judge(share_for(old, 3)).algorithm == CONTROL  # old job, inside the grace window
    clock.advance(31)
    assert c.judge(share_for(old, 3)).reason.startswith("stale:")
