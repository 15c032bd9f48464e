"""Wiring: a configuration becomes a running pool (source, provider, sink,
server), and the demo's live statistics."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Awaitable, Callable

from chimera_algo.hasher import HasherProvider, StaticHasherProvider
from chimera_algo.pool.config import PoolConfig, as_dict
from chimera_algo.pool.persistence import MemorySink, PoolSink
from chimera_algo.pool.rpc import RpcSettings, RpcSource
from chimera_algo.pool.server import StratumServer, difficulty_family
from chimera_algo.pool.simnet import Simnet, SimnetSettings
from chimera_algo.pool.sources import TemplateSource
from chimera_algo.registry import get_hasher


def build_source(config: PoolConfig) -> TemplateSource:
    node = config.node
    if node.kind == "simnet":
        sim = config.simnet
        settings = SimnetSettings(
            block_time=sim.block_time,
            difficulty=sim.difficulty,
            family=difficulty_family(config.pool.algorithm),
            transactions=sim.transactions,
            block_reward=sim.block_reward,
        )
        return Simnet(settings, get_hasher(config.pool.algorithm))
    return RpcSource(
        RpcSettings(
            url=node.url,
            user=node.user,
            password=node.password,
            cookie_file=node.cookie_file,
            rules=tuple(config.gbt_rules),
            poll_interval=node.poll_interval,
            timeout=node.timeout,
        )
    )


def build_provider(config: PoolConfig, sink: PoolSink | None) -> HasherProvider:
    """Who judges shares. With a store: the pool's MigrationController, so
    ``chimera migrate --pool POOL`` steers the running pool (POOL is the
    ``pools`` row id this registers, or its name); it starts from the
    pool's migration history, else the configured algorithm's built-in
    kernel. Without a store: that built-in kernel, fixed."""
    builtin = get_hasher(config.pool.algorithm)
    store = getattr(sink, "store", None)
    if sink is None or store is None:
        return StaticHasherProvider(builtin)
    from chimera_algo.migration import MigrationController
    from chimera_algo.migration.store_adapter import StoreMigrationEvents, StoreMigrationRepository

    pool_id = sink.register_pool(config.pool.name, as_dict(config))
    return MigrationController(pool_id, StoreMigrationRepository(store), baseline=f"{builtin.name}@{builtin.version}",
                               events=StoreMigrationEvents(store))


def build_server(
    config: PoolConfig,
    sink: PoolSink | None = None,
    provider: HasherProvider | None = None,
    source: TemplateSource | None = None,
) -> StratumServer:
    provider = provider or build_provider(config, sink)
    return StratumServer(config, provider, source or build_source(config), sink)


def open_sink(url: str, name: str = "pool", journal_path: str | None = None) -> PoolSink:
    """The store-backed sink for ``url`` ("" = the store's default, embedded
    SQLite unless configured), or an in-memory one for "memory". ``name``
    names the share writer's journal (one per pool process)."""
    if url == "memory":
        return MemorySink()
    from chimera_algo.pool.store_sink import StoreSink
    from chimera_algo.store import open_store

    return StoreSink(open_store(url or None), name, journal_path)


def serve_packages_from(sink: PoolSink) -> None:
    """Look installed packages up in the pool's own store (not the default
    one), so ``chimera migrate --database URL`` and the pool agree on what is
    installed. For a pool process: the package manager is process-wide."""
    store = getattr(sink, "store", None)
    if store is None:
        return
    from chimera_algo import packages
    from chimera_algo.packages.records import StoreRecords

    packages.set_manager(packages.PackageManager(StoreRecords(store)))


def close_sink(sink: PoolSink) -> None:
    sink.close()
    store = getattr(sink, "store", None)
    if store is not None:
        store.close()


def run(main: Callable[[], Awaitable[int]]) -> int:
    """Run ``main`` on uvloop when it is installed, else asyncio's loop."""
    try:
        import uvloop  # optional: faster event loop
    except ImportError:
        return asyncio.run(main())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())


async def wait_forever_or(seconds: float | None) -> None:
    if seconds is None:
        await asyncio.Event().wait()
    else:
        await asyncio.sleep(seconds)


def format_rate(hashes_per_second: float) -> str:
    for unit in ("", "k", "M", "G", "T", "P"):
        if hashes_per_second < 1000:
            return f"{hashes_per_second:.2f} {unit}H/s"
        hashes_per_second /= 1000
    return f"{hashes_per_second:.2f} EH/s"


async def cancel(task: asyncio.Task) -> None:
    """Stop ``task``; a task that already ended keeps its outcome for whoever
    checked it (callers look at ``task.result()`` before cancelling)."""
    if task.done():
        if not task.cancelled():
            task.exception()  # mark retrieved
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
