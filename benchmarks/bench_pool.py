"""Load benchmark of the Stratum pool on 127.0.0.1 (bounded count and time).

Runs the pool (sha256d, simnet, in-memory sink) in a child process and
simulated miners in this one. Share difficulty is 1e-12, so every nonce is a
valid share and the miners need not hash: the load is the pool's own work,
each share fully validated (coinbase, merkle root, header, sha256d, targets,
duplicate set, persist-enqueue, answer).

Measures:
* throughput: pipelined submits from a few connections, shares/s answered,
  and the pool process's CPU use;
* latency: submits paced at a fixed rate, p50/p99 answer time;
* connections: N subscribed+authorized idle miners, pool RSS per connection.
Baseline in the same run: ShareValidator.validate alone (no network, no
JSON), so the report gives end-to-end / validation-only.

    python benchmarks/bench_pool.py [--seconds 5] [--connections 10000] [--rate 20000]

Also collected by pytest (``pytest benchmarks/bench_pool.py``) for the
validation-only baseline under pytest-benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import statistics
import time

HOST = "127.0.0.1"


# --- the pool, in a child process ------------------------------------------------------

def _serve(port_queue: multiprocessing.Queue, max_connections: int) -> None:
    from chimera_algo.pool.app import build_server, run
    from chimera_algo.pool.config import PoolConfig, validate
    from chimera_algo.pool.persistence import MemorySink

    cfg = PoolConfig()
    cfg.stratum.port = 0
    cfg.stratum.max_connections = max_connections + 10
    cfg.stratum.max_connections_per_ip = max_connections + 10
    cfg.stratum.max_submits_per_second = 1e9
    cfg.stratum.job_refresh = 3600
    cfg.difficulty.initial = cfg.difficulty.min = 1e-12
    cfg.difficulty.vardiff = False
    cfg.simnet.difficulty = 1e9
    validate(cfg)

    async def main() -> int:
        server = build_server(cfg, MemorySink(keep_shares=False))
        await server.start()
        port_queue.put(server.port)
        await asyncio.Event().wait()
        return 0

    run(main)


def _proc_stats(pid: int) -> tuple[float, int]:
    """(CPU seconds, resident bytes) of ``pid`` from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return cpu, rss_kib * 1024


# --- simulated miners ------------------------------------------------------------------------

class SimMiner:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.job_id = ""
        self.ntime = ""
        self.nonce = 0
        self.en2 = 0

    @classmethod
    async def connect(cls, port: int, name: str) -> "SimMiner":
        reader, writer = await asyncio.open_connection(HOST, port)
        miner = cls(reader, writer)
        writer.write(
            b'{"id":1,"method":"mining.subscribe","params":["bench"]}\n'
            + json.dumps({"id": 2, "method": "mining.authorize", "params": [name, "x"]}).encode() + b"\n"
        )
        while not miner.job_id:
            message = json.loads(await reader.readline())
            if message.get("method") == "mining.notify":
                miner.job_id, miner.ntime = message["params"][0], message["params"][7]
        return miner

    def submit_line(self, msg_id: int, name: str) -> bytes:
        self.nonce += 1
        if self.nonce == 1 << 32:
            self.nonce, self.en2 = 0, self.en2 + 1
        return (
            f'{{"id":{msg_id},"method":"mining.submit","params":["{name}","{self.job_id}",'
            f'"{self.en2:08x}","{self.ntime}","{self.nonce:08x}"]}}\n'
        ).encode()


async def throughput(port: int, seconds: float, connections: int = 4, window: int = 512) -> dict:
    """Each connection keeps ``window`` submits in flight; answers are
    counted by newline (no JSON parsing) so the generator stays cheap."""
    miners = [await SimMiner.connect(port, f"bench.t{i}") for i in range(connections)]
    answered = errors = 0
    stop_at = time.perf_counter() + seconds

    async def drive(miner: SimMiner, index: int) -> None:
        nonlocal answered, errors
        name = f"bench.t{index}"
        miner.writer.write(b"".join(miner.submit_line(i, name) for i in range(window)))
        while time.perf_counter() < stop_at:
            data = await miner.reader.read(1 << 16)
            if not data:
                raise ConnectionError("pool closed a benchmark connection")
            n = data.count(b"\n")
            answered += n
            errors += data.count(b'"error":[')
            miner.writer.write(b"".join(miner.submit_line(0, name) for _ in range(n)))
        miner.writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(drive(m, i) for i, m in enumerate(miners)))
    elapsed = time.perf_counter() - began
    return {"shares_per_s": answered / elapsed, "answered": answered, "errors": errors}


_ID = re.compile(rb'"id":(\d+)')


