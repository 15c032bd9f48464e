"""Fixtures for the ethash tests: tiny networks so nothing big is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chimera_algo.ethash import CacheManager, EthashHasher, EthashNetwork, FixedSizes

DATA = Path(__file__).parent / "data"

# Small enough for the pure-Python reference; item counts need not be prime.
TINY = FixedSizes(cache=1024, full=32 * 1024)


def load(name: str):
    return json.loads((DATA / name).read_text())


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test writes to the real ~/.chimera."""
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "chimera-home"))


@pytest.fixture
def tiny_network() -> EthashNetwork:
    return EthashNetwork("tiny", "etchash", ecip1099_block=90_000, sizes=TINY)


@pytest.fixture
def tiny_hasher(tiny_network, tmp_path) -> EthashHasher:
    caches = CacheManager(directory=tmp_path / "caches")
    return EthashHasher(tiny_network, caches=caches, prefetch_next=False)
