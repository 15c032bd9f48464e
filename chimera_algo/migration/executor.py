"""Where comparisons run: off the miner's answer path.

:class:`BackgroundExecutor` (default) runs them on worker threads behind a
bounded queue; when the queue is full a sample is dropped (counted), never
waited for. :class:`DeferredExecutor` queues them until ``run_pending()``, so
tests decide exactly when candidates run, after every verdict was given.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from typing import Callable, Protocol

log = logging.getLogger(__name__)

Task = Callable[[], None]


class ComparisonExecutor(Protocol):
    def submit(self, task: Task) -> bool:
        """Schedule ``task``; never blocks. False when it was dropped."""
        ...


def _run_isolated(task: Task) -> Exception | None:
    try:
        task()
    except Exception as exc:  # a comparison must never take down its runner
        log.exception("migration comparison task failed")
        return exc
    return None


class BackgroundExecutor:
    """A fixed pool of daemon threads fed by a bounded queue."""

    def __init__(self, workers: int = 1, capacity: int = 1024):
        if workers < 1 or capacity < 1:
            raise ValueError("workers and capacity must be at least 1")
        self._queue: queue.Queue[Task | None] = queue.Queue(maxsize=capacity)
        self._threads = [
            threading.Thread(target=self._loop, name=f"migration-compare-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, task: Task) -> bool:
        try:
            self._queue.put_nowait(task)
            return True
        except queue.Full:
            return False

    def _loop(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            _run_isolated(task)
            self._queue.task_done()

    def drain(self) -> None:
        """Wait until every queued comparison has run (shutdown, tests)."""
        self._queue.join()

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


class DeferredExecutor:
    """Queues tasks until :meth:`run_pending`; deterministic, single-threaded."""

    def __init__(self, capacity: int = 1_000_000):
        self.capacity = capacity
        self._tasks: deque[Task] = deque()
        self.dropped = 0
        self.failures: list[Exception] = []  # tests assert this stays empty

    def submit(self, task: Task) -> bool:
        if len(self._tasks) >= self.capacity:
            self.dropped += 1
            return False
        self._tasks.append(task)
        return True

    def __len__(self) -> int:
        return len(self._tasks)

    def run_pending(self, limit: int | None = None) -> int:
        """Run up to ``limit`` queued tasks in order (all when None)."""
        done = 0
        while self._tasks and (limit is None or done < limit):
            failure = _run_isolated(self._tasks.popleft())
            if failure is not None:
                self.failures.append(failure)
            done += 1
        return done

    def discard(self) -> int:
        """Forget queued tasks, as a crash would."""
        count = len(self._tasks)
        self._tasks.clear()
        return count
