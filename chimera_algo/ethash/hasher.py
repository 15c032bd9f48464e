"""The ethash / etchash hasher.

Two ways in:

* Ethereum-style, what a pool calls per share:
  ``verify(block_number, header_hash, nonce, mix_hash=None) -> (final_hash,
  mix_hash)`` and ``meets_boundary(...)``. The epoch comes from the block
  number; the final hash is compared with the boundary as a big-endian
  number, as in Ethereum (``boundary = 2**256 // difficulty``).
* The generic :class:`~chimera_algo.hasher.Hasher` interface, at the block
  number the hasher is set to (``at_block(n)``; default 0): ``data`` is the
  40-byte seal input ``header_hash (32) || nonce (8, big-endian as in the
  block header)``; ``hash`` returns the 32-byte final hash; ``hash_many``
  takes items of exactly 40 bytes; ``scan(header, start_nonce, count,
  target)`` reads the header hash from the first 32 bytes of ``header``,
  tries 64-bit nonces ``start_nonce ..`` (mod 2**64) and returns those whose
  final hash, read **big-endian**, is <= ``target``; ``meets_target`` reads
  big-endian too. Light mode: a slow scan for tests, not for mining.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from chimera_algo._core import ethash as _native
from chimera_algo.ethash import inputs
from chimera_algo.ethash.cache import CacheManager, default_directory
from chimera_algo.ethash.full import DagJob, FullDagMode
from chimera_algo.ethash.params import EpochInfo, EthashNetwork, check_block_number
from chimera_algo.hasher import Buffer, Hasher

SEAL_INPUT_SIZE = 40


class MixHashMismatch(ValueError):
    """The share's mix hash is not the one its header and nonce produce."""


@dataclass
class _Shared:
    """State shared by a hasher and every ``at_block`` view of it."""

    network: EthashNetwork
    caches: CacheManager
    prefetch_next: bool
    full: FullDagMode | None = None
    full_lock: threading.Lock = field(default_factory=threading.Lock)


