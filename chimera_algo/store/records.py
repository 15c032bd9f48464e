"""Typed rows: one frozen dataclass per table, built from query results.

Repositories return these, never SQLAlchemy rows. Field names and order are
the table's columns; ``_check_matches_schema`` fails at import if they drift.
Secrets (hashes, TOTP secret, package blobs) are kept out of ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from sqlalchemy import Row, Table

from chimera_algo.store import schema

R = TypeVar("R", bound="Record")


class Record:
    """Base of the row dataclasses."""

    __table__: ClassVar[Table]

    @classmethod
    def from_row(cls: type[R], row: Row[Any]) -> R:
        return cls(**row._mapping)


@dataclass(frozen=True)
class User(Record):
    __table__: ClassVar[Table] = schema.users

    id: UUID
    username: str
    email: str
    password_hash: str = field(repr=False)
    salt: str = field(repr=False)
    mfa_enabled: bool | None
    mfa_secret: str | None = field(repr=False)
    mfa_backup_codes: list[str] | None = field(repr=False)
    first_name: str | None
    last_name: str | None
    timezone: str | None
    language: str | None
    status: str | None
    email_verified: bool | None
    email_verification_token: str | None = field(repr=False)
    created_at: datetime | None
    updated_at: datetime | None
    last_login_at: datetime | None
    login_count: int | None


@dataclass(frozen=True)
class UserRole(Record):
    __table__: ClassVar[Table] = schema.user_roles

    id: UUID
    user_id: UUID
    role: str
    granted_by: UUID | None
    granted_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class UserSession(Record):
    __table__: ClassVar[Table] = schema.user_sessions

    id: UUID
    user_id: UUID
    token_hash: str = field(repr=False)
    refresh_token_hash: str | None = field(repr=False)
    ip_address: str | None
    user_agent: str | None
    device_fingerprint: str | None
    created_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    is_mfa_verified: bool | None
    requires_password_change: bool | None


@dataclass(frozen=True)
class Cryptocurrency(Record):
    __table__: ClassVar[Table] = schema.supported_cryptocurrencies

    id: UUID
    symbol: str
    name: str
    full_name: str
    network_type: str
    block_time: int
    block_reward: Decimal
    total_supply: Decimal | None
    primary_algorithm: str
    supported_algorithms: list[str] | None
    default_difficulty: int
    minimum_difficulty: int
    maximum_difficulty: int | None
    difficulty_retarget_time: int | None
    minimum_payout: Decimal
    transaction_fee: Decimal
    confirmation_blocks: int
    status: str | None
    icon_url: str | None
    website_url: str | None
    explorer_url: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Algorithm(Record):
    __table__: ClassVar[Table] = schema.algorithms

    id: UUID
    name: str
    display_name: str
    description: str | None
    version: str
    author: str | None
    license: str | None
    memory_requirements: str | None
    cpu_intensive: bool | None
    gpu_optimized: bool | None
    asic_resistant: bool | None
    package_url: str | None
    package_hash: str | None
    package_signature: str | None = field(repr=False)
    wasm_binary: bytes | None = field(repr=False)
    native_libraries: Any | None
    supported_platforms: list[str] | None
    minimum_engine_version: str | None
    status: str | None
    installed_at: datetime | None
    activated_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class AlgorithmMigration(Record):
    __table__: ClassVar[Table] = schema.algorithm_migrations

    id: UUID
    from_algorithm_id: UUID | None
    to_algorithm_id: UUID
    strategy: str
    shadow_duration: int | None
    phase_duration: int | None
    rollback_on_error: bool | None
    status: str | None
    progress: int | None
    current_phase: str | None
    scheduled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None
    performance_impact: Decimal | None
    rollback_reason: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Pool(Record):
    __table__: ClassVar[Table] = schema.pools

    id: UUID
    name: str
    description: str | None
    cryptocurrency_id: UUID
    algorithm_id: UUID
    stratum_host: str
    stratum_port: int
    stratum_ssl_port: int | None
    ssl_enabled: bool | None
    difficulty: int
    variable_difficulty: bool | None
    min_difficulty: int | None
    max_difficulty: int | None
    difficulty_retarget_time: int | None
    fee_percentage: Decimal
    payout_method: str | None
    payout_threshold: Decimal
    payout_frequency: str | None
    pool_wallet_address: str
    backup_wallet_address: str | None
    max_miners: int | None
    max_hashrate: int | None
    status: str | None
    auto_start: bool | None
    created_by: UUID | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class PoolConfiguration(Record):
    __table__: ClassVar[Table] = schema.pool_configurations

    id: UUID
    pool_id: UUID
    configuration: Any
    version: int
    is_active: bool | None
    changed_by: UUID | None
    change_reason: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class Miner(Record):
    __table__: ClassVar[Table] = schema.miners

    id: UUID
    user_id: UUID
    pool_id: UUID
    worker_name: str
    display_name: str | None
    ip_address: str | None
    user_agent: str | None
    mining_software: str | None
    mining_software_version: str | None
    difficulty: int
    auto_difficulty: bool | None
    custom_difficulty: int | None
    hardware_type: str | None
    hardware_details: Any | None
    current_hashrate: int | None
    average_hashrate_1h: int | None
    average_hashrate_24h: int | None
    shares_accepted: int | None
    shares_rejected: int | None
    shares_stale: int | None
    shares_duplicate: int | None
    first_seen: datetime | None
    last_seen: datetime | None
    connection_count: int | None
    total_uptime_seconds: int | None
    status: str | None
    notifications_enabled: bool | None
    notification_preferences: Any | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class MinerConnection(Record):
    __table__: ClassVar[Table] = schema.miner_connections

    id: UUID
    miner_id: UUID
    session_id: str
    ip_address: str
    port: int
    stratum_version: str | None
    supported_extensions: list[str] | None
    connected_at: datetime | None
    disconnected_at: datetime | None
    disconnect_reason: str | None
    shares_submitted: int | None
    shares_accepted: int | None
    shares_rejected: int | None
    bytes_sent: int | None
    bytes_received: int | None
    average_latency_ms: int | None
    status: str | None


@dataclass(frozen=True)
class Share(Record):
    __table__: ClassVar[Table] = schema.shares

    id: UUID
    miner_id: UUID
    pool_id: UUID
    job_id: str
    extranonce1: str | None
    extranonce2: str | None
    nonce: str
    block_height: int
    block_hash: str | None
    previous_block_hash: str | None
    share_difficulty: int
    network_difficulty: int
    target: str
    is_valid: bool
    is_block: bool | None
    is_stale: bool | None
    is_duplicate: bool | None
    validation_time_ms: int | None
    error_code: int | None
    error_message: str | None
    submitted_at: datetime
    validated_at: datetime | None
    algorithm_id: UUID | None


@dataclass(frozen=True)
class Block(Record):
    __table__: ClassVar[Table] = schema.blocks

    id: UUID
    pool_id: UUID
    miner_id: UUID
    share_id: UUID
    block_hash: str
    block_height: int
    previous_block_hash: str | None
    difficulty: int
    network_difficulty: int
    block_reward: Decimal
    transaction_fees: Decimal | None
    total_reward: Decimal
    status: str | None
    confirmations: int | None
    required_confirmations: int
    found_at: datetime | None
    confirmed_at: datetime | None
    pool_fee: Decimal | None
    miner_reward: Decimal | None
    payout_processed: bool | None
    payout_processed_at: datetime | None


@dataclass(frozen=True)
class UserWallet(Record):
    __table__: ClassVar[Table] = schema.user_wallets

    id: UUID
    user_id: UUID
    cryptocurrency_id: UUID
    wallet_address: str
    wallet_label: str | None
    address_validated: bool | None
    validation_transaction_hash: str | None
    minimum_payout: Decimal | None
    automatic_payouts: bool | None
    payout_frequency: str | None
    status: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Payout(Record):
    __table__: ClassVar[Table] = schema.payouts

    id: UUID
    user_id: UUID
    pool_id: UUID
    wallet_id: UUID
    amount: Decimal
    fee: Decimal
    net_amount: Decimal
    transaction_hash: str | None
    transaction_fee: Decimal | None
    block_height: int | None
    confirmations: int | None
    shares_included: int
    calculation_method: str
    calculation_period_start: datetime
    calculation_period_end: datetime
    status: str | None
    retry_count: int | None
    max_retries: int | None
    error_message: str | None
    created_at: datetime | None
    processed_at: datetime | None
    confirmed_at: datetime | None
    processed_by: UUID | None
    notes: str | None


@dataclass(frozen=True)
class AuditEntry(Record):
    __table__: ClassVar[Table] = schema.audit_log

    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: Any | None


RECORD_TYPES: tuple[type[Record], ...] = (
    User, UserRole, UserSession, Cryptocurrency, Algorithm, AlgorithmMigration, Pool,
    PoolConfiguration, Miner, MinerConnection, Share, Block, UserWallet, Payout, AuditEntry,
)


def _check_matches_schema() -> None:
    for cls in RECORD_TYPES:
        columns = [c.name for c in cls.__table__.columns]
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        if columns != names:
            raise RuntimeError(f"{cls.__name__} fields {names} do not match table {cls.__table__.name} {columns}")


_check_matches_schema()
