"""Network parameters: which epoch, seed and sizes a block number maps to.

Ethash (Ethereum) uses 30,000-block epochs. Etchash (ECIP-1099, Ethereum
Classic) doubles the epoch length to 60,000 blocks from an activation block
on; the seed hash keeps counting 30,000-block steps, taken at the epoch's
start: for a 60,000-block epoch ``E`` the seed is keccak-256 applied
``E * 60000 // 30000 == 2 * E`` times, so every block of the epoch shares one
seed (a block in the second half of the epoch does *not* use
``block // 30000`` rounds). Cache and dataset sizes follow the epoch number
``E`` in whichever length applies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Protocol

from chimera_algo._core import ethash as _native

SEED_EPOCH_LENGTH = 30_000
ECIP1099_EPOCH_LENGTH = 60_000
MAX_BLOCK = (1 << 63) - 1


def check_block_number(value: object, what: str = "block number") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value <= MAX_BLOCK:
        raise ValueError(f"{what} must be in [0, 2**63), got {value}")
    return value


class SizeRule(Protocol):
    """Cache and full dataset sizes (bytes) of an epoch."""

    def cache_size(self, epoch: int) -> int: ...

    def full_size(self, epoch: int) -> int: ...


@dataclass(frozen=True)
class SpecSizes:
    """The specification's sizes: linear growth, rounded down to a prime count."""

    def cache_size(self, epoch: int) -> int:
        return _native.cache_size(epoch)

    def full_size(self, epoch: int) -> int:
        return _native.dataset_size(epoch)


@dataclass(frozen=True)
class FixedSizes:
    """The same sizes for every epoch: private/dev networks and tests."""

    cache: int
    full: int

    def __post_init__(self) -> None:
        if self.cache < 64 or self.cache % 64:
            raise ValueError(f"cache size must be a positive multiple of 64, got {self.cache}")
        if self.full < 128 or self.full % 128:
            raise ValueError(f"full size must be a positive multiple of 128, got {self.full}")

    def cache_size(self, epoch: int) -> int:
        return self.cache

    def full_size(self, epoch: int) -> int:
        return self.full


@dataclass(frozen=True)
class EpochInfo:
    """Everything a block number decides."""

    epoch: int
    epoch_length: int
    first_block: int
    seed_rounds: int
    seed_hash: bytes
    cache_size: int
    full_size: int


@dataclass(frozen=True)
class EthashNetwork:
    """``ecip1099_block`` is None for plain ethash (30,000-block epochs forever)."""

    name: str
    algorithm: str
    ecip1099_block: int | None = None
    sizes: SizeRule = field(default_factory=SpecSizes)

    def __post_init__(self) -> None:
        if self.ecip1099_block is not None:
            check_block_number(self.ecip1099_block, "activation block")

    def epoch_length(self, block_number: int) -> int:
        check_block_number(block_number)
        if self.ecip1099_block is not None and block_number >= self.ecip1099_block:
            return ECIP1099_EPOCH_LENGTH
        return SEED_EPOCH_LENGTH

    def epoch(self, block_number: int) -> int:
        return block_number // self.epoch_length(block_number)

    def info(self, block_number: int) -> EpochInfo:
        length = self.epoch_length(block_number)
        return _epoch_info(self.sizes, length, block_number // length)

    def next_epoch_block(self, block_number: int) -> int:
        """The first block of the epoch after ``block_number``'s."""
        length = self.epoch_length(block_number)
        return (block_number // length + 1) * length


@functools.lru_cache(maxsize=256)
def _epoch_info(sizes: SizeRule, length: int, epoch: int) -> EpochInfo:
    # Memoised: a seed at epoch ~430 is ~860 keccak rounds, which would
    # otherwise cost more than a full-DAG verification on every share.
    first = epoch * length
    rounds = first // SEED_EPOCH_LENGTH
    return EpochInfo(
        epoch=epoch,
        epoch_length=length,
        first_block=first,
        seed_rounds=rounds,
        seed_hash=_native.seed_hash(rounds),
        cache_size=sizes.cache_size(epoch),
        full_size=sizes.full_size(epoch),
    )


ETHEREUM = EthashNetwork("ethereum", "ethash")
ETC_MAINNET = EthashNetwork("etc", "etchash", ecip1099_block=11_700_000)
MORDOR = EthashNetwork("mordor", "etchash", ecip1099_block=2_520_000)

NETWORKS = {n.name: n for n in (ETHEREUM, ETC_MAINNET, MORDOR)}


def network(name: str) -> EthashNetwork:
    """A built-in network by name: "ethereum", "etc" or "mordor"."""
    try:
        return NETWORKS[name]
    except KeyError:
        raise ValueError(
            f"unknown ethash network {name!r}; expected one of {', '.join(NETWORKS)}"
        ) from None


def custom_etchash(activation_block: int, name: str = "custom") -> EthashNetwork:
    """Etchash with a user-defined ECIP-1099 activation block."""
    return EthashNetwork(name, "etchash", ecip1099_block=activation_block)
