"""The pieces the live migration stands on, each on its own: which provider a
pool gets, how a stale job of a replaced implementation is answered, and how
``chimera migrate --pool`` names a pool."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json

import pytest

from chimera_algo import get_hasher
from chimera_algo.cli import main
from chimera_algo.hasher import StaticHasherProvider
from chimera_algo.migration import FakeClock, MigrationController
from chimera_algo.migration.store_adapter import StoreMigrationRepository
from chimera_algo.pool import errors
from chimera_algo.pool.app import build_provider, build_server, close_sink, open_sink
from chimera_algo.pool.config import PoolConfig, as_dict, validate
from chimera_algo.pool.errors import StratumError
from chimera_algo.pool.jobs import JobManager
from chimera_algo.pool.persistence import MemorySink
from chimera_algo.pool.shares import ShareValidator, Submission
from chimera_algo.pool.simnet import Simnet, SimnetSettings
from chimera_algo.store import open_store
from chimera_algo.targets import MAX_TARGET

BUILTIN = get_hasher("sha256d")
BASELINE = f"sha256d@{BUILTIN.version}"
OTHER = "sha256d@9.0.0"  # the built-in kernel under another version


class Renamed:
    """The built-in sha256d answering as another version."""

    def __init__(self, version: str):
        self.name, self.version, self.digest_size, self.isa = "sha256d", version, 32, BUILTIN.isa

    def hash(self, data):
        return BUILTIN.hash(data)


def resolve(spec: str):
    return BUILTIN if spec == BASELINE else Renamed(spec.split("@")[1])


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path))
    for var in ("CHIMERA_DATABASE_URL", "CHIMERA_REDIS_URL", "CHIMERA_INFLUX_URL", "CHIMERA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return f"sqlite:///{tmp_path}/chimera.db"


def config(name: str = "seam", port: int = 3999) -> PoolConfig:
    cfg = PoolConfig()
    cfg.pool.name = name
    cfg.stratum.port = port
    return validate(cfg)


def test_without_a_store_the_built_in_kernel_judges():
    provider = build_provider(config(), MemorySink())
    assert isinstance(provider, StaticHasherProvider)
    assert provider.algorithm_for_new_job(1) == BASELINE


def test_with_a_store_the_pool_follows_its_pools_row(store_url, tmp_path):
    sink = open_sink(store_url, "seam", str(tmp_path / "journal"))
    try:
        provider = build_provider(config(), sink)
        assert isinstance(provider, MigrationController)
        pool_id = sink.register_pool("seam", as_dict(config()))  # what the server registers at start
        assert provider.pool == pool_id
        assert provider.algorithm_for_new_job(1) == BASELINE
        provider.close()
    finally:
        close_sink(sink)


def test_a_stale_job_of_the_replaced_implementation_is_answered_21(store_url):
    store = open_store(store_url)
    clock = FakeClock()
    controller = MigrationController("p", StoreMigrationRepository(store), baseline=BASELINE,
                                     resolver=resolve, clock=clock)
    try:
        simnet = Simnet(SimnetSettings(difficulty=1e6), BUILTIN)
        jobs = JobManager(controller, bytes.fromhex("0014" + "11" * 20), b"/t/", 8)
        old = jobs.new_job(simnet.template())
        assert old.algorithm == BASELINE
        validator = ShareValidator(controller, 4, clock=lambda: old.ntime)
        controller.start(OTHER, "immediate", grace_seconds=5)
        assert jobs.new_job(simnet.template()).algorithm == OTHER

        def submit(nonce: str):
            share = Submission("u.w", old.job_id, "00000000", f"{old.ntime:08x}", nonce)
            return validator.validate(old, share, bytes(4), MAX_TARGET, 0)

        assert submit("00000001").digest  # within the grace window: judged by the old implementation
        clock.advance(6)
        with pytest.raises(StratumError) as raised:
            submit("00000002")
        assert raised.value.code == errors.JOB_NOT_FOUND and "grace window" in raised.value.message
    finally:
        controller.close()
        store.close()


def migrate(store_url: str, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["migrate", "--database", store_url, *argv])
    return code, out.getvalue() + err.getvalue()


def test_migrate_names_a_pool_by_its_row(store_url, tmp_path):
    sink = open_sink(store_url, "seam", str(tmp_path / "journal"))
    try:
        first = sink.register_pool("seam", as_dict(config("seam", 4001)))
        code, out = migrate(store_url, "list", "--pool", "seam", "--json")
        assert (code, out.strip()) == (0, "[]")
        sink.register_pool("seam", as_dict(config("seam", 4002)))  # a second pool of that name
        code, out = migrate(store_url, "status", "--pool", "seam")
        assert code == 2 and "2 pools are named 'seam'" in out and first in out
        code, out = migrate(store_url, "status", "--pool", first)
        assert code == 2 and f"pool {first} has no migrations" in out
        code, out = migrate(store_url, "list", "--pool", "no-such-pool", "--json")
        assert (code, out.strip()) == (0, "[]")  # a name no pools row has is kept as given
    finally:
        close_sink(sink)


async def authorize(port: int, worker: str) -> dict:
    """mining.subscribe + mining.authorize over a raw socket; the authorize answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for msg_id, method, params in ((1, "mining.subscribe", ["t/1"]), (2, "mining.authorize", [worker, "x"])):
            writer.write(json.dumps({"id": msg_id, "method": method, "params": params}).encode() + b"\n")
            await writer.drain()
        while True:
            answer = json.loads(await asyncio.wait_for(reader.readline(), 5))
            if answer.get("id") == 2:
                return answer
    finally:
        writer.close()


def test_miners_reconnect_after_a_pool_restart_on_the_same_store(store_url, tmp_path):
    """Connection ids are unique in miner_connections: a restarted pool must not reuse them."""
    cfg = config("restart", 0)
    sink = open_sink(store_url, "restart", str(tmp_path / "journal"))

    async def run_once() -> dict:
        server = build_server(cfg, sink)
        await server.start()
        try:
            return await authorize(server.port, "carol.rig1")
        finally:
            await server.stop()

    try:
        for _ in range(2):
            answer = asyncio.run(run_once())
            assert answer["result"] is True and answer["error"] is None, answer
    finally:
        close_sink(sink)
