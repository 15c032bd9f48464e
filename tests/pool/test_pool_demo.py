"""The demo end to end: pool on the simnet with the store (embedded SQLite,
and PostgreSQL when the test server is there), the bundled miner over TCP;
shares and blocks land in the database."""

import asyncio
import io
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chimera_algo.pool.app import close_sink, open_sink
from chimera_algo.pool.demo import run_demo
from conftest import require_service


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database: SQLite in tmp_path, or a scratch database on the
    PostgreSQL test server (.ci/services.d/10-postgres.sh)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/demo.db"
        return
    server = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not server:
        require_service("PostgreSQL", "CHIMERA_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    admin_url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"chimera_pool_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure means the server is not usable here
        require_service("PostgreSQL", f"cannot create a database on {server}: {exc}")
    yield f"{server.rpartition('/')[0]}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_demo_mines_blocks_into_the_store(database_url, tmp_path):
    sink = open_sink(database_url, "demo-test", str(tmp_path / "journal.jsonl"))
    out = io.StringIO()
    try:
        server = asyncio.run(run_demo("sha256d", threads=1, block_time=2.0, duration=12, sink=sink, out=out, interval=1))
        sink.flush()
        store = sink.store
        pool = store.pools.get(server.pool_id)
        assert pool.name == "demo" and store.pools.active_configuration(pool.id).configuration["pool"]["algorithm"] == "sha256d"
        stored = store.shares.list(pool_id=pool.id)
        # With 2 s blocks a share can race a new block: stale is the only rejection allowed.
        assert server.stats.accepted > 0 and server.stats.rejected == server.stats.stale
        assert len(stored) == server.stats.accepted + server.stats.rejected
        assert sum(s.is_valid for s in stored) == server.stats.accepted
        blocks = store.blocks.list(pool_id=pool.id)
        assert server.stats.blocks_accepted >= 1, out.getvalue()
        assert len(blocks) == server.stats.blocks_found
        assert {b.share_id for b in blocks} <= {s.id for s in stored if s.is_block}
        assert server.source.height == 1 + server.stats.blocks_accepted  # our blocks extended the simnet
        assert "accepted" in out.getvalue()
        server.publish_stats()
        assert int(store.pools.stats(pool.id)["active_miners"]) == 0  # the miner has left
        now = datetime.now(timezone.utc)
        buckets = store.timeseries.query("pool_stats", "total_hashrate", now - timedelta(minutes=5), now + timedelta(minutes=1))
        assert buckets  # points were recorded every 5 s during the run and just now
    finally:
        close_sink(sink)


def test_cli_demo_runs_and_exits_cleanly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "chimera_algo", "pool", "demo", "--duration", "4", "--database", "memory"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "shares" in result.stdout and "terminate" not in result.stderr


def test_cli_pool_run_reports_config_errors(tmp_path):
    bad = tmp_path / "pool.toml"
    bad.write_text("[stratum]\nport = 99999\n")
    result = subprocess.run(
        [sys.executable, "-m", "chimera_algo", "pool", "run", "--config", str(bad)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "[stratum] port: must be 0..65535" in result.stderr


def test_cli_miner_reports_connection_and_url_errors():
    for args, words in (
        (["--url", "http://127.0.0.1:1", "--user", "a.b"], "expected stratum+tcp://HOST:PORT"),
        (["--url", "stratum+tcp://127.0.0.1:1", "--user", "a.b", "--duration", "2"], "miner stopped"),
        (["--url", "stratum+tcp://127.0.0.1:1", "--user", "a.b", "--algo", "md5"], "unknown algorithm"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "chimera_algo", "miner", *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2 and words in result.stderr, result.stderr
