"""One payout runner per pool at a time, released even if the runner dies.

PostgreSQL: a session advisory lock on a connection held for the run (the
server drops it when the connection goes). SQLite: ``flock`` on a file next
to the database (the kernel drops it when the process goes). Nobody has to
clean up after a crash, so a restart never waits on a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy import text

from chimera_algo.store import Store

_NAMESPACE = 0x5041594F55545321  # "PAYOUTS!": keeps pool keys apart from the store's migration lock


class PayoutsBusy(RuntimeError):
    """Another payout runner is working on this pool right now."""


def _pg_key(pool_id: UUID) -> int:
    key = int.from_bytes(pool_id.bytes[:8], "big") ^ _NAMESPACE
    return key - (1 << 64) if key >= 1 << 63 else key  # bigint is signed


@contextmanager
def runner_lock(store: Store, pool_id: UUID) -> Iterator[None]:
    busy = PayoutsBusy(f"another payout runner is working on pool {pool_id}; try again when it is done")
    if store.backend == "postgresql":
        conn = store.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _pg_key(pool_id)}).scalar()
            conn.commit()
            if not got:
                raise busy
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _pg_key(pool_id)})
                conn.commit()
        finally:
            conn.close()
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield  # one process owns an in-memory database
        return
    fd = os.open(f"{database}.payouts-{pool_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
    finally:
        os.close(fd)  # closing drops the flock
