"""``chimera pool demo``: pool on the simnet + the bundled miner, live stats."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from chimera_algo.pool.app import build_server, cancel, close_sink, format_rate, open_sink, serve_packages_from
from chimera_algo.pool.config import PoolConfig, validate
from chimera_algo.pool.miner import StratumMiner
from chimera_algo.pool.persistence import PoolSink
from chimera_algo.pool.server import StratumServer, difficulty_family
from chimera_algo.registry import get_hasher
from chimera_algo.targets import diff1_target, target_to_difficulty


def measure_hashrate(algorithm: str, seconds: float = 0.3) -> float:
    """Hashes per second of one thread of the bundled miner's kernel."""
    hasher = get_hasher(algorithm)
    head = bytes(80)
    count, done = 256, 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        hasher.scan(head, done, count, 0)
        done += count
        count *= 2
    return done / (time.perf_counter() - began)


def demo_config(algorithm: str, threads: int, port: int, block_time: float) -> PoolConfig:
    """Difficulties sized to this machine: about one share per second per
    thread and one block per ``block_time`` to start; vardiff and the simnet's
    retarget take it from there."""
    rate = measure_hashrate(algorithm) * threads
    hashes_per_diff1 = (1 << 256) / diff1_target(difficulty_family(algorithm))
    share_diff = rate / hashes_per_diff1
    cfg = PoolConfig()
    cfg.pool.name = "demo"
    cfg.pool.algorithm = algorithm
    cfg.stratum.port = port
    cfg.stratum.job_refresh = 10.0
    cfg.difficulty.initial = share_diff
    cfg.difficulty.min = share_diff / 1000
    cfg.difficulty.max = share_diff * 1000
    cfg.difficulty.target_interval = 2.0
    cfg.difficulty.retarget_window = 20.0
    cfg.simnet.block_time = block_time
    cfg.simnet.difficulty = share_diff * block_time
    cfg.node.confirmations = 3
    return validate(cfg)


def stats_line(server: StratumServer, miner: StratumMiner, elapsed: float) -> str:
    s = server.stats
    job = server.jobs.current
    height = job.height if job else 0
    net = target_to_difficulty(job.network_target, server.family) if job else 0.0
    return (
        f"[{elapsed:6.0f}s] {job.algorithm if job else '-'} | "
        f"pool {format_rate(s.hashrate)} (miner {format_rate(miner.hashrate)}) | "
        # Stale shares (found just as a new block arrived) are normal; say so.
        f"shares {s.accepted} accepted, {s.rejected} rejected ({s.stale} stale) | "
        f"blocks {s.blocks_accepted} found, height {height} | "
        f"share diff {miner.stats.difficulty:.4g} | network diff {net:.4g}"
    )


async def run_demo(
    algorithm: str = "sha256d",
    threads: int = 1,
    port: int = 0,
    block_time: float = 30.0,
    duration: float | None = None,
    sink: PoolSink | None = None,
    out: TextIO = sys.stdout,
    interval: float = 2.0,
    database: str = "",
) -> StratumServer:
    """Run until ``duration`` elapses (or forever); returns the stopped server."""
    config = demo_config(algorithm, threads, port, block_time)
    own_sink = sink is None
    if own_sink:
        sink = open_sink(database, "demo")
        serve_packages_from(sink)
    server = build_server(config, sink)
    await server.start()
    url = f"stratum+tcp://127.0.0.1:{server.port}"
    where = getattr(getattr(sink, "store", None), "engine", None)
    print(f"Chimera demo pool ({algorithm}) on {url}; simnet block time {block_time:.0f}s. Ctrl-C stops.", file=out)
    if where is not None:
        print(f"Shares, miners and blocks go to {where.url.render_as_string(hide_password=True)}", file=out)
    miner = StratumMiner(url, "demo.worker1", algorithm=algorithm, threads=threads)
    mining = asyncio.create_task(miner.run())
    began = time.monotonic()
    try:
        while duration is None or time.monotonic() - began < duration:
            await asyncio.sleep(interval if duration is None else min(interval, max(0.0, duration - (time.monotonic() - began))))
            if mining.done():
                mining.result()  # re-raise why the miner stopped
            print(stats_line(server, miner, time.monotonic() - began), file=out, flush=True)
    finally:
        await cancel(mining)
        await server.stop()
        if own_sink:
            close_sink(sink)
    return server
