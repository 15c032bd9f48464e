"""What the migration controller adds to the miner's answer path.

Baseline: the built-in sha256d kernel's ``hash`` on one 80-byte header, the
pool's per-share work without a migration. Measured in the same run:
``hasher_for(job, worker).hash`` with no migration, and during shadow (the
candidate's check is queued, not run: this is the answer path only).
Run: ``.venv/bin/pytest benchmarks/test_migration_overhead.py --benchmark-only``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from chimera_algo import get_hasher
from chimera_algo.migration import DeferredExecutor, MigrationController
from chimera_algo.migration.store_adapter import StoreMigrationRepository
from chimera_algo.store import open_store

BUILTIN = get_hasher("sha256d")
CONTROL = f"sha256d@{BUILTIN.version}"
HEADER = hashlib.sha512(b"bench").digest() + bytes(16)


@dataclass(frozen=True)
class Job:
    height: int
    algorithm: str


class DiscardingExecutor(DeferredExecutor):
    """Queues like the real executor but never runs the checks (answer path only)."""

    def submit(self, task):
        if len(self) > 10_000:
            self.discard()
        return super().submit(task)


class SecondVersion:
    """The built-in kernel answering as another version (the candidate)."""

    def __init__(self):
        self.name, self.version, self.digest_size, self.isa = "sha256d", "2.0.0", 32, BUILTIN.isa

    def hash(self, data):
        return BUILTIN.hash(data)


def resolver(spec):
    return SecondVersion() if spec == "sha256d@2.0.0" else BUILTIN


@pytest.fixture
def controller(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/bench.db") as store:
        yield MigrationController("bench", StoreMigrationRepository(store), baseline=CONTROL,
                                  resolver=resolver, executor=DiscardingExecutor())


def test_baseline_kernel_hash(benchmark):
    benchmark(BUILTIN.hash, HEADER)


def test_no_migration(benchmark, controller):
    job = Job(1, CONTROL)
    benchmark(lambda: controller.hasher_for(job, "worker-1").hash(HEADER))


def test_shadow_answer_path(benchmark, controller):
    controller.start("sha256d@2.0.0", "gradual")
    job = Job(1, CONTROL)
    benchmark(lambda: controller.hasher_for(job, "worker-1").hash(HEADER))
