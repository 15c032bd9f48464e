"""Ethash and etchash (ECIP-1099): light and full-DAG verification.

``chimera_algo.get_hasher("etchash")`` / ``get_hasher("ethash")`` return the
process-wide hashers; build others with :class:`EthashHasher` and a network
from :mod:`chimera_algo.ethash.params`.
"""

from __future__ import annotations

import functools

from chimera_algo.ethash.cache import CacheManager, default_directory
from chimera_algo.ethash.hasher import EthashHasher, MixHashMismatch
from chimera_algo.ethash.params import (
    ETC_MAINNET,
    ETHEREUM,
    MORDOR,
    EpochInfo,
    EthashNetwork,
    FixedSizes,
    SpecSizes,
    custom_etchash,
    network,
)

__all__ = [
    "CacheManager",
    "ETC_MAINNET",
    "ETHEREUM",
    "EpochInfo",
    "EthashHasher",
    "EthashNetwork",
    "FixedSizes",
    "MORDOR",
    "MixHashMismatch",
    "SpecSizes",
    "custom_etchash",
    "default_directory",
    "etchash_hasher",
    "ethash_hasher",
    "network",
]


@functools.cache
def shared_caches() -> CacheManager:
    """The process-wide cache manager behind the registry's hashers."""
    return CacheManager(directory=default_directory())


@functools.cache
def etchash_hasher() -> EthashHasher:
    """Etchash on Ethereum Classic mainnet (ECIP-1099 at 11,700,000)."""
    return EthashHasher(ETC_MAINNET, caches=shared_caches())


@functools.cache
def ethash_hasher() -> EthashHasher:
    """Ethash as on Ethereum before the merge (30,000-block epochs)."""
    return EthashHasher(ETHEREUM, caches=shared_caches())
