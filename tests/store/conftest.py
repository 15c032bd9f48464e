"""Fixtures: every store test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from CHIMERA_TEST_POSTGRES_URL (set by .ci/services.d/10-postgres.sh).
The tests use their own throwaway database on that server (created here,
dropped at the end), so they never touch data of other suites.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from chimera_algo.store import Store, open_store
from chimera_algo.store.config import normalize_database_url
from chimera_algo.store.schema import metadata
from chimera_algo.store.seeds import seed


def _root_conftest():
    # tests/ is not a package, so its conftest cannot be imported by name in
    # every pytest import mode; pytest has loaded it before this file, though.
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")
    for module in list(sys.modules.values()):
        if os.path.abspath(getattr(module, "__file__", None) or "") == root:
            return module
    raise RuntimeError(f"{root} was not loaded by pytest")


require_service = _root_conftest().require_service

BACKENDS = ["sqlite", "postgresql"]


def postgres_server_url() -> str:
    url = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not url:
        require_service("PostgreSQL", "CHIMERA_TEST_POSTGRES_URL is not set")
    return url  # type: ignore[return-value]


def _admin(url: str):
    # NullPool: a fresh connection each time, so a server restart in between is harmless.
    return create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


class PgDatabases:
    """Creates and drops scratch databases on the test server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []
        try:
            self.admin = _admin(server_url)
            with self.admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
            require_service("PostgreSQL", f"cannot connect to {server_url}: {exc}")

    def create(self, tag: str) -> str:
        name = f"chimera_store_{tag}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        base, _, _ = self.server_url.rpartition("/")
        return f"{base}/{name}"

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    dbs = PgDatabases(postgres_server_url())
    yield dbs
    dbs.drop_all()


@pytest.fixture
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database URL of the test's backend (for migration tests)."""
    backend = request.getfixturevalue("backend")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        yield request.getfixturevalue("pg_databases").create("fresh")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _session_stores(tmp_path_factory) -> Iterator[dict[str, Store]]:
    stores: dict[str, Store] = {}
    yield stores
    for s in stores.values():
        s.close()


def _wipe(store: Store) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(names) + " RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
        seed(conn)


@pytest.fixture
def store(request, backend, _session_stores, tmp_path_factory) -> Iterator[Store]:
    """A migrated store of the test's backend, emptied (and re-seeded) before the test.

    Cache and events are in-process here; Redis-specific tests open their own store.
    """
    if backend not in _session_stores:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'store.db'}"
        else:
            url = request.getfixturevalue("pg_databases").create("main")
        os.environ.pop("CHIMERA_REDIS_URL", None)
        os.environ.pop("CHIMERA_INFLUX_URL", None)
        _session_stores[backend] = open_store(url)
    s = _session_stores[backend]
    _wipe(s)
    yield s


@pytest.fixture
def world(store):
    """A user, a BTC pool and a miner: what most tests need."""
    from types import SimpleNamespace

    user = store.users.create("alice", "alice@example.com", "correct horse battery")
    btc = store.cryptocurrencies.by_symbol("BTC")
    algo = store.algorithms.by_name("sha256d")
    pool = store.pools.create("btc-main", btc.id, algo.id, 3333, "bc1qpoolwallet")
    miner = store.miners.get_or_create(user.id, pool.id, "rig1")
    return SimpleNamespace(user=user, btc=btc, algo=algo, pool=pool, miner=miner)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch, tmp_path):
    """argon2id at its minimum cost in tests (production cost is tested explicitly);
    CHIMERA_HOME in a temp dir so journals and config never touch the real one."""
    from argon2 import PasswordHasher

    from chimera_algo.store import users

    monkeypatch.setattr(users, "_PH", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "chimera-home"))
    monkeypatch.delenv("CHIMERA_CONFIG", raising=False)
