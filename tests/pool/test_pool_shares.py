"""Share validation, coinbase and block assembly, on sha256d jobs."""

import dataclasses
import time

import pytest

from chimera_algo import get_hasher
from chimera_algo.hasher import StaticHasherProvider
from chimera_algo.pool.blocks import assemble_block, parse_block
from chimera_algo.pool.errors import StratumError
from chimera_algo.pool.jobs import JobManager
from chimera_algo.pool.serialize import merkle_root, script_number, sha256d
from chimera_algo.pool.shares import ShareValidator, Submission
from chimera_algo.pool.simnet import Simnet, SimnetSettings
from chimera_algo.pool.template import BlockTemplate
from chimera_algo.targets import MAX_TARGET

EN1 = bytes.fromhex("00000001")
MASK = 0x1FFFE000
PAYOUT = bytes.fromhex("0014751e76e8199196d454941c45d1b3a323f1433bd6")


NOW = int(time.time())


@pytest.fixture
def setup():
    hasher = get_hasher("sha256d")
    provider = StaticHasherProvider(hasher)
    simnet = Simnet(SimnetSettings(difficulty=1e6, transactions=5), hasher)
    manager = JobManager(provider, PAYOUT, b"/chimera-test/", 8)
    job = manager.new_job(simnet.template())
    # A fixed clock: the ntime window is judged against NOW however long the run.
    return hasher, manager, job, ShareValidator(provider, 4, clock=lambda: NOW), simnet


def sub(job, en2="00000000", ntime=None, nonce="00000000", version=None):
    return Submission("u.w", job.job_id, en2, f"{ntime or job.ntime:08x}", nonce, version)


def test_valid_share_rebuilds_the_header_the_miner_hashed(setup):
    hasher, _, job, validator, _ = setup
    result = validator.validate(job, sub(job, nonce="0000002a"), EN1, MAX_TARGET, MASK)
    # Independent reconstruction: full merkle root over all txids.
    coinbase = job.coinbase.assemble(EN1 + bytes(4))
    txids = [sha256d(coinbase)] + [tx.txid for tx in job.template.transactions]
    assert result.header[36:68] == merkle_root(txids)
    assert int.from_bytes(result.header[76:80], "little") == 42
    assert result.digest == hasher.hash(result.header)


def test_block_candidate_parses_back_and_passes_simnet(setup):
    hasher, manager, _, validator, _ = setup
    simnet = Simnet(SimnetSettings(difficulty=1e-12, transactions=5), hasher)
    job = manager.new_job(simnet.template())
    result = validator.validate(job, sub(job), EN1, MAX_TARGET, MASK)
    assert result.is_block  # network difficulty 1e-12: nearly every hash is a block
    block = assemble_block(result)
    head, txs, trailing = parse_block(block)
    assert head == result.header and trailing == b""
    coinbase = txs[0]
    script_sig = coinbase.inputs[0][2]
    assert script_sig.startswith(script_number(job.height))
    assert b"/chimera-test/" in script_sig
    assert coinbase.outputs == [(job.template.coinbase_value, PAYOUT)]
    assert simnet.check_block(block) is None
    assert simnet.check_block(block[:-1] + b"\x01") is not None  # tampered last tx


def test_segwit_coinbase_carries_commitment_and_witness(setup):
    hasher, manager, _, validator, _ = setup
    commitment = bytes.fromhex("6a24aa21a9ed") + bytes(32)
    template = BlockTemplate(
        height=1000, prevhash=bytes(32), version=0x20000000, bits=0x207FFFFF, curtime=int(time.time()),
        mintime=0, coinbase_value=5000, witness_commitment=commitment,
    )
    job = manager.new_job(template)
    result = validator.validate(job, sub(job), EN1, MAX_TARGET, MASK)
    _, txs, _ = parse_block(assemble_block(result))
    assert txs[0].raw[4:6] == b"\x00\x01"  # segwit marker and flag
    assert (0, commitment) in txs[0].outputs
    # The txid (legacy serialization) is what the header committed to.
    assert result.header[36:68] == txs[0].txid