async def latency(port: int, rate: float, seconds: float, connections: int = 8) -> dict:
    """Submits paced at ``rate``/s total (5 ms bursts); answer time per submit."""
    miners = [await SimMiner.connect(port, f"bench.l{i}") for i in range(connections)]
    samples: list[float] = []
    errors = 0

    async def drive(miner: SimMiner, index: int) -> None:
        nonlocal errors
        name = f"bench.l{index}"
        sent: dict[int, float] = {}
        tick = 0.005
        per_tick = rate / connections * tick  # fractional: carried over so the rate is met exactly
        due = 0.0
        msg_id = 0

        async def reader() -> None:
            nonlocal errors
            while True:
                data = await miner.reader.read(1 << 16)
                if not data:
                    return
                now = time.perf_counter()
                errors += data.count(b'"error":[')
                for match in _ID.findall(data):
                    began = sent.pop(int(match), None)
                    if began is not None:
                        samples.append(now - began)

        read_task = asyncio.create_task(reader())
        start = next_at = time.perf_counter()
        while next_at - start < seconds:
            now = time.perf_counter()
            if now < next_at:
                await asyncio.sleep(next_at - now)
            lines = []
            stamp = time.perf_counter()
            due += per_tick
            burst = int(due)
            due -= burst
            for _ in range(burst):
                msg_id += 1
                sent[msg_id] = stamp
                lines.append(miner.submit_line(msg_id, name))
            if lines:
                miner.writer.write(b"".join(lines))
            next_at += tick
        await asyncio.sleep(0.5)
        read_task.cancel()
        miner.writer.close()

    await asyncio.gather(*(drive(m, i) for i, m in enumerate(miners)))
    samples.sort()
    q = statistics.quantiles(samples, n=100) if len(samples) > 100 else [float("nan")] * 99
    return {
        "target_rate": rate,
        "achieved_rate": len(samples) / seconds,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": errors,
    }


async def hold_connections(port: int, pid: int, count: int) -> dict:
    _, rss_before = _proc_stats(pid)
    held = []
    for start in range(0, count, 500):
        batch = await asyncio.gather(
            *(SimMiner.connect(port, f"bench.c{i}") for i in range(start, min(count, start + 500)))
        )
        held.extend(batch)
    await asyncio.sleep(1.0)
    _, rss_after = _proc_stats(pid)
    assert len(held) == count
    for miner in held:
        miner.writer.close()
    return {"connections": len(held), "rss_delta_mib": (rss_after - rss_before) / 2**20,
            "bytes_per_connection": (rss_after - rss_before) / max(1, len(held))}


def validation_only(seconds: float) -> dict:
    """Baseline: the validator alone on one core."""
    from chimera_algo import get_hasher
    from chimera_algo.hasher import StaticHasherProvider
    from chimera_algo.pool.jobs import JobManager
    from chimera_algo.pool.shares import ShareValidator, Submission
    from chimera_algo.pool.simnet import Simnet, SimnetSettings
    from chimera_algo.targets import MAX_TARGET

    hasher = get_hasher("sha256d")
    provider = StaticHasherProvider(hasher)
    job = JobManager(provider, b"\x51", b"/bench/", 8).new_job(Simnet(SimnetSettings(difficulty=1e9), hasher).template())
    validator = ShareValidator(provider, 4)
    en1 = bytes(4)
    ntime = f"{job.ntime:08x}"
    done = 0
    # CPU time, not wall time: the machine is shared, and this is a per-core figure.
    began = time.process_time()
    while time.process_time() - began < seconds:
        for _ in range(1000):
            done += 1
            sub = Submission("b.x", job.job_id, f"{done >> 32:08x}", ntime, f"{done & 0xFFFFFFFF:08x}")
            validator.validate(job, sub, en1, MAX_TARGET, 0)
    return {"shares_per_s": done / (time.process_time() - began)}


def test_validation_only_baseline(benchmark):
    benchmark.pedantic(validation_only, args=(0.5,), rounds=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase, max 60")
    parser.add_argument("--connections", type=int, default=10_000, help="idle connections to hold, max 15000")
    parser.add_argument("--rate", type=float, default=20_000.0, help="paced submits/s for the latency phase")
    args = parser.parse_args()
    seconds = min(args.seconds, 60.0)
    count = min(args.connections, 15_000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 1000)), hard))

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    baseline = validation_only(seconds)
    print(f"validation only (no network, per CPU-second): {baseline['shares_per_s']:,.0f} shares/s")
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no memory inherited from this one
    ports: multiprocessing.Queue = spawn.Queue()
    child = spawn.Process(target=_serve, args=(ports, count), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=60)
        # First, on a fresh process, so RSS growth is the connections' own.
        held = asyncio.run(hold_connections(port, child.pid, count))
        print(f"held {held['connections']:,} connections: pool RSS +{held['rss_delta_mib']:.1f} MiB, "
              f"{held['bytes_per_connection'] / 1024:.1f} KiB per connection")
        cpu0, _ = _proc_stats(child.pid)
        t0, own0 = time.perf_counter(), time.process_time()
        result = asyncio.run(throughput(port, seconds))
        wall = time.perf_counter() - t0
        cpu = (_proc_stats(child.pid)[0] - cpu0) / wall
        own = (time.process_time() - own0) / wall
        per_core = result["shares_per_s"] / cpu if cpu else float("nan")
        print(f"end to end: {result['shares_per_s']:,.0f} shares/s answered ({result['errors']} errors), "
              f"pool CPU {cpu * 100:.0f}% of a core (= {per_core:,.0f} shares per pool CPU-second), "
              f"load generator CPU {own * 100:.0f}%; "
              f"per-CPU-second ratio to validation-only {per_core / baseline['shares_per_s']:.2f}")
        lat = asyncio.run(latency(port, args.rate, seconds))
        print(f"paced {lat['target_rate']:,.0f}/s: achieved {lat['achieved_rate']:,.0f}/s, "
              f"p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms ({lat['errors']} errors)")
    finally:
        child.terminate()
        child.join()


if __name__ == "__main__":
    main()
