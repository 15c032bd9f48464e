from __future__ import annotations

import pytest

from chimera_algo.migration import DeferredExecutor, FakeClock, MigrationController

from .helpers import CONTROL
from .memory_repo import MemoryRepository


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def repo():
    return MemoryRepository()


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
