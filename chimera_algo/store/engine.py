"""SQLAlchemy engines for the two backends, with the per-connection settings each needs."""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from chimera_algo.store.errors import ConfigError


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _iregexp(pattern: str, value: str | None) -> bool | None:
    # Backs the users.email CHECK on SQLite (PostgreSQL uses ~*).
    if value is None:
        return None
    return _compiled(pattern).search(value) is not None


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy (not pysqlite) issue BEGIN; see _begin_immediate.
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function("chimera_iregexp", 2, _iregexp, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL is durable across application crashes; only an OS crash
        # can lose the last transactions.
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later writes
    # fails at once with "database is locked" when another writer got there
    # first, instead of waiting busy_timeout. The cost: read transactions
    # queue behind a writer too (each is short; the share writer's batches
    # last milliseconds).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_store_engine(url: str) -> Engine:
    """An engine for a normalized URL; creates the SQLite file's directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise ConfigError("an in-memory SQLite database cannot be shared between threads; use a file path")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(
        url,
        pool_size=8,
        max_overflow=8,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": "chimera"},
    )
