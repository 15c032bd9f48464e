"""The built-in coins and their algorithms, seeded by migration 0003 (idempotent).

Figures are the networks' consensus parameters as of 2024-2025: block time in
seconds, current block subsidy, supply cap, and the confirmations a pool waits
before a found block's coinbase is spendable. Each coin's diff-1 target is
``chimera_algo.targets.diff1_target(primary_algorithm)``; it is not a column of
the data model. BlockDAG (BDAG) figures are the project's published design
targets (its network is young): review them before paying out real coins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import Connection, select

from chimera_algo.store.schema import algorithms, supported_cryptocurrencies
from chimera_algo.store.types import new_id


@dataclass(frozen=True)
class CoinSeed:
    symbol: str
    name: str
    full_name: str
    block_time: int
    block_reward: Decimal
    total_supply: Decimal | None
    algorithm: str
    confirmation_blocks: int
    minimum_payout: Decimal
    transaction_fee: Decimal
    website_url: str


@dataclass(frozen=True)
class AlgorithmSeed:
    name: str
    display_name: str
    description: str
    memory_requirements: str
    cpu_intensive: bool
    gpu_optimized: bool
    asic_resistant: bool


COINS = (
    CoinSeed("BTC", "Bitcoin", "Bitcoin", 600, Decimal("3.125"), Decimal("21000000"), "sha256d", 100,
             Decimal("0.001"), Decimal("0.0001"), "https://bitcoin.org"),
    CoinSeed("LTC", "Litecoin", "Litecoin", 150, Decimal("6.25"), Decimal("84000000"), "scrypt", 100,
             Decimal("0.01"), Decimal("0.0001"), "https://litecoin.org"),
    CoinSeed("ETC", "Ethereum Classic", "Ethereum Classic", 13, Decimal("2.048"), Decimal("210700000"),
             "etchash", 120, Decimal("0.1"), Decimal("0.0005"), "https://ethereumclassic.org"),
    CoinSeed("BDAG", "BlockDAG", "BlockDAG Network", 1, Decimal("20"), Decimal("150000000000"), "blake3", 100,
             Decimal("10"), Decimal("0.01"), "https://blockdag.network"),
)

ALGORITHMS = (
    AlgorithmSeed("sha256d", "SHA-256d", "Double SHA-256 (Bitcoin)", "low", False, False, False),
    AlgorithmSeed("scrypt", "Scrypt", "scrypt N=1024, r=1, p=1 (Litecoin)", "medium", True, True, False),
    AlgorithmSeed("etchash", "Etchash", "Ethash with ECIP-1099 epochs (Ethereum Classic)", "high", False, True, True),
    AlgorithmSeed("blake3", "BLAKE3", "BLAKE3 proof of work (BlockDAG)", "low", True, False, False),
)


def seed(conn: Connection) -> None:
    """Insert the seed rows that are missing; never overwrite an operator's edits."""
    now = datetime.now(timezone.utc)
    have = set(conn.execute(select(algorithms.c.name)).scalars())
    for a in ALGORITHMS:
        if a.name not in have:
            conn.execute(
                algorithms.insert().values(
                    id=new_id(), name=a.name, display_name=a.display_name, description=a.description,
                    memory_requirements=a.memory_requirements, cpu_intensive=a.cpu_intensive,
                    gpu_optimized=a.gpu_optimized, asic_resistant=a.asic_resistant,
                    supported_platforms=["linux"], status="available", created_at=now, updated_at=now,
                )
            )
    have = set(conn.execute(select(supported_cryptocurrencies.c.symbol)).scalars())
    for c in COINS:
        if c.symbol not in have:
            conn.execute(
                supported_cryptocurrencies.insert().values(
                    id=new_id(), symbol=c.symbol, name=c.name, full_name=c.full_name, network_type="mainnet",
                    block_time=c.block_time, block_reward=c.block_reward, total_supply=c.total_supply,
                    primary_algorithm=c.algorithm, supported_algorithms=[c.algorithm],
                    confirmation_blocks=c.confirmation_blocks, minimum_payout=c.minimum_payout,
                    transaction_fee=c.transaction_fee, website_url=c.website_url, status="active",
                    created_at=now, updated_at=now,
                )
            )
