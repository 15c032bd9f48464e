"""Migration 0004 adds the payout tables to a database created before it."""

from __future__ import annotations

from sqlalchemy import inspect

from chimera_algo.payouts.ledger_schema import LEDGER_TABLES
from chimera_algo.store import migrate
from chimera_algo.store.engine import create_store_engine


def test_0004_upgrades_an_existing_database_in_place(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, "0003")
        assert not {t.name for t in LEDGER_TABLES} & set(inspect(engine).get_table_names())
        assert migrate.upgrade(engine) == ("0003", migrate.head_revision())
        assert {t.name for t in LEDGER_TABLES} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
