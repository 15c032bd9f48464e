"""Fixtures: a real store (SQLite in a temporary CHIMERA_HOME), a fake clock
and a deferred comparison executor, so every test is deterministic."""

from __future__ import annotations

import pytest

from chimera_algo.migration import DeferredExecutor, FakeClock, MigrationController
from chimera_algo.migration.store_adapter import StoreMigrationRepository
from chimera_algo.store import open_store

from .helpers import CONTROL


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path))
    for var in ("CHIMERA_DATABASE_URL", "CHIMERA_REDIS_URL", "CHIMERA_INFLUX_URL", "CHIMERA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    with open_store(f"sqlite:///{tmp_path}/chimera.db") as store:
        # sha256d is seeded; the algorithm-change tests also migrate to "fakepow"
        store.algorithms.create("fakepow", "Test-only PoW (sha256d of the reversed header)")
        yield store


@pytest.fixture
def repo(store):
    return StoreMigrationRepository(store)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def executor():
    return DeferredExecutor()


@pytest.fixture
def make_controller(repo, clock, executor):
    def make(resolver, pool="pool-1", **kwargs):
        kwargs.setdefault("executor", executor)
        return MigrationController(pool, kwargs.pop("repository", repo), baseline=CONTROL,
                                   resolver=resolver, clock=clock, **kwargs)
    return make
