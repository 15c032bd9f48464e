"""A running pool follows ``chimera migrate`` issued from another store handle.

A real Stratum pool on 127.0.0.1 (simnet, SQLite store in a fresh
CHIMERA_HOME) with the bundled miner submitting sha256d shares. The operator
side is the CLI (``main([...])``) on its own ``open_store()``, as from a second
shell; the pool only learns of it through the store (its controller's tick).

1. immediate: built-in sha256d -> the signed WASM package 1.0.0 built from
   plugins/sha256d-wasm and installed with ``chimera algo install``;
2. gradual: 1.0.0 -> the same plugin signed as 1.0.1, shadow + two steps;
3. a deliberately wrong candidate (right on the preflight vectors, wrong on
   live headers) is rolled back, while every share keeps being accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from chimera_algo import packages, registry
from chimera_algo.cli import main
from chimera_algo.hasher import Hasher
from chimera_algo.migration import MigrationController
from chimera_algo.migration.controller import ComparingHasher
from chimera_algo.migration.preflight import test_vectors as preflight_vectors
from chimera_algo.packages.builder import build_package
from chimera_algo.packages.signing import load_private_key
from chimera_algo.packages.toolchain import wasm_compiler
from chimera_algo.pool.app import build_server, cancel, close_sink, open_sink
from chimera_algo.pool.demo import demo_config
from chimera_algo.pool.miner import StratumMiner
from chimera_algo.store import open_store
from chimera_algo.store.events import MIGRATION_CHANGED
from service_guard import require_service

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "sha256d-wasm"
WRONG_VERSION = "6.6.6"
TIMEOUT = 30.0


class WrongOnLiveHeaders(Hasher):
    """sha256d that passes the preflight vectors and is wrong on anything else:
    the kind of bug only live traffic finds."""

    def __init__(self) -> None:
        self._inner = registry.get_hasher("sha256d")
        self._known = set(preflight_vectors())
        self.name, self.version = "sha256d", WRONG_VERSION
        self.digest_size, self.isa = self._inner.digest_size, "wrong"

    def hash(self, data):
        digest = self._inner.hash(data)
        return digest if bytes(data) in self._known else digest[::-1]

    def hash_many(self, data, item_size):
        return b"".join(self.hash(bytes(data[i:i + item_size])) for i in range(0, len(data), item_size))

    def scan(self, header, start_nonce, count, target):
        return self._inner.scan(header, start_nonce, count, target)


@pytest.fixture(params=["in-process", "redis"])
def home(request, tmp_path, monkeypatch):
    """A fresh CHIMERA_HOME (SQLite store); events in process (the pool
    notices on its next tick) or on Redis (at once)."""
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "home"))
    for var in ("CHIMERA_DATABASE_URL", "CHIMERA_REDIS_URL", "CHIMERA_INFLUX_URL", "CHIMERA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    if request.param == "redis":
        url = os.environ.get("CHIMERA_TEST_REDIS_URL")
        if not url:
            require_service("Redis", "CHIMERA_TEST_REDIS_URL is not set")
        monkeypatch.setenv("CHIMERA_REDIS_URL", url)
    (tmp_path / "home").mkdir()
    packages.set_manager(None)  # the package manager follows this CHIMERA_HOME
    yield tmp_path
    packages.set_manager(None)


def cli(*argv: str) -> Any:
    """One operator command; its JSON answer."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv])
    assert code == 0, (argv, out.getvalue())
    text = out.getvalue()
    return json.loads(text) if text.strip().startswith(("{", "[")) else text


def install_packages(tmp_path: Path) -> None:
    """Operator steps: a key, trust it, build + install 1.0.0; the same
    plugin signed as 1.0.1 (a second release) through the builder."""
    if wasm_compiler() is None:
        require_service("clang-wasm32", "clang + lld (wasm-ld) are needed to build plugins/sha256d-wasm")
    key = tmp_path / "alice.key"
    cli("keygen", str(key), "--comment", "alice")
    cli("trust", "add", f"{key}.pub")
    dist = tmp_path / "dist"
    dist.mkdir()
    cli("package", "build", str(PLUGIN), "--key", str(key), "--out", str(dist))
    release = build_package(PLUGIN, [load_private_key(key)], dist, overrides={"version": "1.0.1"})
    cli("algo", "install", str(dist / "sha256d-wasm-1.0.0.chimera"))
    cli("algo", "install", str(release))


