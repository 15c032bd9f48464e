"""Light caches: built once per epoch, kept in a memory-bounded LRU, built
ahead in the background, and persisted to disk.

On disk a cache is ``cache-<seed hash hex>-<size>.bin``: a 4 KiB header
(magic, format version, size, seed hash, BLAKE2b-256 of the data) followed by
the cache bytes, read back through a memory map and checked before use; a
file that fails the check is rebuilt and replaced.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import struct
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from chimera_algo._core import ethash as _native

log = logging.getLogger(__name__)

HEADER_SIZE = 4096
MAGIC = b"CHMRETHC"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sIIQ32s32s")  # magic, version, reserved, size, seed, checksum
DEFAULT_MAX_BYTES = 512 << 20


def default_directory() -> Path:
    """``$CHIMERA_HOME/ethash``, else ``~/.chimera/ethash``."""
    home = os.environ.get("CHIMERA_HOME")
    base = Path(home) if home else Path.home() / ".chimera"
    return base / "ethash"


@dataclass(frozen=True)
class CacheKey:
    seed_hash: bytes
    size: int

    @property
    def filename(self) -> str:
        return f"cache-{self.seed_hash.hex()}-{self.size}.bin"


@dataclass
class CacheStats:
    hits: int = 0
    builds: int = 0
    loads: int = 0
    evictions: int = 0
    corrupt_files: int = 0


class CorruptCacheFile(Exception):
    """A cache file whose header or checksum does not match."""


def _checksum(data: memoryview | bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def write_cache_file(path: Path, cache: _native.Cache) -> None:
    """Write atomically: a crash leaves the old file or none, never half a file."""
    data = memoryview(cache)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, cache.size, cache.seed, _checksum(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header.ljust(HEADER_SIZE, b"\0"))
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_cache_file(path: Path, key: CacheKey) -> _native.Cache:
    """Map the file, check header and checksum, copy into huge-page memory."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if len(mm) != HEADER_SIZE + key.size:
            raise CorruptCacheFile(f"{path}: {len(mm)} bytes, expected {HEADER_SIZE + key.size}")
        magic, version, _, size, seed, checksum = _HEADER.unpack_from(mm, 0)
        if magic != MAGIC or version != FORMAT_VERSION:
            raise CorruptCacheFile(f"{path}: not a chimera ethash cache (v{FORMAT_VERSION})")
        if size != key.size or seed != key.seed_hash:
            raise CorruptCacheFile(f"{path}: header is for another epoch")
        with memoryview(mm)[HEADER_SIZE:] as data:
            if _checksum(data) != checksum:
                raise CorruptCacheFile(f"{path}: checksum mismatch")
            return _native.Cache.from_bytes(seed, data)


class CacheManager:
    """Light caches by (seed hash, size), shared by all hashers of a process.

    ``max_bytes`` bounds the caches kept (the most recently used one is kept
    even if larger). ``directory=None`` disables persistence.
    """

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        directory: Path | str | None = None,
    ):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self.directory = Path(directory) if directory is not None else None
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._ready: OrderedDict[CacheKey, _native.Cache] = OrderedDict()
        self._building: dict[CacheKey, Future[_native.Cache]] = {}

    def get(self, seed_hash: bytes, size: int) -> _native.Cache:
        """The cache, built (or loaded) now if needed. Concurrent callers for
        one key wait for a single build."""
        key = CacheKey(bytes(seed_hash), size)
        with self._lock:
            cache = self._ready.get(key)
            if cache is not None:
                self._ready.move_to_end(key)
                self.stats.hits += 1
                return cache
            future = self._building.get(key)
            owner = future is None
            if owner:
                future = self._building[key] = Future()
        if owner:
            self._produce(key, future)
        return future.result()

    def prefetch(self, seed_hash: bytes, size: int) -> None:
        """Build the cache in a background thread unless present or under way.
        Once this returns, a ``get`` for the key waits for that build."""
        key = CacheKey(bytes(seed_hash), size)
        with self._lock:
            if key in self._ready or key in self._building:
                return
            future = self._building[key] = Future()
        threading.Thread(
            target=self._prefetch, args=(key, future),
            name=f"ethash-cache-{key.seed_hash.hex()[:8]}", daemon=True,
        ).start()

    def _prefetch(self, key: CacheKey, future: Future[_native.Cache]) -> None:
        try:
            self._produce(key, future)
        except Exception:  # a background build has no caller to raise to
            log.exception("background ethash cache build failed")

    def cached_keys(self) -> list[CacheKey]:
        """Keys held in memory, least recently used first."""
        with self._lock:
            return list(self._ready)

    def pending_keys(self) -> list[CacheKey]:
        """Keys being built or loaded right now."""
        with self._lock:
            return list(self._building)

    def _produce(self, key: CacheKey, future: Future[_native.Cache]) -> None:
        try:
            cache, source = self._load_or_build(key)
        except BaseException as exc:
            with self._lock:
                del self._building[key]
            future.set_exception(exc)
            raise
        with self._lock:
            if source == "loaded":
                self.stats.loads += 1
            else:
                self.stats.builds += 1
            self._ready[key] = cache
            del self._building[key]
            self._evict()
        future.set_result(cache)

    def _evict(self) -> None:
        total = sum(c.size for c in self._ready.values())
        while total > self.max_bytes and len(self._ready) > 1:
            _, old = self._ready.popitem(last=False)
            total -= old.size
            self.stats.evictions += 1

    def _load_or_build(self, key: CacheKey) -> tuple[_native.Cache, str]:
        path = self.directory / key.filename if self.directory is not None else None
        if path is not None and path.exists():
            try:
                return read_cache_file(path, key), "loaded"
            except (CorruptCacheFile, OSError, ValueError) as exc:
                with self._lock:
                    self.stats.corrupt_files += 1
                log.warning("rebuilding ethash cache: %s", exc)
        cache = _native.Cache.build(key.seed_hash, key.size)
        if path is not None:
            try:
                write_cache_file(path, cache)
            except OSError as exc:  # a read-only or full disk must not fail verification
                log.warning("could not persist ethash cache to %s: %s", path, exc)
        return cache, "built"
