"""Property and seam tests for share validation."""

from __future__ import annotations

import dataclasses
import struct

from hypothesis import given, strategies as st

from chimera_algo import get_hasher
from chimera_algo.hasher import StaticHasherProvider
from chimera_algo.pool.config import PoolConfig, validate
from chimera_algo.pool.jobs import JobManager
from chimera_algo.pool.persistence import MemorySink
from chimera_algo.pool.serialize import merkle_root, sha256d
from chimera_algo.pool.server import StratumServer
from chimera_algo.pool.shares import ShareValidator, Submission
from chimera_algo.pool.simnet import Simnet, SimnetSettings
from chimera_algo.targets import MAX_TARGET, SCRYPT_SHARE_DIFF1

MASK = 0x1FFFE000
SHA = get_hasher("sha256d")
TEMPLATE = Simnet(SimnetSettings(difficulty=1e6, transactions=7), SHA).template()


@given(
    en1=st.binary(min_size=4, max_size=4),
    en2=st.binary(min_size=6, max_size=6),
    nonce=st.integers(0, 2**32 - 1),
    ntime_offset=st.integers(0, 3600),
    rolled=st.integers(0, 2**32 - 1),
)
def test_header_matches_an_independent_block_build(en1, en2, nonce, ntime_offset, rolled):
    provider = StaticHasherProvider(SHA)
    job = JobManager(provider, b"\x51", b"/p/", 10).new_job(TEMPLATE)
    bits = rolled & MASK
    ntime = TEMPLATE.curtime + ntime_offset
    sub = Submission("a.b", job.job_id, en2.hex(), f"{ntime:08x}", f"{nonce:08x}", f"{bits:08x}")
    result = ShareValidator(provider, 6).validate(job, sub, en1, MAX_TARGET, MASK)
    # Independent build: the whole coinbase, the full merkle tree, the header fields.
    coinbase = job.coinbase.coinb1 + en1 + en2 + job.coinbase.coinb2
    root = merkle_root([sha256d(coinbase)] + [tx.txid for tx in TEMPLATE.transactions])
    version = (TEMPLATE.version & ~MASK) | bits
    expected = struct.pack("<I", version) + TEMPLATE.prevhash + root + struct.pack("<III", ntime, TEMPLATE.bits, nonce)
    assert result.header == expected
    assert result.digest == SHA.hash(expected)


class RecordingProvider:
    """A HasherProvider that switches algorithm at a height (as a migration would)."""

    def __init__(self, switch_height: int):
        self.switch_height = switch_height
        self.asked: list[tuple[str, str]] = []

    def algorithm_for_new_job(self, height: int) -> str:
        return "scrypt@1" if height >= self.switch_height else "sha256d@1"

    def hasher_for(self, job, worker: str):
        self.asked.append((job.algorithm, worker))
        return get_hasher(job.algorithm.split("@")[0])


def test_each_share_is_judged_by_the_providers_hasher_for_its_job():
    provider = RecordingProvider(switch_height=2)
    manager = JobManager(provider, b"\x51", b"", 8)
    old = manager.new_job(TEMPLATE)  # height 1: sha256d
    new = manager.new_job(dataclasses.replace(TEMPLATE, height=2))  # same tip, a later height
    assert (old.algorithm, new.algorithm) == ("sha256d@1", "scrypt@1")
    validator = ShareValidator(provider, 4)
    en1 = bytes(4)
    for job, algorithm in ((old, "sha256d"), (new, "scrypt")):
        header = validator.validate(job, Submission("w.1", job.job_id, "00000000", f"{job.ntime:08x}", "00000000"),
                                    en1, MAX_TARGET, 0).header
        target = MAX_TARGET >> 8
        nonce = get_hasher(algorithm).scan(header, 1, 1 << 14, target)[0]
        sub = Submission("w.1", job.job_id, "00000000", f"{job.ntime:08x}", f"{nonce:08x}")
        result = validator.validate(job, sub, en1, target, 0)
        assert result.digest == get_hasher(algorithm).hash(result.header)
    assert provider.asked[-1] == ("scrypt@1", "w.1") and ("sha256d@1", "w.1") in provider.asked


def test_scrypt_pool_counts_difficulty_in_litecoin_share_units():
    cfg = PoolConfig()
    cfg.pool.algorithm = "scrypt"
    server = StratumServer(validate(cfg), StaticHasherProvider(get_hasher("scrypt")), Simnet(SimnetSettings(), SHA), MemorySink())
    assert server.target_for(1.0) == SCRYPT_SHARE_DIFF1 == 0xFFFF << 224
    assert server.target_for(65536.0) == (0xFFFF << 224) // 65536
