"""PoolSink on ``chimera_algo.store``: pools, miners, connections and blocks
through the repositories; shares through the store's ShareWriter (batched,
journaled, on its own thread) so the event loop never waits on the database."""

from __future__ import annotations

import logging
import math
import secrets
import uuid
from decimal import Decimal

from chimera_algo.pool.persistence import BlockRecord, ShareRecord
from chimera_algo.store import NewShare, NotFoundError, StoreError
from chimera_algo.store.store import Store

log = logging.getLogger(__name__)
COIN_SYMBOLS = {"bitcoin": "BTC", "litecoin": "LTC"}
COIN_UNIT = Decimal(100_000_000)


def _bigint_difficulty(difficulty: float) -> int:
    """shares/blocks difficulty columns are BIGINT: round up so a valid
    share at a fractional CPU difficulty still weighs at least 1."""
    return max(1, math.ceil(difficulty)) if math.isfinite(difficulty) else 0


class StoreSink:
    def __init__(self, store: Store, name: str = "pool", journal_path: str | None = None):
        self.store = store
        self.writer = store.share_writer(name=name, journal_path=journal_path)
        self._miners: dict[tuple[str, str, str], str] = {}
        self._algorithm_ids: dict[str, object] = {}
        # Per share: the pool's and miners' ids as UUIDs (parsing one costs
        # more than building the rest of the row) and "name@version" -> id.
        self._uuids: dict[str, uuid.UUID] = {}
        self._share_algorithm_ids: dict[str, object] = {}

    # --- pool, miners, connections ------------------------------------------------------

    def register_pool(self, name: str, configuration: dict) -> str:
        pool_cfg, stratum = configuration["pool"], configuration["stratum"]
        crypto = self.store.cryptocurrencies.by_symbol(COIN_SYMBOLS[pool_cfg["coin"]])
        algorithm = self.store.algorithms.find(pool_cfg["algorithm"]) or self.store.algorithms.upsert(
            pool_cfg["algorithm"], pool_cfg["algorithm"]
        )
        columns = dict(
            name=name,
            stratum_host=stratum["host"],
            stratum_ssl_port=stratum["tls_port"] or None,
            ssl_enabled=bool(stratum["tls_cert"]),
            fee_percentage=Decimal(str(pool_cfg["fee_percent"])),
            payout_method=pool_cfg["payout_method"],
            variable_difficulty=configuration["difficulty"]["vardiff"],
        )
        wallet = pool_cfg["payout_address"] or "simnet"
        try:
            pool = self.store.pools.by_port(stratum["port"])
            pool = self.store.pools.update(pool.id, cryptocurrency_id=crypto.id, algorithm_id=algorithm.id,
                                           pool_wallet_address=wallet, **columns)
        except NotFoundError:
            pool = self.store.pools.create(
                cryptocurrency_id=crypto.id, algorithm_id=algorithm.id, stratum_port=stratum["port"],
                pool_wallet_address=wallet, **columns,
            )
        active = self.store.pools.active_configuration(pool.id)
        if active is None or active.configuration != configuration:
            self.store.pools.add_configuration(pool.id, configuration, change_reason="pool start")
        self._algorithm_ids[pool_cfg["algorithm"]] = algorithm.id
        return str(pool.id)

    def miner_id(self, pool_id: str, username: str, worker: str, ip: str, user_agent: str, create: bool) -> str | None:
        key = (pool_id, username, worker)
        if key in self._miners:
            return self._miners[key]
        try:
            user = self.store.users.get_by_username(username)
        except NotFoundError:
            if not create:
                return None
            try:
                # Stratum users have no e-mail; a reserved domain keeps the column valid.
                user = self.store.users.create(username, f"{username}@miners.invalid", secrets.token_urlsafe(24))
            except StoreError as exc:
                log.info("cannot create user %r: %s", username, exc)
                return None
        miner = self.store.miners.get_or_create(user.id, pool_id, worker, ip_address=ip, user_agent=user_agent or None)
        self._miners[key] = str(miner.id)
        return self._miners[key]

    def connection_opened(self, miner_id: str, session_id: str, ip: str, port: int, user_agent: str) -> None:
        self.store.miners.open_connection(miner_id, session_id, ip, port)

    def connection_closed(self, session_id: str, reason: str, accepted: int, rejected: int) -> None:
        try:
            self.store.miners.close_connection(
                session_id, reason[:100], shares_accepted=accepted, shares_rejected=rejected,
                shares_submitted=accepted + rejected,
            )
        except StoreError as exc:
            log.warning("closing connection %s: %s", session_id, exc)

    # --- shares -------------------------------------------------------------------------

    def enqueue_share(self, record: ShareRecord) -> None:
        uuids = self._uuids
        miner_id = uuids.get(record.miner_id) or self._uuid(record.miner_id)
        pool_id = uuids.get(record.pool_id) or self._uuid(record.pool_id)
        algorithm_id = self._share_algorithm_ids.get(record.algorithm)
        if algorithm_id is None:
            algorithm_id = self._share_algorithm_ids[record.algorithm] = self._algorithm_ids.get(
                record.algorithm.split("@")[0]
            )
        share = NewShare(
            miner_id=miner_id,
            pool_id=pool_id,
            job_id=record.job_id,
            nonce=record.nonce,
            block_height=max(record.block_height, 0),
            share_difficulty=_bigint_difficulty(record.share_difficulty),
            network_difficulty=_bigint_difficulty(record.network_difficulty),
            target=record.target,
            is_valid=record.is_valid,
            extranonce1=record.extranonce1,
            extranonce2=record.extranonce2,
            block_hash=record.block_hash,
            previous_block_hash=record.previous_block_hash or None,
            is_block=record.is_block,
            is_stale=record.is_stale,
            is_duplicate=record.is_duplicate,
            validation_time_ms=round(record.validation_time_ms) if record.validation_time_ms is not None else None,
            error_code=record.error_code,
            error_message=record.error_message,
            algorithm_id=algorithm_id,
            submitted_at=record.submitted_at,
            id=record.id or uuid.uuid4(),
        )
        self.writer.submit(share)

    def _uuid(self, text: str) -> uuid.UUID | str:
        """``text`` as a UUID, remembered; a malformed id is passed on as it is
        for NewShare to reject in words."""
        try:
            value = uuid.UUID(text)
        except (TypeError, ValueError, AttributeError):
            return text
        if len(self._uuids) >= 100_000:  # one entry per miner: bound a long-running pool's memory
            self._uuids.clear()
        self._uuids[text] = value
        return value

    def flush(self) -> None:
        self.writer.flush()

    # --- blocks ---------------------------------------------------------------------------

    def record_block(self, record: BlockRecord) -> None:
        self.flush()  # the block row refers to its share
        self.store.blocks.record(
            record.pool_id, record.miner_id, record.share_id, record.block_hash, record.block_height,
            _bigint_difficulty(record.difficulty), _bigint_difficulty(record.network_difficulty),
            Decimal(record.block_reward) / COIN_UNIT, status=record.status,
            required_confirmations=record.required_confirmations,
        )

    def update_block(self, block_hash: str, status: str, confirmations: int) -> None:
        block = self.store.blocks.by_hash(block_hash)
        if status == "orphaned":
            self.store.blocks.orphan(block.id)
        else:
            self.store.blocks.set_confirmations(block.id, confirmations)

    def put_pool_stats(self, pool_id: str, live: dict, point: dict, tags: dict) -> None:
        try:
            self.store.pools.put_stats(pool_id, **live)
            self.store.timeseries.record("pool_stats", tags, point)
        except (StoreError, OSError) as exc:  # statistics are best effort; shares are not
            log.warning("pool stats: %s", exc)

    def close(self) -> None:
        self.writer.close()
