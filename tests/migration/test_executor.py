"""The comparison runs off the answer path on real threads; a hung or slow
candidate never holds a verdict back, and overruns are recorded as timeouts."""

from __future__ import annotations

import threading

from chimera_algo.migration import BackgroundExecutor

from .helpers import WrappedHasher, control_verdict, make_resolver, share_stream


class BlockingHasher(WrappedHasher):
    """Correct, but each hash waits until the test opens the gate."""

    def __init__(self, clock):
        super().__init__("2.0.0", clock)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def digest(self, data):
        self.entered.set()
        assert self.gate.wait(timeout=30), "test never released the candidate"
        return super().digest(data)


def test_hung_candidate_never_delays_verdicts(make_controller, clock):
    candidate = BlockingHasher(clock)
    executor = BackgroundExecutor(workers=1, capacity=8)
    try:
        controller = make_controller(make_resolver(clock, **{"2_0_0": candidate}), executor=executor)
        candidate.gate.set()  # let preflight through
        controller.start("sha256d@2.0.0", "gradual")
        candidate.gate.clear()
        shares = share_stream(50)
        candidate.entered.clear()
        verdicts = [controller.judge(shares[0])]
        assert candidate.entered.wait(timeout=30)  # the worker is now stuck on share 0
        verdicts += [controller.judge(s) for s in shares[1:]]  # answered all the same
        assert [v.valid for v in verdicts] == [control_verdict(s) for s in shares]
        counters = controller.metrics.snapshot()["counters"]
        assert counters["shares_compared"] == 0
        assert counters["comparisons_dropped"] == 50 - 1 - 8  # one running, eight queued
        candidate.gate.set()
        executor.drain()
        assert controller.metrics.snapshot()["counters"]["shares_compared"] == 9
    finally:
        candidate.gate.set()
        executor.close()


def test_overrun_is_recorded_as_timeout(make_controller, clock, executor):
    slow = WrappedHasher("2.0.0", clock, cost=3.0)  # 3 s per hash against a 2 s limit
    controller = make_controller(make_resolver(clock, **{"2_0_0": slow}))
    controller.start("sha256d@2.0.0", "gradual", candidate_timeout=2.0)
    for share in share_stream(5):
        controller.judge(share)
    executor.run_pending()
    counters = controller.metrics.snapshot()["counters"]
    assert counters["candidate_timeouts"] == counters["candidate_errors"] == 5
    assert "timed out" in controller.step_stats().first_error
    latency = controller.metrics.snapshot()["latency_seconds"]
    assert latency["candidate"]["buckets"]["+Inf"] == 5 and latency["control"]["count"] == 5
