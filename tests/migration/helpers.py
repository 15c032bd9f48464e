"""Test candidates, a recorded share stream and a harness around the controller.

The candidates are real ``Hasher`` subclasses wrapping the built-in sha256d
kernel; each hash charges its cost to the fake clock so latency is exact.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from typing import Callable, Optional

import pytest

from chimera_algo import get_hasher
from chimera_algo.hasher import Buffer, Hasher
from chimera_algo.migration import AlgorithmNotInstalledError, FakeClock, Share

BUILTIN = get_hasher("sha256d")
CONTROL = f"sha256d@{BUILTIN.version}"
CONTROL_COST = 10e-6
STREAM_VERSION = b"\x00\x00\x00\x20"  # block version of every recorded share header
TARGET = 1 << 255  # about half the shares are valid, so verdicts carry information


def nonce_of(header: Buffer) -> int:
    return struct.unpack_from("<I", bytes(header), 76)[0]


class WrappedHasher(Hasher):
    """The built-in kernel under another version, charging ``cost`` fake seconds."""

    def __init__(self, version: str, clock: FakeClock, cost: float = CONTROL_COST):
        self.name = "sha256d"
        self.version = version
        self.digest_size = 32
        self.isa = BUILTIN.isa
        self.clock = clock
        self.cost = cost
        self.calls = 0

    def digest(self, data: Buffer) -> bytes:
        return BUILTIN.hash(data)

    def hash(self, data: Buffer) -> bytes:
        self.calls += 1
        self.clock.advance(self.cost)
        return self.digest(data)

    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        data = bytes(data)
        return b"".join(self.hash(data[i:i + item_size]) for i in range(0, len(data) - item_size + 1, item_size))

    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        raise NotImplementedError("not used by the migration tests")


class DisagreeingHasher(WrappedHasher):
    """Wrong on one nonce in 10,000: the last digest byte is flipped."""

    BAD_NONCE_MOD = 7777

    def digest(self, data: Buffer) -> bytes:
        digest = bytearray(BUILTIN.hash(data))
        if nonce_of(data) % 10_000 == self.BAD_NONCE_MOD:
            digest[-1] ^= 0xFF
        return bytes(digest)


class RaisingHasher(WrappedHasher):
    """Raises on one recorded share in 50 (never on the preflight vectors)."""

    def digest(self, data: Buffer) -> bytes:
        if bytes(data[:4]) == STREAM_VERSION and nonce_of(data) % 50 == 0:
            raise RuntimeError(f"kernel fault on nonce {nonce_of(data)}")
        return BUILTIN.hash(data)


def make_resolver(clock: FakeClock, **candidates: Hasher) -> Callable[[str], Hasher]:
    """``CONTROL`` plus ``candidates`` keyed by version ("2.0.0" -> sha256d@2.0.0)."""
    table = {CONTROL: WrappedHasher(BUILTIN.version, clock)}
    for version, hasher in candidates.items():
        table[f"sha256d@{version.replace('_', '.')}"] = hasher
    def resolve(spec: str) -> Hasher:
        try:
            return table[spec]
        except KeyError:
            raise AlgorithmNotInstalledError(f"{spec} is not installed") from None
    resolve.table = table  # type: ignore[attr-defined]
    return resolve


@dataclass(frozen=True)
class Job:
    height: int
    algorithm: str


def header(height: int, nonce: int, worker: int) -> bytes:
    prev = hashlib.sha256(b"prev%d" % height).digest()
    merkle = hashlib.sha256(b"merkle%d" % worker).digest()
    return STREAM_VERSION + prev + merkle + struct.pack("<III", 1_800_000_000 + height, 0x1D00FFFF, nonce)


def share_stream(count: int, workers: int = 100, height: int = 1000, algorithm: str = CONTROL,
                 start: int = 0) -> list[Share]:
    """A recorded stream: share i from worker i % workers with nonce i."""
    job = Job(height, algorithm)
    return [Share(f"s{i}", job, f"worker{i % workers}", header(height, i, i % workers), TARGET)
            for i in range(start, start + count)]


def control_verdict(share: Share) -> bool:
    return int.from_bytes(BUILTIN.hash(share.header), "little") <= share.target


def candidate(kind: str, clock: FakeClock, version: str = "2.0.0") -> WrappedHasher:
    cls = {"correct": WrappedHasher, "disagreeing": DisagreeingHasher, "raising": RaisingHasher,
           "slow": WrappedHasher}[kind]
    cost = CONTROL_COST * 10 if kind == "slow" else CONTROL_COST
    return cls(version, clock, cost)


def version_key(version: str) -> str:
    return version.replace(".", "_")


def resolver_with(clock: FakeClock, kind: str, version: str = "2.0.0",
                  extra: Optional[dict[str, Hasher]] = None) -> Callable[[str], Hasher]:
    candidates = {version_key(version): candidate(kind, clock, version)}
    candidates.update(extra or {})
    return make_resolver(clock, **candidates)


def require_service(name: str, reason: str) -> None:
    """The rule of tests/conftest.py (skip on a dev machine, fail in CI), kept
    here because that module is not importable from an installed-package run."""
    message = f"{name} unavailable: {reason}"
    if os.environ.get("CHIMERA_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CI must provide it: see .ci/services.d/)")
    pytest.skip(message)
