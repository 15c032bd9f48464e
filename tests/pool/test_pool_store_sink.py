"""StoreSink's share path: the ids it caches per share reach the store as they would uncached."""

from datetime import datetime, timezone

import pytest

from chimera_algo.pool.config import PoolConfig, as_dict
from chimera_algo.pool.persistence import ShareRecord
from chimera_algo.pool.store_sink import StoreSink
from chimera_algo.store import open_store


@pytest.fixture
def sink(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/pool.db")
    sink = StoreSink(store, "sink-test", str(tmp_path / "journal.jsonl"))
    yield sink
    sink.close()
    store.close()


def record(pool_id: str, miner_id: str, nonce: str) -> ShareRecord:
    return ShareRecord(
        pool_id=pool_id, miner_id=miner_id, job_id="01000001", extranonce1="00000001", extranonce2="00000000",
        nonce=nonce, block_height=7, previous_block_hash="ab" * 32, share_difficulty=0.5, network_difficulty=3.2,
        target="f" * 64, is_valid=True, submitted_at=datetime.now(timezone.utc), validation_time_ms=0.4,
        algorithm="sha256d@1.0.0",
    )


def test_shares_of_two_miners_keep_their_ids_and_algorithm(sink):
    cfg = PoolConfig()
    pool_id = sink.register_pool("sinktest", as_dict(cfg))
    alice = sink.miner_id(pool_id, "alice", "rig1", "127.0.0.1", "", True)
    bob = sink.miner_id(pool_id, "bob", "rig1", "127.0.0.1", "", True)
    for i in range(3):
        sink.enqueue_share(record(pool_id, alice, f"{i:08x}"))
        sink.enqueue_share(record(pool_id, bob, f"{i + 100:08x}"))
    sink.flush()
    stored = sink.store.shares.list(pool_id=pool_id)
    assert len(stored) == 6
    by_miner = {}
    for share in stored:
        by_miner.setdefault(str(share.miner_id), set()).add(share.nonce)
    assert by_miner == {alice: {"00000000", "00000001", "00000002"}, bob: {"00000064", "00000065", "00000066"}}
    algorithm = sink.store.algorithms.find("sha256d")
    assert {s.algorithm_id for s in stored} == {algorithm.id}
    assert len({s.id for s in stored}) == 6


def test_a_malformed_miner_id_is_refused_in_words(sink):
    pool_id = sink.register_pool("sinktest", as_dict(PoolConfig()))
    with pytest.raises(ValueError, match="miner_id must be a UUID"):
        sink.enqueue_share(record(pool_id, "not-a-uuid", "00000000"))
