"""The hasher interface every proof-of-work implementation provides.

Built-in kernels (``chimera_algo._core.NativeHasher``) and loaded packages
(native or WASM) all satisfy it; the pool and the migration controller only
ever talk to this interface.
"""

from __future__ import annotations

import abc
from typing import Protocol, Union, runtime_checkable

from chimera_algo import _core

Buffer = Union[bytes, bytearray, memoryview]


class Hasher(abc.ABC):
    """A proof-of-work function.

    Attributes: ``name`` (algorithm id), ``version`` (implementation version),
    ``digest_size`` (bytes), ``isa`` (the instruction-set variant in use).
    """

    name: str
    version: str
    digest_size: int
    isa: str

    @abc.abstractmethod
    def hash(self, data: Buffer) -> bytes:
        """The PoW digest of ``data``, raw bytes as the function outputs them."""

    @abc.abstractmethod
    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        """``len(data) // item_size`` digests, concatenated."""

    @abc.abstractmethod
    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        """Nonces in ``[start_nonce, start_nonce + count)`` (mod 2**32, written
        little-endian at header bytes 76..80) whose digest, read as a
        little-endian integer, is <= ``target``."""

    def meets_target(self, header: Buffer, target: int) -> bool:
        """True when the digest of ``header`` (little-endian) is <= ``target``."""
        if not 0 <= target < 1 << 256:
            raise ValueError(f"target must be in [0, 2**256), got {target}")
        return int.from_bytes(self.hash(header), "little") <= target


# The built-in kernels implement the interface natively (no Python wrapper on
# the hot path); register them as virtual subclasses.
Hasher.register(_core.NativeHasher)


class JobLike(Protocol):
    """What a hasher provider needs to know about a job."""

    height: int
    algorithm: str  # "name@version" fixed when the job was issued


@runtime_checkable
class HasherProvider(Protocol):
    """Chooses the hasher for each share; the pool consults it per share.

    The migration controller implements it; a pool with no migration uses
    :class:`StaticHasherProvider`. A provider that changes over time may also
    have ``tick()`` (the pool calls it about once a second, off its event
    loop) and ``close()`` (called when the pool stops).
    """

    def algorithm_for_new_job(self, height: int) -> str:
        """The "name@version" a job issued now at ``height`` is judged under."""
        ...

    def hasher_for(self, job: JobLike, worker: str) -> Hasher:
        """The hasher whose verdict decides a share of ``worker`` for ``job``;
        raises LookupError for a job that can no longer be judged (stale)."""
        ...


class StaticHasherProvider:
    """One hasher for every job and worker."""

    def __init__(self, hasher: Hasher):
        self.hasher = hasher
        self.algorithm = f"{hasher.name}@{hasher.version}"

    def algorithm_for_new_job(self, height: int) -> str:
        return self.algorithm

    def hasher_for(self, job: JobLike, worker: str) -> Hasher:
        return self.hasher