class EthashHasher(Hasher):
    """Ethash/etchash verification for one network (see the module doc)."""

    digest_size = 32

    def __init__(
        self,
        network: EthashNetwork,
        *,
        caches: CacheManager | None = None,
        block_number: int = 0,
        prefetch_next: bool = True,
    ):
        if caches is None:
            caches = CacheManager(directory=default_directory())
        self._shared = _Shared(network, caches, prefetch_next)
        self.block_number = check_block_number(block_number)

    # -- identity ---------------------------------------------------------
    @property
    def name(self) -> str:  # type: ignore[override]
        return self._shared.network.algorithm

    @property
    def version(self) -> str:  # type: ignore[override]
        from chimera_algo import __version__  # late: chimera_algo imports the registry

        return __version__

    @property
    def isa(self) -> str:  # type: ignore[override]
        return _native.isa()

    @property
    def network(self) -> EthashNetwork:
        return self._shared.network

    @property
    def caches(self) -> CacheManager:
        return self._shared.caches

    def at_block(self, block_number: int) -> EthashHasher:
        """A view at another block number sharing caches and DAGs."""
        view = object.__new__(EthashHasher)
        view._shared = self._shared
        view.block_number = check_block_number(block_number)
        return view

    def __repr__(self) -> str:
        return (f"<EthashHasher {self.name} network={self.network.name} "
                f"block={self.block_number} isa={self.isa}>")

    # -- Ethereum-style verification ---------------------------------------
    def epoch_info(self, block_number: int) -> EpochInfo:
        return self.network.info(block_number)

    def verify(
        self,
        block_number: int,
        header_hash: Buffer | str,
        nonce: int | Buffer | str,
        mix_hash: Buffer | str | None = None,
    ) -> tuple[bytes, bytes]:
        """``(final_hash, mix_hash)`` of a seal. If ``mix_hash`` is given and
        differs from the computed one, raise :class:`MixHashMismatch`."""
        header = inputs.hash32(header_hash, "header hash")
        n = inputs.nonce(nonce)
        claimed = None if mix_hash is None else inputs.hash32(mix_hash, "mix hash")
        final, mix = self._compute(self.network.info(block_number), header, n)
        if claimed is not None and claimed != mix:
            raise MixHashMismatch(
                f"mix hash {claimed.hex()} does not match the computed {mix.hex()}"
            )
        return final, mix

    def meets_boundary(
        self,
        block_number: int,
        header_hash: Buffer | str,
        nonce: int | Buffer | str,
        boundary: int | Buffer | str,
        mix_hash: Buffer | str | None = None,
    ) -> bool:
        """True when the seal is valid (mix hash, if given, matches) and its
        final hash, big-endian, is <= ``boundary``."""
        limit = inputs.boundary(boundary)
        try:
            final, _ = self.verify(block_number, header_hash, nonce, mix_hash)
        except MixHashMismatch:
            return False
        return int.from_bytes(final, "big") <= limit

    # -- full-DAG mode -------------------------------------------------------
    def enable_full_dag(
        self, block_number: int | None = None, *, directory: Path | str | None = None,
        threads: int | None = None,
    ) -> DagJob:
        """Build (or load) the DAG of ``block_number``'s epoch in the
        background; verification switches to it once ready. ``directory``
        and ``threads`` take effect on the first call."""
        shared = self._shared
        with shared.full_lock:
            if shared.full is None:
                base = Path(directory) if directory is not None else (
                    shared.caches.directory or default_directory())
                shared.full = FullDagMode(shared.caches, base, threads)
        block = self.block_number if block_number is None else block_number
        info = self.network.info(block)
        job = shared.full.start(info)
        # Keep this epoch's DAG and the one before (still serving shares of
        # jobs issued before the transition); drop the rest.
        previous = self.network.info(info.first_block - 1) if info.first_block else info
        shared.full.retire({info.seed_hash, previous.seed_hash})
        return job

    # -- generic Hasher interface -------------------------------------------
    def hash(self, data: Buffer) -> bytes:
        header, n = _split_seal_input(data)
        return self._compute(self.network.info(self.block_number), header, n)[0]

    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        if item_size != SEAL_INPUT_SIZE:
            raise ValueError(f"item_size must be {SEAL_INPUT_SIZE} for ethash, got {item_size}")
        raw = bytes(data)
        if len(raw) % SEAL_INPUT_SIZE:
            raise ValueError(
                f"item_size must divide the buffer length: got {len(raw)} bytes, item_size 40")
        info = self.network.info(self.block_number)
        out = bytearray()
        for off in range(0, len(raw), SEAL_INPUT_SIZE):
            header, n = _split_seal_input(raw[off : off + SEAL_INPUT_SIZE])
            out += self._compute(info, header, n)[0]
        return bytes(out)

    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        raw = bytes(header)
        if len(raw) not in (32, SEAL_INPUT_SIZE):
            raise ValueError(
                f"header must be the 32-byte header hash (or 40-byte seal input), got {len(raw)}")
        start = inputs.nonce(start_nonce)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1 << 32:
            raise ValueError(f"count must be an int in [0, 2**32], got {count!r}")
        limit = inputs.boundary(target)
        info = self.network.info(self.block_number)
        cache = self._cache_for(info)
        return cache.scan(info.full_size, raw[:32], start, count, limit.to_bytes(32, "big"))

    def meets_target(self, header: Buffer, target: int) -> bool:
        limit = inputs.boundary(target)
        return int.from_bytes(self.hash(header), "big") <= limit

    # -- internals -----------------------------------------------------------
    def _cache_for(self, info: EpochInfo) -> _native.Cache:
        shared = self._shared
        cache = shared.caches.get(info.seed_hash, info.cache_size)
        if shared.prefetch_next:
            nxt = self.network.info(self.network.next_epoch_block(info.first_block))
            shared.caches.prefetch(nxt.seed_hash, nxt.cache_size)
        return cache

    def _compute(self, info: EpochInfo, header: bytes, nonce: int) -> tuple[bytes, bytes]:
        full = self._shared.full
        if full is not None:
            dataset = full.dataset_for(info.seed_hash)
            if dataset is not None:
                return dataset.hashimoto(header, nonce)
        return self._cache_for(info).hashimoto_light(info.full_size, header, nonce)


def _split_seal_input(data: Buffer) -> tuple[bytes, int]:
    raw = bytes(data)
    if len(raw) != SEAL_INPUT_SIZE:
        raise ValueError(
            f"ethash input must be 40 bytes (32-byte header hash + 8-byte big-endian nonce), "
            f"got {len(raw)}")
    return raw[:32], int.from_bytes(raw[32:], "big")
