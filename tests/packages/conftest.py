"""Fixtures for the package tests: keys, packages built from plugins/ with
the real toolchain, and an isolated CHIMERA_HOME with a SQLite store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from chimera_algo.packages.builder import build_package
from chimera_algo.packages.manager import PackageManager
from chimera_algo.packages.records import StoreRecords
from chimera_algo.packages.signing import PrivateKey
from chimera_algo.packages.toolchain import wasm_compiler
from chimera_algo.packages.trust import TrustStore

from .helpers import PLUGINS, TEST_SANDBOX


def require_service(config: pytest.Config, name: str, reason: str) -> None:
    """service_guard.require_service (skip on a dev machine, fail in CI);
    ``config`` is unused, kept for the callers."""
    from service_guard import require_service as guard

    guard(name, reason)


@pytest.fixture(scope="session")
def keys() -> dict[str, PrivateKey]:
    return {name: PrivateKey.generate() for name in ("alice", "bob", "carol", "mallory")}


@pytest.fixture(scope="session")
def wasm_toolchain(pytestconfig) -> None:
    if wasm_compiler() is None:
        require_service(pytestconfig, "clang-wasm32", "clang + lld (wasm-ld) are needed to build the WASM plugins")


@pytest.fixture(scope="session")
def built(tmp_path_factory, keys, wasm_toolchain) -> dict[str, Path]:
    """sha256d and blake3 WASM packages built from plugins/, signed by alice."""
    out = tmp_path_factory.mktemp("built")
    return {
        name: build_package(PLUGINS / f"{name}-wasm", [keys["alice"]], out)
        for name in ("sha256d", "blake3")
    }


@dataclass
class Env:
    home: Path
    trust: TrustStore
    manager: PackageManager
    records: StoreRecords


@pytest.fixture
def env(tmp_path, monkeypatch, keys) -> Env:
    """A fresh CHIMERA_HOME with a SQLite store; alice and bob trusted."""
    from chimera_algo.store import open_store

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CHIMERA_HOME", str(home))
    monkeypatch.delenv("CHIMERA_DATABASE_URL", raising=False)
    store = open_store(f"sqlite:///{home}/chimera.db")
    trust = TrustStore.load(home / "trust.json")
    trust.add(keys["alice"].public, "alice")
    trust.add(keys["bob"].public, "bob")
    trust.save()
    records = StoreRecords(store)
    manager = PackageManager(records, trust, home / "packages", sandbox=TEST_SANDBOX)
    yield Env(home, trust, manager, records)
    store.close()
