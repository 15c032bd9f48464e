"""The Stratum V1 server: connections, limits, jobs, shares, blocks.

Sessions (``session.py``) parse and answer; this object owns the pool-wide
state they share: the job manager, the share validator, extranonce1
allocation, per-IP counts and bans, statistics, and block submission.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from chimera_algo.hasher import HasherProvider
from chimera_algo.pool import errors
from chimera_algo.pool.blocks import assemble_block, block_hash
from chimera_algo.pool.config import PoolConfig, as_dict
from chimera_algo.pool.errors import StratumError
from chimera_algo.pool.jobs import Job, JobManager
from chimera_algo.pool.persistence import BlockRecord, MemorySink, PoolSink, ShareRecord
from chimera_algo.pool.session import StratumSession
from chimera_algo.pool.shares import ShareValidator, Submission
from chimera_algo.pool.sources import TemplateSource
from chimera_algo.pool.template import BlockTemplate
from chimera_algo.pool.vardiff import VardiffSettings
from chimera_algo.targets import diff1_target, difficulty_to_target, target_to_difficulty

log = logging.getLogger(__name__)
HOUSEKEEPING_INTERVAL = 0.5
PROVIDER_TICK_INTERVAL = 1.0  # how often a provider with tick() (the migration controller) is advanced
HASHRATE_WINDOW = 60.0
STATS_INTERVAL = 5.0


def difficulty_family(algorithm: str) -> str:
    """The targets family share difficulties of ``algorithm`` are counted in."""
    try:
        diff1_target(algorithm)
        return algorithm
    except ValueError:
        return "bitcoin"


@dataclass(frozen=True)
class _JobView:
    """A job as the hasher provider sees it (JobLike)."""

    height: int
    algorithm: str


@dataclass
class PoolStats:
    accepted: int = 0
    rejected: int = 0
    stale: int = 0
    duplicate: int = 0
    blocks_found: int = 0
    blocks_accepted: int = 0
    blocks_rejected: int = 0
    accepted_work: float = 0.0  # expected hashes behind the accepted shares
    accepted_by_algorithm: dict[str, int] = field(default_factory=dict)  # job "name@version" -> accepted shares
    samples: deque = field(default_factory=lambda: deque(maxlen=int(HASHRATE_WINDOW / HOUSEKEEPING_INTERVAL) + 1))

    last_block_at: str = ""  # ISO time of our last accepted block

    def sample(self, now: float) -> None:
        self.samples.append((now, self.accepted_work, self.accepted))

    @property
    def accepted_rate(self) -> float:
        """Accepted shares per second over the last minute."""
        if len(self.samples) < 2:
            return 0.0
        (t0, _, a0), (t1, _, a1) = self.samples[0], self.samples[-1]
        return (a1 - a0) / (t1 - t0) if t1 > t0 else 0.0

    @property
    def hashrate(self) -> float:
        """Hashes per second estimated from accepted work over the last minute."""
        if len(self.samples) < 2:
            return 0.0
        (t0, w0, _), (t1, w1, _) = self.samples[0], self.samples[-1]
        return (w1 - w0) / (t1 - t0) if t1 > t0 else 0.0


class StratumServer:
    def __init__(
        self,
        config: PoolConfig,
        provider: HasherProvider,
        source: TemplateSource,
        sink: PoolSink | None = None,
        clock=time.time,
    ):
        self.config = config
        self.provider = provider
        self.source = source
        self.sink: PoolSink = sink if sink is not None else MemorySink()
        self.clock = clock
        st = config.stratum
        self.family = difficulty_family(config.pool.algorithm)
        self.hashes_per_diff1 = (1 << 256) / diff1_target(self.family)
        self.jobs = JobManager(
            provider,
            config.payout_script_bytes,
            config.pool.pool_tag.encode(),
            4 + st.extranonce2_size,
            instance_prefix=config.pool.instance_id,
        )
        self.validator = ShareValidator(provider, st.extranonce2_size, clock)
        d = config.difficulty
        self.vardiff_settings = VardiffSettings(d.target_interval, d.retarget_window, d.variance, d.min, d.max)
        self.sessions: set[StratumSession] = set()
        self.stats = PoolStats()
        self.pool_id = ""
        self.pending_blocks: dict[str, BlockRecord] = {}
        self._ip_counts: dict[str, int] = {}
        self._bans: dict[str, float] = {}
        self._extranonces: set[bytes] = set()
        self._next_extranonce = 0
        # miner_connections.session_id is unique across restarts of the pool:
        # start the counter at a random point, not 0, so ids are not reused.
        self._session_seq = secrets.randbits(55)
        self._targets: dict[float, tuple[int, str]] = {}
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: list[asyncio.Task] = []
        self._last_job_at = 0.0
        self._accepting = False
        self._difficulty_of: tuple[BlockTemplate | None, float] = (None, 0.0)

    # --- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        self.pool_id = self.sink.register_pool(self.config.pool.name, as_dict(self.config))
        template = await self.source.start(self.on_new_block)
        self._issue(template)
        st = self.config.stratum
        loop = asyncio.get_running_loop()
        self._servers.append(await loop.create_server(lambda: StratumSession(self), st.host, st.port, backlog=4096))
        if st.tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(st.tls_cert, st.tls_key or None)
            self._servers.append(
                await loop.create_server(lambda: StratumSession(self), st.host, st.tls_port, ssl=context, backlog=4096)
            )
        self._accepting = True
        self._tasks.append(asyncio.create_task(self._housekeeping()))
        if callable(getattr(self.provider, "tick", None)):
            self._tasks.append(asyncio.create_task(self._follow_provider()))
        log.info("stratum listening on %s:%d (%s, pool %r id %s)", st.host, self.port, self.config.pool.algorithm,
                 self.config.pool.name, self.pool_id)

    @property
    def port(self) -> int:
        return self._servers[0].sockets[0].getsockname()[1]

    @property
    def tls_port(self) -> int | None:
        return self._servers[1].sockets[0].getsockname()[1] if len(self._servers) > 1 else None

    async def stop(self, reconnect: tuple[str, int, int] | None = None) -> None:
        """Stop serving; with ``reconnect=(host, port, wait)`` tell miners where to go."""
        self._accepting = False
        for server in self._servers:
            server.close()
        for session in list(self.sessions):
            if reconnect is not None and session.subscribed:
                session.notify("client.reconnect", list(reconnect))
            session.close("pool stopping")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.source.stop()
        close = getattr(self.provider, "close", None)
        if callable(close):  # may wait for queued comparisons: off the loop
            await asyncio.get_running_loop().run_in_executor(None, close)
        self.sink.flush()

    # --- connections --------------------------------------------------------------

    def admit(self, session: StratumSession) -> str:
        """Empty when the connection may stay, else why it is refused."""
        st = self.config.stratum
        now = time.monotonic()
        until = self._bans.get(session.ip)
        if until is not None:
            if until > now:
                return "banned"
            del self._bans[session.ip]
        if not self._accepting:
            return "pool stopping"
        if len(self.sessions) >= st.max_connections:
            return "pool full"
        count = self._ip_counts.get(session.ip, 0)
        if count >= st.max_connections_per_ip:
            return "too many connections from this address"
        self._ip_counts[session.ip] = count + 1
        self._session_seq += 1
        session.session_id = f"{self.config.pool.instance_id:02x}{self._session_seq:014x}"
        self.sessions.add(session)
        return ""

    def release(self, session: StratumSession) -> None:
        if session not in self.sessions:
            return
        self.sessions.discard(session)
        remaining = self._ip_counts.get(session.ip, 1) - 1
        if remaining:
            self._ip_counts[session.ip] = remaining
        else:
            self._ip_counts.pop(session.ip, None)
        self._extranonces.discard(session.extranonce1)
        if session.workers:
            self.sink.connection_closed(session.session_id, session.close_reason, session.accepted, session.rejected)

    def allocate_extranonce1(self) -> bytes:
        """4 bytes: the instance id, then a 24-bit counter skipping live values."""
        prefix = self.config.pool.instance_id
        for _ in range(1 << 24):
            self._next_extranonce = (self._next_extranonce + 1) & 0xFFFFFF
            candidate = bytes([prefix]) + self._next_extranonce.to_bytes(3, "big")
            if candidate not in self._extranonces:
                self._extranonces.add(candidate)
                return candidate
        raise StratumError(errors.OTHER, "no extranonce1 left on this pool instance")

    def change_extranonce(self, session: StratumSession) -> None:
        """Give ``session`` a new extranonce1 (sent only if it subscribed to changes)."""
        if not session.extranonce_subscribed:
            raise ValueError("the miner did not send mining.extranonce.subscribe")
        old = session.extranonce1
        session.set_extranonce(self.allocate_extranonce1())
        self._extranonces.discard(old)
        if self.jobs.current is not None:
            session.send_job(self.jobs.current, force_clean=True)

    def miner_id(self, session: StratumSession, user: str, worker: str) -> str | None:
        create = self.config.stratum.authorize == "any"
        return self.sink.miner_id(self.pool_id, user, worker, session.ip, session.user_agent, create)

    def connection_authorized(self, session: StratumSession, miner_id: str) -> None:
        self.sink.connection_opened(miner_id, session.session_id, session.ip, session.port, session.user_agent)

    def note_garbage(self, session: StratumSession) -> None:
        """Malformed input counts against the connection like an invalid share."""
        session.rejected += 1
        self._check_ban(session)

    def ban(self, ip: str) -> None:
        self._bans[ip] = time.monotonic() + self.config.stratum.ban_seconds

    def _check_ban(self, session: StratumSession) -> None:
        st = self.config.stratum
        total = session.accepted + session.rejected
        if total >= st.ban_min_shares and session.rejected / total >= st.ban_invalid_ratio:
            self.ban(session.ip)
            # After this read's answers are written.
            asyncio.get_running_loop().call_soon(session.close, "banned: too many invalid shares")

    # --- difficulty ------------------------------------------------------------------

    def target_for(self, difficulty: float) -> int:
        return self._target_entry(difficulty)[0]

    def _target_entry(self, difficulty: float) -> tuple[int, str]:
        """(target, its 64-hex form) for a share difficulty, memoized."""
        entry = self._targets.get(difficulty)
        if entry is None:
            if len(self._targets) > 4096:
                self._targets.clear()
            target = difficulty_to_target(difficulty, self.family)
            entry = self._targets[difficulty] = (target, f"{target:064x}")
        return entry

    def _network_difficulty(self, template: BlockTemplate) -> float:
        if template is not self._difficulty_of[0]:
            self._difficulty_of = (template, target_to_difficulty(template.target, self.family))
        return self._difficulty_of[1]

    # --- jobs --------------------------------------------------------------------------

    def on_new_block(self, template: BlockTemplate) -> None:
        """The source saw a new tip."""
        self._issue(template)

    def _issue(self, template: BlockTemplate) -> Job:
        job = self.jobs.new_job(template)
        self._last_job_at = time.monotonic()
        for session in self.sessions:
            if session.subscribed and session.workers and not session.closed:
                session.send_job(job)
        return job

    async def _follow_provider(self) -> None:
        """Advance a provider that changes over time (the migration controller)
        and issue a job at once when new jobs are to be judged by another
        implementation, so miners do not wait for the next block or refresh."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(PROVIDER_TICK_INTERVAL)
            try:
                # The tick reads and writes the store, and a new implementation
                # loads on first use: both off the event loop.
                algorithm = await loop.run_in_executor(None, self._advance_provider)
                current = self.jobs.current
                if algorithm is not None and current is not None and algorithm != current.algorithm:
                    job = self._issue(current.template)
                    log.info("new jobs are judged by %s (was %s)", job.algorithm, current.algorithm)
            except Exception:  # a store hiccup must not stop the pool; the next tick retries
                log.exception("advancing the hasher provider failed")

    def _advance_provider(self) -> str | None:
        """(executor thread) tick; the algorithm a new job would get now, loaded."""
        self.provider.tick()  # type: ignore[attr-defined]
        current = self.jobs.current
        if current is None:
            return None
        algorithm = self.provider.algorithm_for_new_job(current.height)
        self.provider.hasher_for(_JobView(current.height, algorithm), "")
        return algorithm

    # --- shares ---------------------------------------------------------------------------

    def submit(self, session: StratumSession, miner_id: str, sub: Submission) -> bool:
        started = time.perf_counter()
        job = self.jobs.get(sub.job_id)
        job_difficulty = session.job_difficulty.get(sub.job_id, session.difficulty)
        # Shares at the job's difficulty, or at a lower one announced since.
        credited = min(job_difficulty, session.difficulty)
        try:
            result = self.validator.validate(
                job, sub, session.extranonce1, self.target_for(credited), session.version_mask
            )
        except StratumError as exc:
            self._rejected(session, miner_id, sub, job, exc, started)
            raise
        if result.hash_value <= self.target_for(job_difficulty):
            credited = job_difficulty
        session.accepted += 1
        stats = self.stats
        stats.accepted += 1
        stats.accepted_work += credited * self.hashes_per_diff1
        by_algorithm = stats.accepted_by_algorithm
        by_algorithm[result.job.algorithm] = by_algorithm.get(result.job.algorithm, 0) + 1
        template = result.job.template
        record = ShareRecord(
            pool_id=self.pool_id,
            miner_id=miner_id,
            job_id=sub.job_id,
            extranonce1=session.extranonce1.hex(),
            extranonce2=sub.extranonce2,
            nonce=sub.nonce,
            block_height=template.height,
            previous_block_hash=template.prevhash_hex,
            share_difficulty=credited,
            network_difficulty=self._network_difficulty(template),
            target=self._target_entry(credited)[1],
            is_valid=True,
            submitted_at=datetime.now(timezone.utc),
            is_block=result.is_block,
            validation_time_ms=(time.perf_counter() - started) * 1000,
            algorithm=result.job.algorithm,
        )
        if result.is_block:
            record.id = uuid.uuid4()
            record.block_hash = block_hash(result.header)
            stats.blocks_found += 1
            self._tasks.append(asyncio.create_task(self._submit_block(result, miner_id, credited, record.id)))
        self.sink.enqueue_share(record)
        if session.vardiff is not None:
            new = session.vardiff.record_share(session.difficulty, time.monotonic())
            if new is not None:
                session.set_difficulty(new)
        return True

    def _rejected(
        self, session: StratumSession, miner_id: str, sub: Submission, job: Job | None, exc: StratumError, started: float
    ) -> None:
        session.rejected += 1
        stats = self.stats
        stats.rejected += 1
        stale = exc.code == errors.JOB_NOT_FOUND
        duplicate = exc.code == errors.DUPLICATE
        stats.stale += stale
        stats.duplicate += duplicate
        template = job.template if job is not None else None
        self.sink.enqueue_share(
            ShareRecord(
                pool_id=self.pool_id,
                miner_id=miner_id,
                job_id=sub.job_id[:64],
                extranonce1=session.extranonce1.hex(),
                extranonce2=str(sub.extranonce2)[:16],
                nonce=str(sub.nonce)[:16],
                block_height=template.height if template else -1,
                previous_block_hash=template.prevhash_hex if template else "",
                share_difficulty=session.difficulty,
                network_difficulty=self._network_difficulty(template) if template else 0.0,
                target=self._target_entry(session.difficulty)[1],
                is_valid=False,
                submitted_at=datetime.now(timezone.utc),
                is_stale=stale,
                is_duplicate=duplicate,
                validation_time_ms=(time.perf_counter() - started) * 1000,
                error_code=exc.code,
                error_message=exc.message,
                algorithm=job.algorithm if job else "",
            )
        )
        if not stale:  # stale shares after a block are normal, not abuse
            self._check_ban(session)

    # --- blocks ----------------------------------------------------------------------------

    async def _submit_block(self, result: Any, miner_id: str, difficulty: float, share_id: Any) -> None:
        template = result.job.template
        block = assemble_block(result)
        digest = block_hash(result.header)
        reason = await self.source.submit_block(block)
        record = BlockRecord(
            pool_id=self.pool_id,
            miner_id=miner_id,
            block_hash=digest,
            block_height=template.height,
            previous_block_hash=template.prevhash_hex,
            difficulty=difficulty,
            network_difficulty=target_to_difficulty(template.target, self.family),
            block_reward=template.coinbase_value,
            share_id=share_id,
            required_confirmations=self.config.node.confirmations,
            status="pending" if reason is None else "rejected",
        )
        try:
            self.sink.record_block(record)
        except Exception:  # the node has the block either way; say so loudly
            log.exception("could not record block %s at height %d", digest, template.height)
        if reason is None:
            self.stats.blocks_accepted += 1
            self.stats.last_block_at = datetime.now(timezone.utc).isoformat()
            self.pending_blocks[digest] = record
            log.info("block %d accepted: %s", template.height, digest)
        else:
            self.stats.blocks_rejected += 1
            log.warning("block %d rejected by the node: %s", template.height, reason)

    async def _track_blocks(self) -> None:
        for digest, record in list(self.pending_blocks.items()):
            status, confirmations = await self.source.block_status(record.block_height, digest)
            if status == "orphaned":
                self.sink.update_block(digest, "orphaned", 0)
                del self.pending_blocks[digest]
            elif confirmations >= record.required_confirmations:
                self.sink.update_block(digest, "confirmed", confirmations)
                del self.pending_blocks[digest]
            elif confirmations != record.confirmations:
                record.confirmations = confirmations
                self.sink.update_block(digest, "pending", confirmations)

    # --- periodic work ---------------------------------------------------------------------

    def publish_stats(self) -> None:
        """Push live figures (the data model's ``pool_stats:{id}`` cache hash) and
        a ``pool_stats`` time-series point to the sink."""
        s = self.stats
        job = self.jobs.current
        network = target_to_difficulty(job.network_target, "bitcoin") if job else 0.0
        hashrate = round(s.hashrate)
        miners = sum(1 for session in self.sessions if session.workers)
        live = {
            "total_hashrate": hashrate,
            "active_miners": miners,
            "shares_per_minute": round(s.accepted_rate * 60, 3),
            "last_block_time": s.last_block_at,
            "current_difficulty": network,
        }
        point = {
            "total_hashrate": hashrate,
            "active_miners": miners,
            "total_shares": s.accepted,
            "blocks_found": s.blocks_accepted,
            "network_difficulty": round(network),
        }
        tags = {"pool_id": self.pool_id, "cryptocurrency": self.config.pool.coin, "algorithm": self.config.pool.algorithm}
        self.sink.put_pool_stats(self.pool_id, live, point, tags)

    async def _housekeeping(self) -> None:
        st = self.config.stratum
        last_block_check = last_stats = 0.0
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL)
            now = time.monotonic()
            self.stats.sample(now)
            self._tasks = [t for t in self._tasks if not t.done()]
            for session in list(self.sessions):
                if session.closed:
                    continue
                if not session.workers and now - session.connected_at > st.handshake_timeout:
                    session.close("no authorize within the handshake timeout")
                elif now - session.last_message_at > st.idle_timeout:
                    session.close("idle timeout")
                elif session.vardiff is not None:
                    new = session.vardiff.retarget(session.difficulty, now)
                    if new is not None:
                        session.set_difficulty(new)
            try:
                if now - last_stats >= STATS_INTERVAL:
                    last_stats = now
                    self.publish_stats()
                if now - self._last_job_at >= st.job_refresh:
                    self._issue(await self.source.fetch_template())
                if now - last_block_check >= 2.0 and self.pending_blocks:
                    last_block_check = now
                    await self._track_blocks()
            except Exception as exc:  # a node hiccup must not stop the pool
                log.warning("housekeeping: %s", exc)
                self._last_job_at = now
