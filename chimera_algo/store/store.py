"""``open_store()``: the one entry point, a facade over the repositories."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from chimera_algo.store import migrate, partitions
from chimera_algo.store.algorithm_migrations import AlgorithmMigrationRepository
from chimera_algo.store.blocks import BlockRepository
from chimera_algo.store.cache import Cache, MemoryCache, RedisCache
from chimera_algo.store.catalog import AlgorithmRepository, AuditLog, CryptocurrencyRepository
from chimera_algo.store.config import StoreConfig, load_config
from chimera_algo.store.engine import create_store_engine
from chimera_algo.store.errors import build_constraint_index
from chimera_algo.store.events import EventBus, MemoryEventBus, RedisEventBus
from chimera_algo.store.miners import MinerRepository
from chimera_algo.store.payouts import PayoutRepository, WalletRepository
from chimera_algo.store.pools import PoolRepository
from chimera_algo.store.schema import metadata
from chimera_algo.store.shares import ShareRepository
from chimera_algo.store.timeseries import TimeSeries, open_timeseries
from chimera_algo.store.users import UserRepository

log = logging.getLogger("chimera.store")


@dataclass
class Store:
    """Repositories over one database, plus cache, events and time series."""

    config: StoreConfig
    engine: Engine
    cache: Cache
    events: EventBus
    timeseries: TimeSeries
    users: UserRepository = field(init=False)
    cryptocurrencies: CryptocurrencyRepository = field(init=False)
    algorithms: AlgorithmRepository = field(init=False)
    migrations: AlgorithmMigrationRepository = field(init=False)
    pools: PoolRepository = field(init=False)
    miners: MinerRepository = field(init=False)
    shares: ShareRepository = field(init=False)
    blocks: BlockRepository = field(init=False)
    wallets: WalletRepository = field(init=False)
    payouts: PayoutRepository = field(init=False)
    audit: AuditLog = field(init=False)

    def __post_init__(self) -> None:
        c = build_constraint_index(metadata)
        e = self.engine
        self.users = UserRepository(e, c, self.cache)
        self.cryptocurrencies = CryptocurrencyRepository(e, c)
        self.algorithms = AlgorithmRepository(e, c)
        self.migrations = AlgorithmMigrationRepository(e, c, self.cache, self.events)
        self.pools = PoolRepository(e, c, self.cache)
        self.miners = MinerRepository(e, c, self.cache)
        self.shares = ShareRepository(e, c)
        self.blocks = BlockRepository(e, c)
        self.wallets = WalletRepository(e, c)
        self.payouts = PayoutRepository(e, c)
        self.audit = AuditLog(e, c)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def share_writer(self, **options: Any):
        """A started :class:`ShareWriter` on this store (see share_writer.py for options)."""
        from chimera_algo.store.share_writer import ShareWriter

        return ShareWriter(self.shares, **options)

    def ensure_partitions(self) -> list[str]:
        """PostgreSQL: create this month's and the coming months' share partitions."""
        if self.backend != "postgresql":
            return []
        with self.engine.begin() as conn:
            return partitions.ensure_partitions(conn)

    def apply_retention(self, months: int | None = None) -> partitions.RetentionResult:
        """Drop detailed shares older than ``months`` (default: config, 3) whole months."""
        with self.engine.begin() as conn:
            return partitions.apply_retention(conn, months or self.config.shares_retention_months)

    def close(self) -> None:
        self.events.close()
        self.cache.close()
        self.timeseries.close()
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    url: str | None = None,
    *,
    redis_url: str | None = None,
    influx_url: str | None = None,
    upgrade: bool = True,
) -> Store:
    """Open the configured database (``url`` > CHIMERA_DATABASE_URL > config file > SQLite default).

    With ``upgrade`` (the default) an empty or older database is migrated to
    this code's schema first; a database newer than the code is refused
    (SchemaTooNewError). Without it, a database not at head raises
    SchemaOutdatedError. Redis (cache + pub/sub) and InfluxDB are used when
    configured; otherwise in-process cache/events and SQL rollups.
    """
    config = load_config(url, redis_url, influx_url)
    engine = create_store_engine(config.database_url)
    try:
        if upgrade:
            before, after = migrate.upgrade(engine)
            if before != after:
                log.info("database schema upgraded %s -> %s", before or "empty", after)
        else:
            migrate.check(engine)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                partitions.ensure_partitions(conn)
        cache: Cache = RedisCache(config.redis_url) if config.redis_url else MemoryCache()
        events: EventBus = RedisEventBus(config.redis_url) if config.redis_url else MemoryEventBus()
        timeseries = open_timeseries(config, engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(config=config, engine=engine, cache=cache, events=events, timeseries=timeseries)