async def until(what: str, check, timeout: float = TIMEOUT, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def operator(*argv: str) -> dict:
    """``chimera migrate ...`` in a thread: its own store handle, not the pool's."""
    return await asyncio.to_thread(cli, "migrate", *argv, "--json")


def status(pool: str) -> dict:
    return cli("migrate", "status", "--pool", pool, "--json")


def test_running_pool_follows_migrations(home, monkeypatch):
    install_packages(home)
    builtin = registry.get_hasher("sha256d")
    baseline = f"sha256d@{builtin.version}"
    wrong = WrongOnLiveHeaders()
    installed = registry._package_resolver

    def resolver(name, version):  # the registry's package hook: one more version, deliberately wrong
        if (name, version) == ("sha256d", WRONG_VERSION):
            return wrong
        return installed(name, version)

    monkeypatch.setattr(registry, "_package_resolver", resolver)

    config = demo_config("sha256d", threads=1, port=0, block_time=3600)
    config.pool.name = "live-test"
    config.difficulty.initial /= 10  # ~10 shares a second: enough samples within a second
    config.difficulty.target_interval = 0.1
    sink = open_sink("", "live-test", str(home / "journal.jsonl"))

    async def scenario() -> None:
        server = build_server(config, sink)
        assert isinstance(server.provider, MigrationController)
        heard: set[str] = set()  # migrations announced on the pool's own event bus
        subscription = sink.store.events.subscribe(MIGRATION_CHANGED, lambda _channel, event: heard.add(event["id"]))
        await server.start()
        miner = StratumMiner(f"stratum+tcp://127.0.0.1:{server.port}", "alice.rig1")
        mining = asyncio.create_task(miner.run())
        stats = server.stats

        def judged(algorithm: str, more_than: int = 0) -> bool:
            if mining.done():
                mining.result()
            return stats.accepted_by_algorithm.get(algorithm, 0) > more_than

        try:
            assert server.jobs.current.algorithm == baseline
            await until(f"shares under {baseline}", lambda: judged(baseline, 3))

            # (a) immediate, by pool name: the CLI resolves it to the pool's row id
            started = await operator("start", "--pool", "live-test", "--to", "sha256d@1.0.0",
                                     "--strategy", "immediate", "--grace", "5")
            assert started["pool"] == server.pool_id
            assert (started["status"], started["progress"]) == ("completed", 100)
            await until("a job under sha256d@1.0.0", lambda: server.jobs.current.algorithm == "sha256d@1.0.0",
                        timeout=5)
            await until("shares judged by the WASM package", lambda: judged("sha256d@1.0.0", 5))
            wasm = server.provider.hasher_for(server.jobs.current, "alice.rig1")
            assert (wasm.version, wasm.isa) == ("1.0.0", "wasm")

            # (b) gradual: shadow 1 s, then 50 % and 100 % of workers, 1 s each. Latency is
            # not under test: over 5 samples p99 is the slowest call (a WASM instance's
            # first call on a thread, a GC pass), so the latency limit is wide open.
            compared = server.provider.metrics.counters["shares_compared"]
            started = await operator("start", "--pool", server.pool_id, "--to", "sha256d@1.0.1",
                                     "--strategy", "gradual", "--shadow-duration", "1", "--phase-duration", "1",
                                     "--steps", "50,100", "--min-samples", "5", "--max-latency-ratio", "1000",
                                     "--grace", "5")
            assert started["current_phase"] == "shadow"
            await until("the comparing hasher in use",
                        lambda: isinstance(server.provider.hasher_for(server.jobs.current, "alice.rig1"),
                                           ComparingHasher) or status(server.pool_id)["status"] == "completed")
            final = await until("the gradual migration to finish",
                                lambda: (s := status(server.pool_id))["status"] in ("completed", "rolled_back",
                                                                                  "failed") and s)
            assert (final["status"], final["progress"]) == ("completed", 100), final
            assert server.provider.metrics.counters["shares_compared"] >= compared + 10
            assert server.provider.metrics.counters["mismatches"] == 0
            await until("a job under sha256d@1.0.1", lambda: server.jobs.current.algorithm == "sha256d@1.0.1",
                        timeout=5)
            await until("shares under 1.0.1", lambda: judged("sha256d@1.0.1", 5))

            # (c) a wrong candidate: caught in shadow, rolled back; miners unaffected
            started = await operator("start", "--pool", server.pool_id, "--to", f"sha256d@{WRONG_VERSION}",
                                     "--strategy", "gradual", "--shadow-duration", "60", "--min-samples", "5",
                                     "--max-latency-ratio", "50")
            assert started["current_phase"] == "shadow"  # preflight passed: the bug hides from its vectors
            final = await until("the wrong candidate rolled back",
                                lambda: (s := status(server.pool_id))["status"] != "in_progress" and s)
            assert (final["status"], final["current_phase"]) == ("rolled_back", "rolled_back"), final
            assert "mismatch" in final["rollback_reason"]
            before = stats.accepted_by_algorithm["sha256d@1.0.1"]
            await until("shares still accepted under 1.0.1", lambda: judged("sha256d@1.0.1", before + 5))
            assert server.jobs.current.algorithm == "sha256d@1.0.1"
            assert WRONG_VERSION not in "".join(stats.accepted_by_algorithm)

            # not one share misjudged: nothing rejected, every one stored as valid
            assert stats.rejected == 0 and miner.stats.rejected == 0
            if os.environ.get("CHIMERA_REDIS_URL"):  # the operator's commands reached the pool on Redis
                operator_ids = {m["id"] for m in cli("migrate", "list", "--json")}
                await until("the operator's events on the pool's bus", lambda: heard >= operator_ids, timeout=5)
        finally:
            subscription.close()
            await cancel(mining)
            await server.stop()

        sink.flush()
        store = open_store()
        try:
            rows = store.shares.list(pool_id=server.pool_id, limit=1_000_000)
            assert len(rows) == stats.accepted and all(r.is_valid for r in rows)
            history = cli("migrate", "list", "--pool", "live-test", "--json")
            assert [m["status"] for m in history] == ["rolled_back", "completed", "completed"]
        finally:
            store.close()

    try:
        asyncio.run(scenario())
    finally:
        close_sink(sink)
