"""The bundled CPU miner: a Stratum V1 client driving the native ``scan``
kernels from worker threads (the kernels release the GIL)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from chimera_algo.pool.serialize import header, merkle_root_from_branch, sha256d, swap_words
from chimera_algo.pool.server import difficulty_family
from chimera_algo.registry import get_hasher
from chimera_algo.targets import difficulty_to_target

log = logging.getLogger(__name__)
CHUNK_SECONDS = 0.2  # how long one scan call should take: bounds job-switch latency
MAX_BACKOFF = 30.0  # seconds between reconnection attempts


class MinerError(RuntimeError):
    """The miner cannot continue (bad URL, refused authorization)."""


def parse_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "stratum+tcp" or not parts.hostname or not parts.port:
        raise MinerError(f"expected stratum+tcp://HOST:PORT, got {url!r}")
    return parts.hostname, parts.port


@dataclass(frozen=True)
class Work:
    """One job as the pool sent it, with what the threads need to hash it."""

    generation: int
    connection: int
    job_id: str
    prevhash: bytes  # internal byte order
    coinb1: bytes
    coinb2: bytes
    branch: tuple[bytes, ...]
    version: int
    bits: int
    ntime: int
    extranonce1: bytes
    extranonce2_size: int
    target: int

    def header_for(self, extranonce2: bytes) -> bytes:
        coinbase_hash = sha256d(self.coinb1 + self.extranonce1 + extranonce2 + self.coinb2)
        root = merkle_root_from_branch(coinbase_hash, list(self.branch))
        return header(self.version, self.prevhash, root, self.ntime, self.bits, 0)


@dataclass
class MinerStats:
    hashes: int = 0
    accepted: int = 0
    rejected: int = 0
    difficulty: float = 0.0
    last_error: str = ""


class StratumMiner:
    def __init__(self, url: str, user: str, password: str = "x", algorithm: str = "sha256d", threads: int = 1):
        self.host, self.port = parse_url(url)
        if threads < 1 or threads > 256:
            raise MinerError(f"threads must be 1..256, got {threads}")
        get_hasher(algorithm)  # unknown algorithm: fail before connecting
        self.user = user
        self.password = password
        self.algorithm = algorithm
        self.family = difficulty_family(algorithm)
        self.threads = threads
        self.stats = MinerStats()
        self._work: Work | None = None
        self._work_ready = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._generation = 0
        self._difficulty: float | None = None
        self._pending_difficulty: float | None = None
        self._extranonce1 = b""
        self._extranonce2_size = 4
        self._writer: asyncio.StreamWriter | None = None
        self._ids = 0
        self._pending: dict[int, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = time.monotonic()
        self.connected = False
        self._connection = 0  # which connection the current work came from

    # --- hash rate ----------------------------------------------------------------

    @property
    def hashrate(self) -> float:
        elapsed = time.monotonic() - self._started
        return self.stats.hashes / elapsed if elapsed > 0 else 0.0

    # --- protocol -----------------------------------------------------------------

    async def _send(self, method: str, params: list) -> int:
        self._ids += 1
        assert self._writer is not None
        self._writer.write(json.dumps({"id": self._ids, "method": method, "params": params}).encode() + b"\n")
        await self._writer.drain()
        return self._ids

    async def run(self) -> None:
        """Mine until cancelled; follows ``client.reconnect``. A pool that cannot
        be reached at the start is an error; a lost connection later is retried
        with backoff (up to ``MAX_BACKOFF`` s between attempts), as miners do."""
        self._loop = asyncio.get_running_loop()
        workers = [threading.Thread(target=self._mine, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in workers:
            worker.start()
        connected_once = False
        backoff = 1.0
        try:
            while True:
                try:
                    self.host, self.port, wait = await self._session()
                    connected_once, backoff = True, 1.0
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    if not connected_once and not self.connected:
                        raise
                    connected_once = True
                    self.stats.last_error = f"connection lost: {exc}; retrying in {backoff:.0f}s"
                    log.warning("%s", self.stats.last_error)
                    wait, backoff = backoff, min(MAX_BACKOFF, backoff * 2)
                await asyncio.sleep(wait)
        finally:
            self._stop.set()
            self._work_ready.set()
            if self._writer is not None:
                self._writer.close()
            # A thread still inside a native scan at interpreter exit aborts the process.
            await asyncio.shield(asyncio.to_thread(lambda: [w.join() for w in workers]))

    async def _session(self) -> tuple[str, int, float]:
        """One connection; returns where ``client.reconnect`` sends us next."""
        self.connected = False
        with self._lock:  # work from the previous connection is for another extranonce1
            self._work = None
            self._work_ready.clear()
            self._connection += 1
        reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        self.connected = True
        self._pending.clear()
        self._pending[await self._send("mining.subscribe", ["chimera-miner/1.0"])] = "subscribe"
        self._pending[await self._send("mining.extranonce.subscribe", [])] = "extranonce"
        self._pending[await self._send("mining.authorize", [self.user, self.password])] = "authorize"
        while True:
            line = await reader.readline()
            if not line:
                raise ConnectionError("pool closed the connection")
            message = json.loads(line)
            method = message.get("method")
            if method is None:
                self._answer(message)
            elif method == "mining.notify":
                self._notify(message["params"])
            elif method == "mining.set_difficulty":
                self._set_difficulty(float(message["params"][0]))
            elif method == "mining.set_extranonce":
                self._extranonce1 = bytes.fromhex(message["params"][0])
                self._extranonce2_size = int(message["params"][1])
            elif method == "client.reconnect":
                params = message.get("params") or []
                host = params[0] if len(params) > 0 and params[0] else self.host
                port = int(params[1]) if len(params) > 1 and params[1] else self.port
                wait = float(params[2]) if len(params) > 2 else 0.0
                self._writer.close()
                return host, port, wait

    def _answer(self, message: dict) -> None:
        kind = self._pending.pop(message.get("id"), None)
        error = message.get("error")
        if kind == "subscribe" and not error:
            _, extranonce1, size = message["result"]
            self._extranonce1, self._extranonce2_size = bytes.fromhex(extranonce1), int(size)
        elif kind == "authorize" and (error or message.get("result") is not True):
            raise MinerError(f"pool refused worker {self.user!r}: {error}")
        elif kind == "submit":
            if error:
                self.stats.rejected += 1
                self.stats.last_error = str(error[1] if isinstance(error, list) and len(error) > 1 else error)
            else:
                self.stats.accepted += 1

    def _set_difficulty(self, difficulty: float) -> None:
        # The pool applies a new difficulty from its next job on; so do we.
        if self._difficulty is None:
            self._difficulty = difficulty
        else:
            self._pending_difficulty = difficulty

    def _notify(self, params: list) -> None:
        job_id, prevhash, coinb1, coinb2, branch, version, bits, ntime, _clean = params[:9]
        if self._pending_difficulty is not None:
            self._difficulty, self._pending_difficulty = self._pending_difficulty, None
        difficulty = self._difficulty or 1.0
        self.stats.difficulty = difficulty
        with self._lock:
            self._generation += 1
            self._work = Work(
                generation=self._generation,
                connection=self._connection,
                job_id=job_id,
                prevhash=swap_words(bytes.fromhex(prevhash)),
                coinb1=bytes.fromhex(coinb1),
                coinb2=bytes.fromhex(coinb2),
                branch=tuple(bytes.fromhex(h) for h in branch),
                version=int(version, 16),
                bits=int(bits, 16),
                ntime=int(ntime, 16),
                extranonce1=self._extranonce1,
                extranonce2_size=self._extranonce2_size,
                target=difficulty_to_target(difficulty, self.family),
            )
        self._work_ready.set()

    def _submit(self, work: Work, extranonce2: bytes, nonce: int) -> None:
        """On the event loop: send one share."""
        if self._writer is None or self._writer.is_closing() or work.connection != self._connection:
            return
        self._ids += 1
        self._pending[self._ids] = "submit"
        params = [self.user, work.job_id, extranonce2.hex(), f"{work.ntime:08x}", f"{nonce:08x}"]
        self._writer.write(json.dumps({"id": self._ids, "method": "mining.submit", "params": params}).encode() + b"\n")

    # --- hashing threads ------------------------------------------------------------

    def _mine(self, index: int) -> None:
        hasher = get_hasher(self.algorithm)
        counter = 0
        chunk = 1024
        while not self._stop.is_set():
            work = self._work
            if work is None:
                self._work_ready.wait(0.5)
                continue
            counter += 1
            # Thread index in the top byte keeps the threads' extranonce2 apart.
            size = work.extranonce2_size
            extranonce2 = ((index << (8 * size - 8)) | (counter & ((1 << (8 * size - 8)) - 1))).to_bytes(size, "big")
            head = work.header_for(extranonce2)
            nonce = 0
            while nonce < 1 << 32 and self._work is work and not self._stop.is_set():
                count = min(chunk, (1 << 32) - nonce)
                began = time.perf_counter()
                found = hasher.scan(head, nonce, count, work.target)
                took = time.perf_counter() - began
                with self._lock:
                    self.stats.hashes += count
                for hit in found:
                    assert self._loop is not None
                    self._loop.call_soon_threadsafe(self._submit, work, extranonce2, hit)
                nonce += count
                if took < CHUNK_SECONDS / 2:
                    chunk = min(chunk * 2, 1 << 24)
                elif took > CHUNK_SECONDS * 2 and chunk > 64:
                    chunk //= 2