@pytest.mark.parametrize(
    "kwargs,code,words",
    [
        ({"en2": "000000"}, 20, "extranonce2 must be 4 bytes"),
        ({"en2": "0000000000"}, 20, "extranonce2 must be 4 bytes"),
        ({"nonce": "zzzzzzzz"}, 20, "nonce must be 4 bytes"),
        ({"ntime": 1}, 20, "ntime out of range"),
        ({"ntime": NOW + 7300}, 20, "ntime out of range"),
        ({"version": "e0000000"}, 20, "outside the negotiated mask"),
        ({"version": "00001000"}, 20, "outside the negotiated mask"),
    ],
)
def test_malformed_submissions(setup, kwargs, code, words):
    _, _, job, validator, _ = setup
    with pytest.raises(StratumError, match=words) as info:
        validator.validate(job, sub(job, **kwargs), EN1, MAX_TARGET, MASK)
    assert info.value.code == code


def test_version_rolling_within_mask_changes_the_header(setup):
    _, _, job, validator, _ = setup
    result = validator.validate(job, sub(job, version="00002000"), EN1, MAX_TARGET, MASK)
    assert result.version == job.version | 0x2000
    assert int.from_bytes(result.header[:4], "little") == result.version


def test_duplicate_then_distinct(setup):
    _, _, job, validator, _ = setup
    validator.validate(job, sub(job), EN1, MAX_TARGET, MASK)
    with pytest.raises(StratumError) as info:
        validator.validate(job, sub(job), EN1, MAX_TARGET, MASK)
    assert info.value.code == 22
    # Same nonce from another connection (other extranonce1) is a different share.
    validator.validate(job, sub(job), bytes.fromhex("00000002"), MAX_TARGET, MASK)
    # Same nonce with rolled version bits is a different header.
    validator.validate(job, sub(job, version="00002000"), EN1, MAX_TARGET, MASK)


def test_low_difficulty_and_unknown_and_stale(setup):
    _, manager, job, validator, _ = setup
    next_block = dataclasses.replace(job.template, prevhash=sha256d(b"next"), height=job.height + 1)
    new_job = manager.new_job(next_block)  # new prevhash: clean, older jobs stale
    assert new_job.clean
    with pytest.raises(StratumError, match="low difficulty") as info:
        validator.validate(new_job, sub(new_job), EN1, 0, MASK)
    assert info.value.code == 23
    with pytest.raises(StratumError, match="stale") as info:
        validator.validate(job, sub(job, nonce="00000001"), EN1, MAX_TARGET, MASK)
    assert info.value.code == 21
    with pytest.raises(StratumError, match="job not found") as info:
        validator.validate(manager.get("nope"), sub(job), EN1, MAX_TARGET, MASK)
    assert info.value.code == 21


def test_share_target_boundary_agrees_with_the_kernel(setup):
    """A nonce found by the kernel's scan at a target passes at exactly its
    own hash value and fails one below it."""
    hasher, manager, job, validator, _ = setup
    target = MAX_TARGET >> 12
    header = validator.validate(job, sub(job, en2="00000005"), EN1, MAX_TARGET, MASK).header
    nonces = hasher.scan(header, 1, 1 << 16, target)
    assert nonces, "expected a 1/4096 share within 65536 nonces"
    share = sub(job, en2="00000005", nonce=f"{nonces[0]:08x}")
    ok = validator.validate(job, share, EN1, target, MASK)
    assert ok.hash_value <= target
    # Same template, new (non-clean) job: same header, fresh duplicate set.
    twin = manager.new_job(job.template)
    assert not twin.clean
    twin_share = dataclasses.replace(share, job_id=twin.job_id)
    with pytest.raises(StratumError) as info:
        validator.validate(twin, twin_share, EN1, ok.hash_value - 1, MASK)
    assert info.value.code == 23
