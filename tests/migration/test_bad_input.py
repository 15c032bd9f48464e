"""Requests that cannot be carried out fail clearly and change nothing."""

from __future__ import annotations

import pytest

from chimera_algo.migration import (
    AlgorithmNotInstalledError,
    MigrationConflictError,
    MigrationError,
    SameVersionError,
    ScheduleInPastError,
)

from .helpers import CONTROL, resolver_with


@pytest.fixture
def controller(make_controller, clock):
    return make_controller(resolver_with(clock, "correct"))


def unchanged(repo, controller, before):
    assert [m.to_dict() for m in repo.list()] == before
    assert controller.migration is None or controller.migration.to_dict() in before


@pytest.mark.parametrize("call, error, words", [
    (lambda c, now: c.start("sha256d@9.9.9", "gradual"), AlgorithmNotInstalledError, "not installed"),
    (lambda c, now: c.start("nosuchpow@1.0.0", "immediate"), AlgorithmNotInstalledError, "not installed"),
    (lambda c, now: c.start(CONTROL, "gradual"), SameVersionError, "already runs"),
    (lambda c, now: c.start("sha256d@2.0.0", "scheduled", at=now - 1), ScheduleInPastError, "in the past"),
    (lambda c, now: c.start("sha256d@2.0.0", "scheduled", height=100, current_height=100),
     ScheduleInPastError, "not above the current height"),
    (lambda c, now: c.start("sha256d@2.0.0", "scheduled"), MigrationError, "exactly one"),
    (lambda c, now: c.start("sha256d@2.0.0", "gradual", height=5), MigrationError, "only apply"),
    (lambda c, now: c.start("sha256d@2.0.0", "sideways"), MigrationError, "strategy must be"),
    (lambda c, now: c.start("sha256d", "gradual"), ValueError, "NAME@VERSION"),
    (lambda c, now: c.start("sha256d@2.0.0", "gradual", steps=[5, 1, 100]), MigrationError, "rise strictly"),
    (lambda c, now: c.start("sha256d@2.0.0", "gradual", steps=[1, 50]), MigrationError, "end at 100"),
    (lambda c, now: c.start("sha256d@2.0.0", "gradual", shadow_duration=-1), MigrationError, "shadow_duration"),
])
def test_rejected_start_changes_nothing(controller, repo, clock, call, error, words):
    before = [m.to_dict() for m in repo.list()]
    with pytest.raises(error, match=words):
        call(controller, clock.now())
    unchanged(repo, controller, before)


def test_two_concurrent_migrations_of_one_pool(controller, make_controller, repo, clock):
    first = controller.start("sha256d@2.0.0", "gradual")
    before = [m.to_dict() for m in repo.list()]
    # a second process (e.g. the CLI) for the same pool
    other = make_controller(resolver_with(clock, "correct", version="3.0.0"))
    with pytest.raises(MigrationConflictError, match=first.id):
        other.start("sha256d@3.0.0", "gradual")
    unchanged(repo, other, before)
    # another pool is independent
    make_controller(resolver_with(clock, "correct"), pool="pool-2").start("sha256d@2.0.0", "gradual")


def test_gradual_across_different_pow_is_refused(make_controller, clock, repo):
    from .test_scheduled_and_immediate import NEW, OtherPow
    from .helpers import make_resolver
    resolver = make_resolver(clock)
    resolver.table[NEW] = OtherPow(clock)
    with pytest.raises(MigrationError, match="changes the proof of work"):
        make_controller(resolver).start(NEW, "gradual")
    assert repo.list() == []


def test_preflight_failure_leaves_pool_on_control(make_controller, clock):
    from .helpers import DisagreeingHasher, make_resolver

    class WrongEverywhere(DisagreeingHasher):
        def digest(self, data):
            return bytes(32)

    resolver = make_resolver(clock, **{"2_0_0": WrongEverywhere("2.0.0", clock)})
    c = make_controller(resolver)
    m = c.start("sha256d@2.0.0", "gradual")
    assert m.status.value == "failed" and m.error_message.startswith("preflight failed: candidate digest differs")
    assert c.algorithm_for_new_job(1) == CONTROL


def test_commands_in_wrong_phase(controller):
    from chimera_algo.migration import InvalidCommandError
    with pytest.raises(InvalidCommandError, match="has no migration"):
        controller.pause()
    controller.start("sha256d@2.0.0", "gradual")
    with pytest.raises(InvalidCommandError, match="not paused"):
        controller.resume()
    with pytest.raises(InvalidCommandError, match="not the latest"):
        controller.pause("00000000-0000-0000-0000-000000000000")
    controller.abort()
    with pytest.raises(InvalidCommandError, match="already rolled_back"):
        controller.abort()
