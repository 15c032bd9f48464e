"""A test-side Stratum client speaking raw JSON lines, and a pool fixture."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from chimera_algo import get_hasher
from chimera_algo.pool.app import build_server
from chimera_algo.pool.config import PoolConfig, validate
from chimera_algo.pool.miner import Work
from chimera_algo.pool.persistence import MemorySink
from chimera_algo.pool.serialize import swap_words
from chimera_algo.pool.server import StratumServer
from chimera_algo.targets import MAX_TARGET


def pool_config(**overrides: Any) -> PoolConfig:
    """sha256d on the simnet; shares at difficulty 1e-12 (any hash passes)."""
    cfg = PoolConfig()
    cfg.pool.name = "test"
    cfg.stratum.port = 0
    cfg.difficulty.initial = 1e-12
    cfg.difficulty.min = 1e-12
    cfg.difficulty.vardiff = False
    cfg.simnet.difficulty = 1e6  # no accidental blocks
    for key, value in overrides.items():
        section, name = key.split("__")
        setattr(getattr(cfg, section), name, value)
    return validate(cfg)


async def start_pool(cfg: PoolConfig | None = None, sink: MemorySink | None = None) -> StratumServer:
    server = build_server(cfg or pool_config(), sink or MemorySink())
    await server.start()
    return server


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.notifications: list[dict] = []
        self.ids = 0
        self.extranonce1 = b""
        self.extranonce2_size = 4
        self.job: list | None = None
        self.difficulty: float | None = None

    @classmethod
    async def connect(cls, port: int) -> "Client":
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
        return cls(reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read(self, timeout: float = 5.0) -> dict:
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line:
            raise ConnectionError("closed by the pool")
        message = json.loads(line)
        if message.get("method") == "mining.notify":
            self.job = message["params"]
        elif message.get("method") == "mining.set_difficulty":
            self.difficulty = message["params"][0]
        return message

    async def call(self, method: str, params: list, msg_id: Any = None) -> dict:
        """Send a request; return its answer, keeping notifications aside."""
        if msg_id is None:
            self.ids += 1
            msg_id = self.ids
        await self.send_raw(json.dumps({"id": msg_id, "method": method, "params": params}).encode() + b"\n")
        while True:
            message = await self.read()
            if message.get("method"):
                self.notifications.append(message)
            else:
                return message

    async def handshake(self, worker: str = "alice.rig1") -> None:
        answer = await self.call("mining.subscribe", ["test-client/1"])
        _, en1, size = answer["result"]
        self.extranonce1, self.extranonce2_size = bytes.fromhex(en1), size
        assert (await self.call("mining.authorize", [worker, "x"]))["result"] is True
        while self.job is None:
            self.notifications.append(await self.read())

    def work(self, target: int = MAX_TARGET) -> Work:
        job_id, prevhash, coinb1, coinb2, branch, version, bits, ntime, _ = self.job
        return Work(0, 0, job_id, swap_words(bytes.fromhex(prevhash)), bytes.fromhex(coinb1), bytes.fromhex(coinb2),
                    tuple(bytes.fromhex(b) for b in branch), int(version, 16), int(bits, 16), int(ntime, 16),
                    self.extranonce1, self.extranonce2_size, target)

    def share(self, en2: int, target: int = MAX_TARGET, worker: str = "alice.rig1", algorithm: str = "sha256d") -> list:
        """Submit params for a real share: the kernel scans for a nonce."""
        work = self.work(target)
        extranonce2 = en2.to_bytes(self.extranonce2_size, "big")
        hasher, header = get_hasher(algorithm), work.header_for(extranonce2)
        start, count = 0, 16
        while not (nonces := hasher.scan(header, start, count, target)):
            start, count = start + count, min(count * 4, 1 << 20)
        return [worker, work.job_id, extranonce2.hex(), f"{work.ntime:08x}", f"{nonces[0]:08x}"]

    async def close(self) -> None:
        self.writer.close()
