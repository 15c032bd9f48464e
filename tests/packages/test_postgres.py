"""The package records on PostgreSQL (the production backend): rows, status
changes and audit entries through the same StoreRecords adapter."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from chimera_algo import get_hasher, packages
from chimera_algo.packages import errors
from chimera_algo.packages.manager import PackageManager
from chimera_algo.packages.records import StoreRecords
from chimera_algo.packages.trust import TrustStore
from chimera_algo.store.config import normalize_database_url

from .conftest import require_service
from .helpers import TEST_SANDBOX, repack


@pytest.fixture(scope="module")
def pg_url(pytestconfig):
    server = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not server:
        require_service(pytestconfig, "PostgreSQL", "CHIMERA_TEST_POSTGRES_URL is not set")
    try:
        admin = create_engine(normalize_database_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the server is unusable
        require_service(pytestconfig, "PostgreSQL", f"cannot connect to {server}: {exc}")
    name = f"chimera_packages_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{server.rpartition('/')[0]}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_manager(pg_url, tmp_path, keys):
    from chimera_algo.store import open_store

    store = open_store(pg_url)
    with store.engine.begin() as conn:  # each test starts with no package rows
        conn.execute(text("DELETE FROM algorithms WHERE name LIKE '%@%'"))
        conn.execute(text("DELETE FROM audit_log"))
    trust = TrustStore.load(tmp_path / "trust.json")
    trust.add(keys["alice"].public, "alice")
    manager = PackageManager(StoreRecords(store), trust, tmp_path / "packages", sandbox=TEST_SANDBOX)
    yield manager
    store.close()


def test_install_activate_remove_on_postgresql(pg_manager, built, keys, tmp_path):
    records = pg_manager.records
    assert records.store.backend == "postgresql"
    package = pg_manager.install(built["blake3"], operator="ops")
    (row,) = records.all()
    assert row.wasm_binary == package.wasm_binary and row.supported_platforms == ["any"]
    assert row.signatures == package.signatures
    pg_manager.activate("blake3", "1.0.0", operator="ops")
    packages.set_manager(pg_manager)
    try:
        assert get_hasher("blake3", "1.0.0").hash(b"") == get_hasher("blake3").hash(b"")
    finally:
        packages.set_manager(None)
    assert records.get("blake3", "1.0.0").status == "active"

    newer = repack(built["blake3"], tmp_path / "n.chimera", [keys["alice"]], manifest=lambda m: m.update(version="1.1.0"))
    pg_manager.install(newer)
    older = repack(built["blake3"], tmp_path / "o.chimera", [keys["alice"]], manifest=lambda m: m.update(version="0.9.0"))
    with pytest.raises(errors.DowngradeError):
        pg_manager.install(older)
    pg_manager.activate("blake3", "1.1.0", operator="ops")
    pg_manager.remove("blake3", "1.0.0", operator="ops")
    assert {p.version: p.status for p in records.all()} == {"1.0.0": "deprecated", "1.1.0": "active"}
    actions = [(e.action, e.subject) for e in records.audit_entries()]
    assert actions == [
        ("package.install", "blake3@1.0.0"), ("package.activate", "blake3@1.0.0"),
        ("package.install", "blake3@1.1.0"), ("package.activate", "blake3@1.1.0"),
        ("package.remove", "blake3@1.0.0"),
    ]
    assert records.audit_entries()[0].details["signed_by"] == [keys["alice"].public.key_id]


def test_refused_install_writes_nothing_on_postgresql(pg_manager, built, keys, tmp_path):
    bad = repack(built["sha256d"], tmp_path / "b.chimera", [keys["alice"]],
                 manifest=lambda m: m["self_tests"][0].update(digest="00" * 32))
    with pytest.raises(errors.SelfTestError):
        pg_manager.install(bad)
    assert pg_manager.records.all() == [] and pg_manager.records.audit_entries() == []
