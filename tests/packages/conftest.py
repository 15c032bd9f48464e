"""Fixtures for the package tests: keys, packages built from plugins/ with
the real toolchain, and an isolated CHIMERA_HOME with a SQLite store."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from chimera_algo.packages.builder import build_package
from chimera_algo.packages.container import write_package
from chimera_algo.packages.manager import PackageManager
from chimera_algo.packages.manifest import canonical_bytes
from chimera_algo.packages.records import StoreRecords
from chimera_algo.packages.signing import PrivateKey
from chimera_algo.packages.toolchain import wasm_compiler
from chimera_algo.packages.trust import Signature, TrustStore
from chimera_algo.packages.wasm import SandboxLimits
from tests.conftest import require_service

REPO = Path(__file__).resolve().parents[2]
PLUGINS = REPO / "plugins"
# Small fuel budget: an endless loop in a test stops in well under a second.
TEST_SANDBOX = SandboxLimits(fuel_per_call=100_000_000)


@pytest.fixture(scope="session")
def keys() -> dict[str, PrivateKey]:
    return {name: PrivateKey.generate() for name in ("alice", "bob", "carol", "mallory")}


@pytest.fixture(scope="session")
def wasm_toolchain() -> None:
    if wasm_compiler() is None:
        require_service("clang-wasm32", "clang + lld (wasm-ld) are needed to build the WASM plugins")


@pytest.fixture(scope="session")
def built(tmp_path_factory, keys, wasm_toolchain) -> dict[str, Path]:
    """sha256d and blake3 WASM packages built from plugins/, signed by alice."""
    out = tmp_path_factory.mktemp("built")
    return {
        name: build_package(PLUGINS / f"{name}-wasm", [keys["alice"]], out)
        for name in ("sha256d", "blake3")
    }


@dataclass
class PackageParts:
    manifest: dict[str, Any]
    artifacts: dict[str, bytes]


def read_parts(path: Path) -> PackageParts:
    import json

    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        artifacts = {n: zf.read(n) for n in zf.namelist() if n not in ("manifest.json", "signatures.json")}
    return PackageParts(manifest, artifacts)


def repack(
    base: Path,
    dest: Path,
    signers: list[PrivateKey],
    *,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    artifact: bytes | None = None,
) -> Path:
    """A validly signed variant of ``base``: edit the manifest and/or swap the
    entry artifact (its size and sha256 are updated), then sign."""
    parts = read_parts(base)
    m = parts.manifest
    if artifact is not None:
        entry = m["entry"]
        parts.artifacts[entry] = artifact
        for a in m["artifacts"]:
            if a["path"] == entry:
                a["size"], a["sha256"] = len(artifact), hashlib.sha256(artifact).hexdigest()
    if manifest is not None:
        manifest(m)
    raw = canonical_bytes(m)
    write_package(dest, raw, [Signature(k.public.key_id, k.sign(raw)) for k in signers], parts.artifacts)
    return dest


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
