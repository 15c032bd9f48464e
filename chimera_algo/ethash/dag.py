"""The full dataset (DAG): built with all cores into a memory-mapped file.

File ``full-<seed hash hex>-<size>.dag``: a 4 KiB header (magic, version,
size, seed hash) then the dataset. It is built under a temporary name and
renamed when complete, so a file with the final name is always whole; on
open, a sample of nodes is recomputed from the light cache and compared, which
catches a file from another build or a damaged one without hashing gigabytes.
"""

from __future__ import annotations

import mmap
import os
import random
import struct
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from chimera_algo._core import ethash as _native

HEADER_SIZE = 4096
MAGIC = b"CHMRETHD"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sIIQ32s")  # magic, version, reserved, size, seed
CHUNK_NODES = 1 << 14  # 1 MiB of dataset per task: fine-grained progress
SPOT_CHECKS = 16

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class CorruptDagFile(Exception):
    """A DAG file whose header or sampled contents do not match."""


def dag_filename(seed_hash: bytes, full_size: int) -> str:
    return f"full-{seed_hash.hex()}-{full_size}.dag"


def build_dag_file(
    cache: _native.Cache,
    full_size: int,
    path: Path,
    *,
    threads: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Compute the dataset of ``cache`` into ``path`` with ``threads`` workers
    (default: every core). The GIL is released while nodes are computed."""
    if full_size < 128 or full_size % 128:
        raise ValueError(f"full size must be a positive multiple of 128, got {full_size}")
    workers = threads or os.cpu_count() or 1
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        os.ftruncate(fd, HEADER_SIZE + full_size)
        with mmap.mmap(fd, HEADER_SIZE + full_size) as mm:
            _fill(cache, memoryview(mm), full_size, workers, progress, cancel)
            _HEADER.pack_into(mm, 0, MAGIC, FORMAT_VERSION, 0, full_size, cache.seed)
            mm.flush()
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _fill(
    cache: _native.Cache,
    view: memoryview,
    full_size: int,
    workers: int,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    nodes = full_size // 64
    chunks = [(first, min(first + CHUNK_NODES, nodes)) for first in range(0, nodes, CHUNK_NODES)]
    done = 0
    lock = threading.Lock()

    def work(first: int, last: int) -> None:
        nonlocal done
        if cancel is not None and cancel.is_set():
            return
        start = HEADER_SIZE + first * 64
        with view[start : HEADER_SIZE + last * 64] as out:
            cache.fill_dataset(first, out)
        with lock:
            done += (last - first) * 64
            if progress is not None:
                progress(done, full_size)

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ethash-dag") as pool:
            for f in [pool.submit(work, a, b) for a, b in chunks]:
                f.result()
    finally:
        view.release()
    if cancel is not None and cancel.is_set():
        raise InterruptedError("DAG build cancelled")


@dataclass
class FullDataset:
    """A DAG file mapped read-only, ready for hashimoto_full."""

    path: Path
    seed_hash: bytes
    size: int
    _mmap: mmap.mmap = field(repr=False)
    _view: memoryview = field(repr=False)
    _native: _native.Dataset | None = field(repr=False)

    def hashimoto(self, header_hash: bytes, nonce: int) -> tuple[bytes, bytes]:
        if self._native is None:
            raise ValueError(f"DAG {self.path} is closed")
        return self._native.hashimoto_full(header_hash, nonce)

    def close(self) -> None:
        """Unmap now rather than when garbage-collected."""
        self._native = None
        self._view.release()
        self._mmap.close()


def open_dag_file(path: Path, cache: _native.Cache, full_size: int) -> FullDataset:
    """Map ``path`` and check it belongs to ``cache``'s epoch (spot checks)."""
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    view: memoryview | None = None
    try:
        if len(mm) != HEADER_SIZE + full_size:
            raise CorruptDagFile(f"{path}: {len(mm)} bytes, expected {HEADER_SIZE + full_size}")
        magic, version, _, size, seed = _HEADER.unpack_from(mm, 0)
        if magic != MAGIC or version != FORMAT_VERSION:
            raise CorruptDagFile(f"{path}: not a chimera ethash DAG (v{FORMAT_VERSION})")
        if size != full_size or seed != cache.seed:
            raise CorruptDagFile(f"{path}: header is for another epoch")
        view = memoryview(mm)[HEADER_SIZE:]
        _spot_check(path, cache, view, full_size)
        return FullDataset(path, seed, size, mm, view, _native.Dataset(view))
    except BaseException:
        if view is not None:
            view.release()
        mm.close()
        raise


def _spot_check(path: Path, cache: _native.Cache, view: memoryview, full_size: int) -> None:
    nodes = full_size // 64
    rng = random.Random()
    sample = {0, nodes - 1} | {rng.randrange(nodes) for _ in range(SPOT_CHECKS)}
    expected = bytearray(64)
    for index in sorted(sample):
        cache.fill_dataset(index, expected)
        if view[index * 64 : index * 64 + 64] != expected:
            raise CorruptDagFile(f"{path}: dataset node {index} does not match the cache")
