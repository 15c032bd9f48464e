"""Mining jobs: one per template (or refresh), with the Stratum notify
parameters precomputed, the duplicate-share set, and stale bookkeeping."""

from __future__ import annotations

import itertools
import struct
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from chimera_algo.hasher import HasherProvider
from chimera_algo.pool.coinbase import CoinbaseParts, build_coinbase
from chimera_algo.pool.serialize import merkle_branch, swap_words
from chimera_algo.pool.template import BlockTemplate


@dataclass
class Job:
    job_id: str
    template: BlockTemplate
    coinbase: CoinbaseParts
    branch: list[bytes]
    algorithm: str  # "name@version", fixed when issued (HasherProvider)
    clean: bool
    created_at: float
    notify_params: list = field(default_factory=list)
    seen: set = field(default_factory=set)  # duplicate detection keys
    stale: bool = False
    header_prefix: bytes = b""  # version + prevhash: the header's first 36 bytes
    # The template's figures the share path reads, copied to plain attributes
    # (also the JobLike view the hasher provider uses).
    height: int = field(init=False)
    version: int = field(init=False)
    bits: int = field(init=False)
    ntime: int = field(init=False)
    mintime: int = field(init=False)
    network_target: int = field(init=False)

    def __post_init__(self) -> None:
        t = self.template
        self.height, self.version, self.bits, self.ntime = t.height, t.version, t.bits, t.curtime
        self.mintime, self.network_target = t.mintime, t.target
        self.header_prefix = struct.pack("<I", t.version) + t.prevhash


class JobManager:
    """Issues jobs from templates and finds them again for shares.

    A template with a new prevhash makes a ``clean`` job and marks every
    older job stale (answered as error 21 "stale" rather than "unknown").
    """

    def __init__(
        self,
        provider: HasherProvider,
        payout_script: bytes,
        pool_tag: bytes,
        extranonce_size: int,
        keep_jobs: int = 16,
        instance_prefix: int = 0,
    ):
        self.provider = provider
        self.payout_script = payout_script
        self.pool_tag = pool_tag
        self.extranonce_size = extranonce_size
        self.keep_jobs = keep_jobs
        self._ids = itertools.count(1)
        self._prefix = instance_prefix
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self.current: Job | None = None

    def new_job(self, template: BlockTemplate) -> Job:
        clean = self.current is None or self.current.template.prevhash != template.prevhash
        coinbase = build_coinbase(template, self.payout_script, self.pool_tag, self.extranonce_size)
        branch = merkle_branch([tx.txid for tx in template.transactions])
        job = Job(
            job_id=f"{self._prefix:02x}{next(self._ids):06x}",
            template=template,
            coinbase=coinbase,
            branch=branch,
            algorithm=self.provider.algorithm_for_new_job(template.height),
            clean=clean,
            created_at=time.time(),
        )
        job.notify_params = [
            job.job_id,
            swap_words(template.prevhash).hex(),
            coinbase.coinb1.hex(),
            coinbase.coinb2.hex(),
            [h.hex() for h in branch],
            f"{template.version:08x}",
            f"{template.bits:08x}",
            f"{template.curtime:08x}",
            clean,
        ]
        if clean:
            for old in self._jobs.values():
                old.stale = True
                old.seen.clear()
        self._jobs[job.job_id] = job
        while len(self._jobs) > self.keep_jobs:
            self._jobs.popitem(last=False)
        self.current = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)
