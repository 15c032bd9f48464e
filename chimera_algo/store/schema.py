"""The data model (shared/spec/data-model.md) as one SQLAlchemy Core metadata.

Every table, column, CHECK, UNIQUE, FK (with its cascade) and index of the data
model is declared here once; ``migrations/`` creates it on SQLite and
PostgreSQL. Constraint names are explicit so that database errors can be
mapped back to the field they protect (see ``errors.py``).

Deliberate differences from the data model, each forced by a real limit:

* ``shares`` has PRIMARY KEY (id, submitted_at): PostgreSQL requires the
  partition key in every unique constraint of a partitioned table. ``id`` is a
  random UUID, so it stays unique on its own.
* ``blocks.share_id`` is not a database FOREIGN KEY: blocks are kept forever
  while detailed shares are dropped after 3 months (retention), and a key into
  a partitioned table would need ``submitted_at`` as well. The blocks
  repository checks the share exists when the block is recorded.

Additions (not in the data model): ``audit_log`` and the time-series rollup
tables ``ts_points_1m`` / ``ts_points_1h`` (see ``timeseries.py``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from chimera_algo.store.types import (
    UUID,
    IPAddress,
    JSONDoc,
    Money,
    TextArray,
    UtcDateTime,
    gen_random_uuid,
    new_id,
)

metadata = MetaData(
    naming_convention={
        "uq": "%(table_name)s_%(column_0_N_name)s_key",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    }
)

EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"


class _IRegexMatch(ColumnElement[bool]):
    """Case-insensitive regex match: ``~*`` on PostgreSQL, a registered function on SQLite."""

    inherit_cache = True

    def __init__(self, column: str, pattern: str) -> None:
        self.column = column
        self.pattern = pattern


@compiles(_IRegexMatch, "postgresql")
def _pg_iregex(element: _IRegexMatch, compiler: Any, **kw: Any) -> str:
    return f"{element.column} ~* {compiler.render_literal_value(element.pattern, String())}"


@compiles(_IRegexMatch)
def _sqlite_iregex(element: _IRegexMatch, compiler: Any, **kw: Any) -> str:
    # chimera_iregexp is registered on every SQLite connection by engine.py.
    return f"chimera_iregexp({compiler.render_literal_value(element.pattern, String())}, {element.column})"


def _pk() -> Column:
    return Column("id", UUID, primary_key=True, default=new_id, server_default=gen_random_uuid())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _now(name: str, nullable: bool = True) -> Column:
    # Client default keeps microseconds and one format on both backends.
    return Column(name, UtcDateTime, server_default=func.now(), default=utcnow, nullable=nullable)


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, UtcDateTime, nullable=nullable)


def _one_of(table: str, column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{table}_{column}_check")


USER_STATUSES = ("active", "suspended", "banned")
ROLES = ("admin", "operator", "miner", "viewer")
CRYPTO_STATUSES = ("active", "maintenance", "deprecated")
ALGORITHM_STATUSES = ("available", "installed", "active", "deprecated")
MIGRATION_STRATEGIES = ("immediate", "gradual", "scheduled")
MIGRATION_STATUSES = ("pending", "staging", "in_progress", "completed", "failed", "rolled_back")
POOL_STATUSES = ("active", "inactive", "maintenance", "deprecated")
PAYOUT_METHODS = ("PPS", "PPLNS", "PROP")
PAYOUT_FREQUENCIES = ("manual", "hourly", "daily", "weekly")
HARDWARE_TYPES = ("CPU", "GPU", "ASIC", "FPGA", "Unknown")
MINER_STATUSES = ("active", "inactive", "offline", "banned")
CONNECTION_STATUSES = ("active", "disconnected", "timeout", "error")
BLOCK_STATUSES = ("pending", "confirmed", "orphaned", "rejected")
WALLET_STATUSES = ("active", "inactive", "suspended")
PAYOUT_STATUSES = ("pending", "processing", "sent", "confirmed", "failed")

users = Table(
    "users",
    metadata,
    _pk(),
    Column("username", String(50), nullable=False),
    Column("email", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("salt", String(32), nullable=False),
    Column("mfa_enabled", Boolean, server_default=false(), default=False),
    Column("mfa_secret", String(32)),
    Column("mfa_backup_codes", TextArray),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("timezone", String(50), server_default="UTC", default="UTC"),
    Column("language", String(10), server_default="en", default="en"),
    Column("status", String(20), server_default="active", default="active"),
    Column("email_verified", Boolean, server_default=false(), default=False),
    Column("email_verification_token", String(64)),
    _now("created_at"),
    _now("updated_at"),
    _ts("last_login_at"),
    Column("login_count", Integer, server_default="0", default=0),
    UniqueConstraint("username"),
    UniqueConstraint("email"),
    _one_of("users", "status", USER_STATUSES),
    CheckConstraint("length(username) >= 3", name="users_username_length"),
    CheckConstraint(_IRegexMatch("email", EMAIL_PATTERN), name="users_email_format"),
    Index("idx_users_username", "username"),
    Index("idx_users_email", "email"),
    Index("idx_users_status", "status"),
    Index("idx_users_created_at", "created_at"),
)

user_roles = Table(
    "user_roles",
    metadata,
    _pk(),
    Column("user_id", UUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("granted_by", UUID, ForeignKey("users.id")),
    _now("granted_at"),
    _ts("expires_at"),
    UniqueConstraint("user_id", "role"),
    _one_of("user_roles", "role", ROLES),
    Index("idx_user_roles_user_id", "user_id"),
    Index("idx_user_roles_role", "role"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    _pk(),
    Column("user_id", UUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("refresh_token_hash", String(64)),
    Column("ip_address", IPAddress),
    Column("user_agent", Text),
    Column("device_fingerprint", String(64)),
    _now("created_at"),
    _now("last_used_at"),
    _ts("expires_at", nullable=False),
    _ts("revoked_at"),
    Column("is_mfa_verified", Boolean, server_default=false(), default=False),
    Column("requires_password_change", Boolean, server_default=false(), default=False),
    UniqueConstraint("token_hash"),
    UniqueConstraint("refresh_token_hash"),
    Index("idx_user_sessions_user_id", "user_id"),
    Index("idx_user_sessions_token_hash", "token_hash"),
    Index("idx_user_sessions_expires_at", "expires_at"),
)

supported_cryptocurrencies = Table(
    "supported_cryptocurrencies",
    metadata,
    _pk(),
    Column("symbol", String(10), nullable=False),
    Column("name", String(100), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("network_type", String(20), nullable=False),
    Column("block_time", Integer, nullable=False),
    Column("block_reward", Money(20, 8), nullable=False),
    Column("total_supply", Money(30, 8)),
    Column("primary_algorithm", String(50), nullable=False),
    Column("supported_algorithms", TextArray),
    Column("default_difficulty", BigInteger, nullable=False, server_default="1", default=1),
    Column("minimum_difficulty", BigInteger, nullable=False, server_default="1", default=1),
    Column("maximum_difficulty", BigInteger),
    Column("difficulty_retarget_time", Integer, server_default="600", default=600),
    Column("minimum_payout", Money(20, 8), nullable=False, server_default="0.001", default="0.001"),
    Column("transaction_fee", Money(20, 8), nullable=False, server_default="0.0001", default="0.0001"),
    Column("confirmation_blocks", Integer, nullable=False, server_default="6", default=6),
    Column("status", String(20), server_default="active", default="active"),
    Column("icon_url", String(500)),
    Column("website_url", String(500)),
    Column("explorer_url", String(500)),
    _now("created_at"),
    _now("updated_at"),
    UniqueConstraint("symbol"),
    _one_of("supported_cryptocurrencies", "status", CRYPTO_STATUSES),
    Index("idx_cryptocurrencies_symbol", "symbol"),
    Index("idx_cryptocurrencies_status", "status"),
)

algorithms = Table(
    "algorithms",
    metadata,
    _pk(),
    Column("name", String(50), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("description", Text),
    Column("version", String(20), nullable=False, server_default="1.0.0", default="1.0.0"),
    Column("author", String(100)),
    Column("license", String(50)),
    Column("memory_requirements", String(20)),
    Column("cpu_intensive", Boolean, server_default=false(), default=False),
    Column("gpu_optimized", Boolean, server_default=false(), default=False),
    Column("asic_resistant", Boolean, server_default=false(), default=False),
    Column("package_url", String(500)),
    Column("package_hash", String(64)),
    Column("package_signature", Text),
    Column("wasm_binary", LargeBinary),
    Column("native_libraries", JSONDoc),
    Column("supported_platforms", TextArray),
    Column("minimum_engine_version", String(20)),
    Column("status", String(20), server_default="available", default="available"),
    _ts("installed_at"),
    _ts("activated_at"),
    _now("created_at"),
    _now("updated_at"),
    UniqueConstraint("name"),
    _one_of("algorithms", "status", ALGORITHM_STATUSES),
    Index("idx_algorithms_name", "name"),
    Index("idx_algorithms_status", "status"),
)

algorithm_migrations = Table(
    "algorithm_migrations",
    metadata,
    _pk(),
    Column("from_algorithm_id", UUID, ForeignKey("algorithms.id")),
    Column("to_algorithm_id", UUID, ForeignKey("algorithms.id"), nullable=False),
    Column("strategy", String(20), nullable=False),
    Column("shadow_duration", Integer, server_default="300", default=300),
    Column("phase_duration", Integer, server_default="600", default=600),
    Column("rollback_on_error", Boolean, server_default=true(), default=True),
    Column("status", String(20), server_default="pending", default="pending"),
    Column("progress", Integer, server_default="0", default=0),
    Column("current_phase", String(50)),
    _ts("scheduled_at"),
    _ts("started_at"),
    _ts("completed_at"),
    Column("error_message", Text),
    Column("performance_impact", Money(5, 2)),
    Column("rollback_reason", Text),
    _now("created_at"),
    _now("updated_at"),
    _one_of("algorithm_migrations", "strategy", MIGRATION_STRATEGIES),
    _one_of("algorithm_migrations", "status", MIGRATION_STATUSES),
    CheckConstraint("progress >= 0 AND progress <= 100", name="algorithm_migrations_progress_check"),
    Index("idx_algorithm_migrations_status", "status"),
    Index("idx_algorithm_migrations_scheduled_at", "scheduled_at"),
)

pools = Table(
    "pools",
    metadata,
    _pk(),
    Column("name", String(100), nullable=False),
    Column("description", Text),
    Column("cryptocurrency_id", UUID, ForeignKey("supported_cryptocurrencies.id"), nullable=False),
    Column("algorithm_id", UUID, ForeignKey("algorithms.id"), nullable=False),
    Column("stratum_host", String(255), nullable=False, server_default="localhost", default="localhost"),
    Column("stratum_port", Integer, nullable=False),
    Column("stratum_ssl_port", Integer),
    Column("ssl_enabled", Boolean, server_default=false(), default=False),
    Column("difficulty", BigInteger, nullable=False, server_default="1", default=1),
    Column("variable_difficulty", Boolean, server_default=true(), default=True),
    Column("min_difficulty", BigInteger, server_default="1", default=1),
    Column("max_difficulty", BigInteger),
    Column("difficulty_retarget_time", Integer, server_default="600", default=600),
    Column("fee_percentage", Money(5, 4), nullable=False, server_default="1.0000", default="1.0000"),
    Column("payout_method", String(20), server_default="PPLNS", default="PPLNS"),
    Column("payout_threshold", Money(20, 8), nullable=False, server_default="0.01", default="0.01"),
    Column("payout_frequency", String(20), server_default="daily", default="daily"),
    Column("pool_wallet_address", String(100), nullable=False),
    Column("backup_wallet_address", String(100)),
    Column("max_miners", Integer, server_default="10000", default=10000),
    Column("max_hashrate", BigInteger),
    Column("status", String(20), server_default="active", default="active"),
    Column("auto_start", Boolean, server_default=true(), default=True),
    Column("created_by", UUID, ForeignKey("users.id")),
    _now("created_at"),
    _now("updated_at"),
    UniqueConstraint("stratum_port"),
    UniqueConstraint("stratum_ssl_port"),
    _one_of("pools", "payout_method", PAYOUT_METHODS),
    _one_of("pools", "payout_frequency", PAYOUT_FREQUENCIES),
    _one_of("pools", "status", POOL_STATUSES),
    Index("idx_pools_cryptocurrency_id", "cryptocurrency_id"),
    Index("idx_pools_algorithm_id", "algorithm_id"),
    Index("idx_pools_status", "status"),
    Index("idx_pools_stratum_port", "stratum_port"),
)

pool_configurations = Table(
    "pool_configurations",
    metadata,
    _pk(),
    Column("pool_id", UUID, ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    Column("configuration", JSONDoc, nullable=False),
    Column("version", Integer, nullable=False, server_default="1", default=1),
    Column("is_active", Boolean, server_default=false(), default=False),
    Column("changed_by", UUID, ForeignKey("users.id")),
    Column("change_reason", Text),
    _now("created_at"),
    UniqueConstraint("pool_id", "version"),
    Index("idx_pool_configurations_pool_id", "pool_id"),
    Index("idx_pool_configurations_is_active", "is_active"),
)

# Addition (migration 0002): at most one active configuration per pool.
pool_configurations_one_active = Index(
    "uq_pool_configurations_one_active",
    pool_configurations.c.pool_id,
    unique=True,
    postgresql_where=text("is_active"),
    sqlite_where=text("is_active = 1"),
)

miners = Table(
    "miners",
    metadata,
    _pk(),
    Column("user_id", UUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("pool_id", UUID, ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    Column("worker_name", String(100), nullable=False),
    Column("display_name", String(200)),
    Column("ip_address", IPAddress),
    Column("user_agent", Text),
    Column("mining_software", String(100)),
    Column("mining_software_version", String(50)),
    Column("difficulty", BigInteger, nullable=False, server_default="1", default=1),
    Column("auto_difficulty", Boolean, server_default=true(), default=True),
    Column("custom_difficulty", BigInteger),
    Column("hardware_type", String(20)),
    Column("hardware_details", JSONDoc),
    Column("current_hashrate", BigInteger, server_default="0", default=0),
    Column("average_hashrate_1h", BigInteger, server_default="0", default=0),
    Column("average_hashrate_24h", BigInteger, server_default="0", default=0),
    Column("shares_accepted", BigInteger, server_default="0", default=0),
    Column("shares_rejected", BigInteger, server_default="0", default=0),
    Column("shares_stale", BigInteger, server_default="0", default=0),
    Column("shares_duplicate", BigInteger, server_default="0", default=0),
    _now("first_seen"),
    _now("last_seen"),
    Column("connection_count", Integer, server_default="0", default=0),
    Column("total_uptime_seconds", BigInteger, server_default="0", default=0),
    Column("status", String(20), server_default="active", default="active"),
    Column("notifications_enabled", Boolean, server_default=true(), default=True),
    Column("notification_preferences", JSONDoc),
    _now("created_at"),
    _now("updated_at"),
    UniqueConstraint("user_id", "pool_id", "worker_name"),
    _one_of("miners", "hardware_type", HARDWARE_TYPES),
    _one_of("miners", "status", MINER_STATUSES),
    Index("idx_miners_user_id", "user_id"),
    Index("idx_miners_pool_id", "pool_id"),
    Index("idx_miners_status", "status"),
    Index("idx_miners_last_seen", "last_seen"),
    Index("idx_miners_worker_name", "worker_name"),
)

miner_connections = Table(
    "miner_connections",
    metadata,
    _pk(),
    Column("miner_id", UUID, ForeignKey("miners.id", ondelete="CASCADE"), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("ip_address", IPAddress, nullable=False),
    Column("port", Integer, nullable=False),
    Column("stratum_version", String(20)),
    Column("supported_extensions", TextArray),
    _now("connected_at"),
    _ts("disconnected_at"),
    Column("disconnect_reason", String(100)),
    Column("shares_submitted", Integer, server_default="0", default=0),
    Column("shares_accepted", Integer, server_default="0", default=0),
    Column("shares_rejected", Integer, server_default="0", default=0),
    Column("bytes_sent", BigInteger, server_default="0", default=0),
    Column("bytes_received", BigInteger, server_default="0", default=0),
    Column("average_latency_ms", Integer),
    Column("status", String(20), server_default="active", default="active"),
    UniqueConstraint("session_id"),
    _one_of("miner_connections", "status", CONNECTION_STATUSES),
    Index("idx_miner_connections_miner_id", "miner_id"),
    Index("idx_miner_connections_session_id", "session_id"),
    Index("idx_miner_connections_connected_at", "connected_at"),
)

shares = Table(
    "shares",
    metadata,
    Column("id", UUID, nullable=False, default=new_id, server_default=gen_random_uuid()),
    Column("miner_id", UUID, ForeignKey("miners.id", ondelete="CASCADE"), nullable=False),
    Column("pool_id", UUID, ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    Column("job_id", String(64), nullable=False),
    Column("extranonce1", String(16)),
    Column("extranonce2", String(16)),
    Column("nonce", String(16), nullable=False),
    Column("block_height", BigInteger, nullable=False),
    Column("block_hash", String(64)),
    Column("previous_block_hash", String(64)),
    Column("share_difficulty", BigInteger, nullable=False),
    Column("network_difficulty", BigInteger, nullable=False),
    Column("target", String(64), nullable=False),
    Column("is_valid", Boolean, nullable=False),
    Column("is_block", Boolean, server_default=false(), default=False),
    Column("is_stale", Boolean, server_default=false(), default=False),
    Column("is_duplicate", Boolean, server_default=false(), default=False),
    Column("validation_time_ms", Integer),
    Column("error_code", Integer),
    Column("error_message", Text),
    # NOT NULL because it is the partition key (PostgreSQL requires it); the
    # default still fills it when omitted.
    _now("submitted_at", nullable=False),
    _now("validated_at"),
    Column("algorithm_id", UUID, ForeignKey("algorithms.id")),
    PrimaryKeyConstraint("id", "submitted_at"),
    Index("idx_shares_miner_id", "miner_id"),
    Index("idx_shares_pool_id", "pool_id"),
    Index("idx_shares_submitted_at", "submitted_at"),
    Index(
        "idx_shares_is_block",
        "is_block",
        postgresql_where=text("is_block = TRUE"),
        sqlite_where=text("is_block = 1"),
    ),
    Index("idx_shares_block_height", "block_height"),
    postgresql_partition_by="RANGE (submitted_at)",
)

blocks = Table(
    "blocks",
    metadata,
    _pk(),
    Column("pool_id", UUID, ForeignKey("pools.id"), nullable=False),
    Column("miner_id", UUID, ForeignKey("miners.id"), nullable=False),
    Column("share_id", UUID, nullable=False),  # see module docstring: checked, not a DB FK
    Column("block_hash", String(64), nullable=False),
    Column("block_height", BigInteger, nullable=False),
    Column("previous_block_hash", String(64)),
    Column("difficulty", BigInteger, nullable=False),
    Column("network_difficulty", BigInteger, nullable=False),
    Column("block_reward", Money(20, 8), nullable=False),
    Column("transaction_fees", Money(20, 8), server_default="0", default="0"),
    Column("total_reward", Money(20, 8), nullable=False),
    Column("status", String(20), server_default="pending", default="pending"),
    Column("confirmations", Integer, server_default="0", default=0),
    Column("required_confirmations", Integer, nullable=False, server_default="6", default=6),
    _now("found_at"),
    _ts("confirmed_at"),
    Column("pool_fee", Money(20, 8)),
    Column("miner_reward", Money(20, 8)),
    Column("payout_processed", Boolean, server_default=false(), default=False),
    _ts("payout_processed_at"),
    UniqueConstraint("block_hash"),
    _one_of("blocks", "status", BLOCK_STATUSES),
    Index("idx_blocks_pool_id", "pool_id"),
    Index("idx_blocks_miner_id", "miner_id"),
    Index("idx_blocks_block_height", "block_height"),
    Index("idx_blocks_status", "status"),
    Index("idx_blocks_found_at", "found_at"),
)

user_wallets = Table(
    "user_wallets",
    metadata,
    _pk(),
    Column("user_id", UUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("cryptocurrency_id", UUID, ForeignKey("supported_cryptocurrencies.id"), nullable=False),
    Column("wallet_address", String(100), nullable=False),
    Column("wallet_label", String(100)),
    Column("address_validated", Boolean, server_default=false(), default=False),
    Column("validation_transaction_hash", String(64)),
    Column("minimum_payout", Money(20, 8)),
    Column("automatic_payouts", Boolean, server_default=true(), default=True),
    Column("payout_frequency", String(20), server_default="daily", default="daily"),
    Column("status", String(20), server_default="active", default="active"),
    _now("created_at"),
    _now("updated_at"),
    UniqueConstraint("user_id", "cryptocurrency_id", "wallet_address"),
    _one_of("user_wallets", "status", WALLET_STATUSES),
    Index("idx_user_wallets_user_id", "user_id"),
    Index("idx_user_wallets_cryptocurrency_id", "cryptocurrency_id"),
    Index("idx_user_wallets_wallet_address", "wallet_address"),
)

payouts = Table(
    "payouts",
    metadata,
    _pk(),
    Column("user_id", UUID, ForeignKey("users.id"), nullable=False),
    Column("pool_id", UUID, ForeignKey("pools.id"), nullable=False),
    Column("wallet_id", UUID, ForeignKey("user_wallets.id"), nullable=False),
    Column("amount", Money(20, 8), nullable=False),
    Column("fee", Money(20, 8), nullable=False, server_default="0", default="0"),
    Column("net_amount", Money(20, 8), nullable=False),
    Column("transaction_hash", String(64)),
    Column("transaction_fee", Money(20, 8)),
    Column("block_height", BigInteger),
    Column("confirmations", Integer, server_default="0", default=0),
    Column("shares_included", BigInteger, nullable=False),
    Column("calculation_method", String(20), nullable=False),
    _ts("calculation_period_start", nullable=False),
    _ts("calculation_period_end", nullable=False),
    Column("status", String(20), server_default="pending", default="pending"),
    Column("retry_count", Integer, server_default="0", default=0),
    Column("max_retries", Integer, server_default="3", default=3),
    Column("error_message", Text),
    _now("created_at"),
    _ts("processed_at"),
    _ts("confirmed_at"),
    Column("processed_by", UUID, ForeignKey("users.id")),
    Column("notes", Text),
    _one_of("payouts", "status", PAYOUT_STATUSES),
    Index("idx_payouts_user_id", "user_id"),
    Index("idx_payouts_pool_id", "pool_id"),
    Index("idx_payouts_status", "status"),
    Index("idx_payouts_created_at", "created_at"),
    Index("idx_payouts_transaction_hash", "transaction_hash"),
)

DATA_MODEL_TABLES = (
    users,
    user_roles,
    user_sessions,
    supported_cryptocurrencies,
    algorithms,
    algorithm_migrations,
    pools,
    pool_configurations,
    miners,
    miner_connections,
    shares,
    blocks,
    user_wallets,
    payouts,
)

# --- additions -------------------------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    _now("at", nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(255)),
    Column("details", JSONDoc),
    Index("idx_audit_log_at", "at"),
    Index("idx_audit_log_action", "action"),
    Index("idx_audit_log_subject", "subject"),
)


def _rollup_table(name: str) -> Table:
    # One row per (measurement, series tags, bucket): sums and counts so that
    # averages can be recomputed when buckets merge; last value for gauges.
    return Table(
        name,
        metadata,
        Column("measurement", String(50), nullable=False),
        Column("series", String(500), nullable=False),  # canonical "k=v,k=v" of the tags
        Column("field", String(50), nullable=False),
        Column("bucket", UtcDateTime, nullable=False),
        Column("tags", JSONDoc, nullable=False),
        Column("count", BigInteger, nullable=False),
        Column("sum", Float, nullable=False),
        Column("min", Float, nullable=False),
        Column("max", Float, nullable=False),
        Column("last", Float, nullable=False),
        PrimaryKeyConstraint("measurement", "series", "field", "bucket"),
        Index(f"idx_{name}_bucket", "bucket"),
    )


ts_points_1m = _rollup_table("ts_points_1m")
ts_points_1h = _rollup_table("ts_points_1h")

ADDITION_TABLES = (audit_log, ts_points_1m, ts_points_1h)
