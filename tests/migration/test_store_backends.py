"""The controller on the real store: data-model rows, the ``migration:{id}``
cache hash, and other pool processes following through the event mirror.
Runs on SQLite and PostgreSQL, with the in-process bus and with Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from chimera_algo.migration import DeferredExecutor, FakeClock, MigrationConflictError, MigrationController
from chimera_algo.migration.store_adapter import StoreMigrationEvents, StoreMigrationRepository
from chimera_algo.store import open_store
from .helpers import require_service
from .helpers import CONTROL, resolver_with, share_stream

FOLLOW_LIMIT = 1.0  # seconds: other processes follow a change within one second


def _postgres_url() -> str:
    server = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not server:
        require_service("PostgreSQL", "CHIMERA_TEST_POSTGRES_URL is not set")
    admin_url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"chimera_migration_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure means the server is not usable here
        require_service("PostgreSQL", f"cannot create a database on {server}: {exc}")
    return server.rpartition("/")[0] + "/" + name, admin, name


def _redis_url() -> str:
    url = os.environ.get("CHIMERA_TEST_REDIS_URL")
    if not url:
        require_service("Redis", "CHIMERA_TEST_REDIS_URL is not set")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/chimera.db"
        return
    url, admin, name = _postgres_url()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["memory", "redis"])
def bus(request):
    return None if request.param == "memory" else _redis_url()


def follows(follower, followed: threading.Event, predicate) -> float:
    """Seconds until ``predicate(follower.migration)`` held, driven only by events;
    fails when that takes longer than FOLLOW_LIMIT."""
    started = time.monotonic()
    while not predicate(follower.migration):
        remaining = FOLLOW_LIMIT - (time.monotonic() - started)
        assert remaining > 0 and followed.wait(remaining), "the follower did not follow within a second"
        followed.clear()
    return time.monotonic() - started


def open_process(url, redis_url):
    """One pool process's view: its own engine, cache and event connection."""
    return open_store(url, redis_url=redis_url)


def test_rows_cache_and_followers(database_url, bus):
    clock = FakeClock()
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    leader_store = open_process(database_url, bus)
    follower_store = leader_store if bus is None else open_process(database_url, bus)
    try:
        resolver = resolver_with(clock, "correct")

        def controller(store):
            return MigrationController(pool, StoreMigrationRepository(store), baseline=CONTROL,
                                       resolver=resolver, clock=clock, executor=DeferredExecutor(),
                                       events=StoreMigrationEvents(store))

        leader, follower = controller(leader_store), controller(follower_store)
        followed = threading.Event()
        follower.add_listener(lambda e: e["type"] == "migration.followed" and followed.set())

        m = leader.start("sha256d@2.0.0", "gradual", shadow_duration=60, steps=[50, 100])
        follows(follower, followed, lambda f: f is not None and f.current_phase == "shadow")

        row = leader_store.migrations.get(m.id)
        sha256d = leader_store.algorithms.by_name("sha256d")
        assert (row.status, row.current_phase, row.progress, row.strategy) == ("in_progress", "shadow", 0, "gradual")
        assert row.from_algorithm_id == row.to_algorithm_id == sha256d.id
        assert row.performance_impact == Decimal("0.00") and row.started_at is not None
        assert leader_store.migrations.cached(m.id)["current_phase"] == "shadow"

        for share in share_stream(150):
            leader.judge(share)
        leader._executor.run_pending()
        clock.advance(60)
        leader.tick()
        follows(follower, followed, lambda f: f.current_phase == "rollout:50")
        # the follower routes shares exactly like the leader
        for share in share_stream(40):
            assert follower.hasher_for(share.job, share.worker).version == \
                leader.hasher_for(share.job, share.worker).version

        # a command from a third process (the CLI) reaches both
        cli = controller(follower_store)
        cli.promote(m.id)
        follows(follower, followed, lambda f: f.status.value == "completed")
        assert follower.algorithm_for_new_job(10) == "sha256d@2.0.0"
        assert leader.tick().status.value == "completed"
        assert leader_store.migrations.get(m.id).progress == 100
        assert leader_store.migrations.cached(m.id)["status"] == "completed"
        for c in (leader, follower, cli):
            c.close()
    finally:
        if follower_store is not leader_store:
            follower_store.close()
        leader_store.close()


def test_concurrent_starts_one_wins(database_url):
    """Two processes start a migration of one pool at the same moment."""
    clock = FakeClock()
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    stores = [open_store(database_url) for _ in range(2)]
    try:
        controllers = [MigrationController(pool, StoreMigrationRepository(s), baseline=CONTROL,
                                           resolver=resolver_with(clock, "correct"), clock=clock,
                                           executor=DeferredExecutor()) for s in stores]
        barrier = threading.Barrier(2)
        outcomes: list[object] = [None, None]

        def start(i):
            barrier.wait()
            try:
                outcomes[i] = controllers[i].start("sha256d@2.0.0", "gradual")
            except MigrationConflictError as exc:
                outcomes[i] = exc

        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        conflicts = [o for o in outcomes if isinstance(o, MigrationConflictError)]
        assert len(conflicts) == 1, outcomes
        assert len(StoreMigrationRepository(stores[0]).list(pool)) == 1
    finally:
        for s in stores:
            s.close()


def test_stale_process_retries_on_the_fresh_state(make_controller, clock, executor, repo):
    """Optimistic locking: a process acting on an old revision reloads and decides again."""
    resolver = resolver_with(clock, "disagreeing")
    a = make_controller(resolver)
    m = a.start("sha256d@2.0.0", "gradual")
    b = make_controller(resolver)  # another process, loaded at the same revision, no event bus
    a.pause()  # a moves the migration on; b does not know
    assert b.migration.revision == m.revision < repo.get(m.id).revision
    # b sees the bad share and fails the phase from its stale state
    for share in share_stream(7_778)[7_700:]:
        b.judge(share)
    executor.run_pending()
    stored = repo.get(m.id)
    assert stored.status.value == "rolled_back" and "share s7777 " in stored.rollback_reason
    assert stored.revision == m.revision + 2  # pause, then the rollback written on top of it
    assert b.migration.to_dict() == stored.to_dict()
