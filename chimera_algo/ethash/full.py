"""Full-DAG mode: build an epoch's dataset in the background, then serve
verification from it; light verification serves until it is ready."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from chimera_algo.ethash.cache import CacheManager
from chimera_algo.ethash.dag import (
    CorruptDagFile,
    FullDataset,
    Progress,
    build_dag_file,
    dag_filename,
    open_dag_file,
)
from chimera_algo.ethash.params import EpochInfo

log = logging.getLogger(__name__)


@dataclass
class DagJob:
    """One epoch's DAG: progress while building, the dataset when done."""

    info: EpochInfo
    path: Path
    done_bytes: int = 0
    dataset: FullDataset | None = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.info.full_size

    def wait(self, timeout: float | None = None) -> FullDataset:
        """Block until ready; re-raise the build's error."""
        if not self.finished.wait(timeout):
            raise TimeoutError(f"DAG for epoch {self.info.epoch} not ready after {timeout} s")
        if self.error is not None:
            raise self.error
        assert self.dataset is not None
        return self.dataset


def load_or_build_dag(
    caches: CacheManager,
    info: EpochInfo,
    directory: Path,
    *,
    threads: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> FullDataset:
    """The epoch's dataset from ``directory``, built there first if missing
    or invalid."""
    cache = caches.get(info.seed_hash, info.cache_size)
    path = directory / dag_filename(info.seed_hash, info.full_size)
    if path.exists():
        try:
            dataset = open_dag_file(path, cache, info.full_size)
            if progress is not None:
                progress(info.full_size, info.full_size)
            return dataset
        except (CorruptDagFile, OSError) as exc:
            log.warning("rebuilding DAG: %s", exc)
    build_dag_file(
        cache, info.full_size, path, threads=threads, progress=progress, cancel=cancel
    )
    return open_dag_file(path, cache, info.full_size)


class FullDagMode:
    """At most one DAG in use and one being built, keyed by seed hash."""

    def __init__(self, caches: CacheManager, directory: Path, threads: int | None = None):
        self.caches = caches
        self.directory = directory
        self.threads = threads
        self._lock = threading.Lock()
        self._jobs: dict[bytes, DagJob] = {}

    def start(self, info: EpochInfo) -> DagJob:
        """Begin building (or loading) ``info``'s DAG in the background."""
        with self._lock:
            job = self._jobs.get(info.seed_hash)
            if job is not None:
                return job
            job = DagJob(info, self.directory / dag_filename(info.seed_hash, info.full_size))
            self._jobs[info.seed_hash] = job
        threading.Thread(
            target=self._run, args=(job,), name=f"ethash-dag-{info.epoch}", daemon=True
        ).start()
        return job

    def dataset_for(self, seed_hash: bytes) -> FullDataset | None:
        """The ready dataset for this seed, else None (use light mode)."""
        job = self._jobs.get(seed_hash)
        if job is None or not job.finished.is_set():
            return None
        return job.dataset

    def retire(self, keep: set[bytes]) -> None:
        """Forget DAGs whose seed is not in ``keep`` (their maps close when
        the last verification using them ends)."""
        with self._lock:
            for seed in [s for s in self._jobs if s not in keep]:
                self._jobs.pop(seed).cancel.set()

    def _run(self, job: DagJob) -> None:
        def progress(done: int, total: int) -> None:
            job.done_bytes = done

        try:
            job.dataset = load_or_build_dag(
                self.caches, job.info, self.directory,
                threads=self.threads, progress=progress, cancel=job.cancel,
            )
        except BaseException as exc:  # reported through job.wait()
            job.error = exc
            log.error("DAG for epoch %d failed: %s", job.info.epoch, exc)
        finally:
            job.finished.set()
