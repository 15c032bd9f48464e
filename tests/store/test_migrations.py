"""Versioned migrations: init, refusal of newer schemas, upgrade in place."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from chimera_algo.store import SchemaOutdatedError, SchemaTooNewError, open_store
from chimera_algo.store import migrate
from chimera_algo.store.config import normalize_database_url
from chimera_algo.store.engine import create_store_engine
from chimera_algo.store.schema import DATA_MODEL_TABLES


def test_init_creates_every_table_of_the_data_model(backend, fresh_url):
    engine = create_store_engine(normalize_database_url(fresh_url))
    assert migrate.status(engine).state == "empty"
    before, after = migrate.upgrade(engine)
    assert (before, after) == (None, migrate.head_revision())
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in DATA_MODEL_TABLES} <= tables
    assert {"audit_log", "ts_points_1m", "ts_points_1h"} <= tables
    assert migrate.status(engine).state == "current"
    # Running it again is a no-op.
    assert migrate.upgrade(engine) == (after, after)
    engine.dispose()


def test_refuses_a_database_newer_than_the_code(backend, fresh_url):
    engine = create_store_engine(normalize_database_url(fresh_url))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert migrate.status(engine).state == "newer"
    with pytest.raises(SchemaTooNewError, match="newer version"):
        migrate.upgrade(engine)
    with pytest.raises(SchemaTooNewError):
        open_store(fresh_url)
    engine.dispose()


def test_upgrade_in_place_keeps_data(backend, fresh_url):
    engine = create_store_engine(normalize_database_url(fresh_url))
    migrate.upgrade(engine, "0001")  # an install from before the additions and seeds
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, username, email, password_hash, salt) "
            "VALUES ('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'olduser', 'old@example.com', 'x', 'y')"
            if backend == "sqlite" else
            "INSERT INTO users (username, email, password_hash, salt) VALUES ('olduser', 'old@example.com', 'x', 'y')"))
    assert "audit_log" not in inspect(engine).get_table_names()
    with pytest.raises(SchemaOutdatedError, match="chimera db upgrade"):
        open_store(fresh_url, upgrade=False)
    engine.dispose()

    with open_store(fresh_url) as store:  # upgrades 0001 -> head in place
        assert migrate.status(store.engine).state == "current"
        assert store.users.get_by_username("olduser").email == "old@example.com"
        assert store.cryptocurrencies.by_symbol("BTC").block_time == 600
        store.audit.record("tester", "upgrade.checked")
        assert [e.action for e in store.audit.list()] == ["upgrade.checked"]
