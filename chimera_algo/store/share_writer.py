"""The pool's share writer: batched, at least every 100 ms, surviving database outages.

``submit()`` acknowledges a share by taking ownership of it: from then on the
writer stores it exactly once (rows and miner counters), as long as the
process lives or the share reached the journal. A background thread drains
the queue in batches (COPY on PostgreSQL, executemany on SQLite) at least
every ``flush_interval`` seconds.

When the database goes away the thread keeps the batch, logs what it holds,
and retries with exponential backoff; the first write after any failure runs
with ``dedupe`` so a batch whose COMMIT outcome was unknown is not stored
twice. While the in-memory queue is full (``max_queue``), further shares are
appended to the journal file (JSON lines) instead; the journal is replayed
(deduplicated) when the database is back and on the next start, and
``close()`` spills whatever is still unwritten to it, so nothing acknowledged
is lost across a restart of the pool either.

A share the database rejects as data (e.g. a miner id that no longer exists)
is isolated by bisecting its batch, logged with the reason, and dropped: one
bad share must not block the others.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import exc as sa_exc

from chimera_algo.store.config import chimera_home
from chimera_algo.store.errors import StoreUnavailableError
from chimera_algo.store.shares import NewShare, ShareRepository

log = logging.getLogger("chimera.store.share_writer")

_UUID_FIELDS = ("id", "miner_id", "pool_id", "algorithm_id")
_TIME_FIELDS = ("submitted_at", "validated_at")


def _is_data_error(error: BaseException) -> bool:
    """True when the rows themselves are bad (retrying cannot help)."""
    if isinstance(error, (sa_exc.IntegrityError, sa_exc.DataError)):
        return True
    name = type(error).__name__
    module = type(error).__module__
    return module.startswith(("psycopg", "sqlite3")) and name in ("IntegrityError", "DataError") or (
        module.startswith("psycopg") and getattr(error, "sqlstate", "") and str(getattr(error, "sqlstate"))[:2] in ("22", "23")
    )


def encode_share(share: NewShare) -> str:
    record = asdict(share)
    for key in _UUID_FIELDS:
        if record[key] is not None:
            record[key] = str(record[key])
    for key in _TIME_FIELDS:
        if record[key] is not None:
            record[key] = record[key].isoformat()
    return json.dumps(record, separators=(",", ":"))


def decode_share(line: str) -> NewShare:
    record = json.loads(line)
    for key in _UUID_FIELDS:
        if record[key] is not None:
            record[key] = uuid.UUID(record[key])
    for key in _TIME_FIELDS:
        if record[key] is not None:
            record[key] = datetime.fromisoformat(record[key])
    return NewShare(**record)


class Journal:
    """Append-only JSON-lines file of acknowledged, not yet stored shares.

    Replay first renames the file to ``<name>.replaying`` so that shares
    appended meanwhile go to a fresh file and are never deleted unread; the
    renamed file is removed only after all its shares are stored.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.replaying = path.with_name(path.name + ".replaying")
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, batch: Iterable[NewShare]) -> int:
        lines = [encode_share(s) + "\n" for s in batch]
        if lines:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.writelines(lines)
                fh.flush()
                os.fsync(fh.fileno())
        return len(lines)

    def has_work(self) -> bool:
        return self.path.exists() or self.replaying.exists()

    def rotate(self) -> None:
        """Move the live file aside for replay (unless a replay is already pending)."""
        if not self.replaying.exists() and self.path.exists():
            os.replace(self.path, self.replaying)

    def read_replaying(self) -> list[NewShare]:
        """Every complete line; a torn last line (crash mid-write) is skipped with a warning."""
        if not self.replaying.exists():
            return []
        shares = []
        for number, line in enumerate(self.replaying.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                shares.append(decode_share(line))
            except (ValueError, TypeError, KeyError) as error:
                log.warning("share journal %s line %d unreadable (%s); skipped", self.replaying, number, error)
        return shares

    def finish_replay(self) -> None:
        self.replaying.unlink(missing_ok=True)


@dataclass(frozen=True)
class WriterStats:
    submitted: int
    stored: int
    dropped: int
    pending: int
    journaled: int
    outages: int
    healthy: bool


class ShareWriter:
    """Batched share ingestion; see the module docstring for the guarantees."""

    def __init__(
        self,
        shares: ShareRepository,
        *,
        flush_interval: float = 0.1,
        batch_size: int = 20_000,
        max_queue: int = 500_000,
        journal_path: str | Path | None = None,
        name: str = "default",
        max_backoff: float = 5.0,
        workers: int = 1,
    ) -> None:
        if flush_interval <= 0 or flush_interval > 0.1:
            raise ValueError("flush_interval must be in (0, 0.1] seconds")
        if batch_size < 1 or max_queue < batch_size:
            raise ValueError("need 1 <= batch_size <= max_queue")
        if not 1 <= workers <= 8:
            raise ValueError("workers must be between 1 and 8")
        self._repo = shares
        self._interval = flush_interval
        self._batch_size = batch_size
        self._max_queue = max_queue
        self._max_backoff = max_backoff
        self.journal = Journal(Path(journal_path) if journal_path else chimera_home() / f"share-journal-{name}.jsonl")
        self._queue: deque[NewShare] = deque()
        self._cond = threading.Condition()
        self._submitted = 0
        self._done = 0  # stored + dropped + found already stored
        self._stored = 0
        self._dropped = 0
        self._outages = 0
        self._healthy = True
        self._down_since = 0.0
        self._journal_ours = 0  # shares this writer acknowledged into the live journal file
        self._replay_ours = 0  # ... and those of them moved aside for replay
        self._stopping = False
        # Several workers = several connections writing batches concurrently
        # (PostgreSQL spreads the per-row work over cores; SQLite has one
        # writer at a time, so keep 1 there). Worker 0 also replays the journal.
        self._threads = [threading.Thread(target=self._run, args=(i,), name=f"share-writer:{name}:{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    # -- producer side --------------------------------------------------------
    def submit(self, share: NewShare) -> None:
        """Acknowledge ``share``: it will be stored exactly once."""
        self.submit_many((share,))

    def submit_many(self, batch: Iterable[NewShare]) -> None:
        batch = list(batch)
        for s in batch:
            if not isinstance(s, NewShare):
                raise TypeError(f"expected NewShare, got {type(s).__name__}")
        with self._cond:
            if self._stopping:
                raise RuntimeError("share writer is closed")
            room = max(0, self._max_queue - len(self._queue))
            self._queue.extend(batch[:room])
            overflow = batch[room:]
            self._submitted += len(batch)
            if overflow:
                self.journal.append(overflow)
                self._journal_ours += len(overflow)
            if len(self._queue) >= self._batch_size:
                self._cond.notify_all()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Block until every share submitted before this call is stored (or dropped as bad)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            self._cond.notify_all()
            while self._done < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise StoreUnavailableError(
                        f"share writer: {target - self._done} shares not yet stored after {timeout} s "
                        f"(database {'reachable' if self._healthy else 'unreachable'}; they are kept)")
                self._cond.wait(remaining)

    def close(self, timeout: float = 30.0) -> None:
        """Flush and stop. If the database is still down, unwritten shares go to the journal."""
        try:
            self.flush(timeout)
        except StoreUnavailableError as error:
            log.warning("%s", error)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=timeout + self._max_backoff + 5)
        with self._cond:
            left = list(self._queue)
            self._queue.clear()
        if left:
            self.journal.append(left)
            log.warning("share writer closed with the database unavailable: %d shares saved to %s", len(left),
                        self.journal.path)

    def stats(self) -> WriterStats:
        with self._cond:
            return WriterStats(self._submitted, self._stored, self._dropped,
                               self._submitted - self._done, self._journal_ours + self._replay_ours,
                               self._outages, self._healthy)

    # -- consumer thread ------------------------------------------------------
    def _next_batch(self) -> list[NewShare] | None:
        with self._cond:
            if not self._queue and not self._stopping and not self.journal.has_work():
                self._cond.wait(self._interval)
            if self._stopping and (not self._queue or not self._healthy):
                return None
            n = min(self._batch_size, len(self._queue))
            return [self._queue.popleft() for _ in range(n)]

    def _run(self, worker: int) -> None:
        backoff = 0.05
        held: list[NewShare] = []
        uncertain = True  # the first write (after start or any failure) deduplicates
        while True:
            try:
                if worker == 0 and self.journal.has_work():
                    self._replay_journal()
                if not held:
                    batch = self._next_batch()
                    if batch is None:
                        return
                    held = batch
                if held:
                    stored, dropped = self._write_isolating(held, uncertain)
                    with self._cond:
                        self._stored += stored
                        self._dropped += dropped
                        self._done += len(held)
                        self._cond.notify_all()
                    held = []
                uncertain = False
                with self._cond:
                    recovered = not self._healthy
                    self._healthy = True
                if recovered:
                    log.warning("share writer: database back after %.1f s; writing resumed",
                                time.monotonic() - self._down_since)
                backoff = 0.05
            except Exception as error:  # transient: keep the batch, back off, retry
                uncertain = True  # the failed COMMIT may have happened: check before rewriting
                with self._cond:
                    if self._healthy:
                        self._outages += 1
                        self._down_since = time.monotonic()
                    self._healthy = False
                    pending = self._submitted - self._done
                    stopping = self._stopping
                log.warning("share writer: database unavailable (%s); holding %d unwritten shares (%d of them in "
                            "journal %s); retry in %.2f s", str(error).splitlines()[0][:200], pending,
                            self._journal_ours + self._replay_ours, self.journal.path, backoff)
                if stopping:
                    with self._cond:
                        self._queue.extendleft(reversed(held))
                    return
                time.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    def _write_isolating(self, batch: Sequence[NewShare], dedupe: bool) -> tuple[int, int]:
        """(stored, dropped); bisects a batch the database rejects as data to drop only bad shares."""
        try:
            return self._repo.write_batch(batch, dedupe=dedupe), 0
        except Exception as error:
            if not _is_data_error(error):
                raise
            if len(batch) == 1:
                log.error("share writer: dropping share %s of miner %s: %s", batch[0].id, batch[0].miner_id,
                          str(getattr(error, "orig", error)).splitlines()[0])
                return 0, 1
            half = len(batch) // 2
            a = self._write_isolating(batch[:half], True)
            b = self._write_isolating(batch[half:], True)
            return a[0] + b[0], a[1] + b[1]

    def _replay_journal(self) -> None:
        with self._cond:
            if not self.journal.replaying.exists():
                self.journal.rotate()
                self._replay_ours += self._journal_ours
                self._journal_ours = 0
        shares = self.journal.read_replaying()
        if shares:
            log.info("share writer: replaying %d journaled shares from %s", len(shares), self.journal.replaying)
        for start in range(0, len(shares), self._batch_size):
            stored, dropped = self._write_isolating(shares[start:start + self._batch_size], True)
            with self._cond:
                self._stored += stored
                self._dropped += dropped
        with self._cond:
            self.journal.finish_replay()
            # Lines from a previous run were never counted as submitted here.
            self._done += self._replay_ours
            self._replay_ours = 0
            self._cond.notify_all()
