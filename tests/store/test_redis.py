"""Redis cache (keys, TTLs) and pub/sub between two store instances, on a real Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from chimera_algo.store import MIGRATION_CHANGED, NEW_JOB, StoreUnavailableError, open_store
from chimera_algo.store.cache import MemoryCache, RedisCache
from chimera_algo.store.events import MemoryEventBus, RedisEventBus
from .conftest import require_service


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CHIMERA_TEST_REDIS_URL")
    if not url:
        require_service("Redis", "CHIMERA_TEST_REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis", f"cannot reach {url}: {exc}")
    return url  # type: ignore[return-value]


@pytest.fixture
def two_stores(redis_url, tmp_path):
    """Two processes' worth of store: one database, one Redis."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    a = open_store(url, redis_url=redis_url)
    b = open_store(url, redis_url=redis_url)
    yield a, b
    a.close()
    b.close()


def test_data_model_keys_and_ttls(two_stores, redis_url):
    import redis

    store, _ = two_stores
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    user = store.users.create("rita", "rita@example.com", "long enough password")
    btc, algo = store.cryptocurrencies.by_symbol("BTC"), store.algorithms.by_name("sha256d")
    pool = store.pools.create("p", btc.id, algo.id, 5555, "bc1q")
    miner = store.miners.get_or_create(user.id, pool.id, "w")
    session, token = store.users.create_session(user.id)
    store.pools.put_stats(pool.id, total_hashrate=123, active_miners=1, shares_per_minute=2.5,
                          last_block_time=None, current_difficulty=8)
    store.miners.put_status(miner.id, current_hashrate=5, connection_status="connected", difficulty=8)
    migration = store.migrations.create(algo.id, "immediate")

    assert raw.hgetall(f"pool_stats:{pool.id}")["total_hashrate"] == "123"
    assert 295 <= raw.ttl(f"pool_stats:{pool.id}") <= 300
    assert raw.hgetall(f"miner_status:{miner.id}")["connection_status"] == "connected"
    assert 3595 <= raw.ttl(f"miner_status:{miner.id}") <= 3600
    assert raw.hgetall(f"migration:{migration.id}")["status"] == "pending"
    assert 86395 <= raw.ttl(f"migration:{migration.id}") <= 86400
    assert raw.hgetall(f"session:{session.token_hash}")["user_id"] == str(user.id)
    assert 12 * 3600 - 5 <= raw.ttl(f"session:{session.token_hash}") <= 12 * 3600
    assert set(raw.hgetall(f"session:{session.token_hash}")) == {
        "user_id", "expires_at", "last_used_at", "ip_address", "mfa_verified"}
    store.users.revoke_session(token)
    assert raw.exists(f"session:{session.token_hash}") == 0
    raw.close()


def test_entries_expire(redis_url):
    cache = RedisCache(redis_url)
    key = f"test:{uuid.uuid4()}"
    cache.put_hash(key, {"a": 1}, ttl=1)
    cache.put_hash(key, {"b": True}, ttl=1)  # merges, restarts the TTL
    assert cache.get_hash(key) == {"a": "1", "b": "1"}
    time.sleep(1.3)
    assert cache.get_hash(key) is None and cache.ttl(key) is None
    with pytest.raises(ValueError, match="TTL"):
        cache.put_hash(key, {"a": 1}, ttl=0)
    cache.close()


def test_memory_cache_has_the_same_expiry_semantics():
    now = [100.0]
    cache = MemoryCache(clock=lambda: now[0])
    cache.put_hash("k", {"a": 1}, ttl=300)
    now[0] += 299
    assert cache.get_hash("k") == {"a": "1"} and cache.ttl("k") == 1
    now[0] += 1
    assert cache.get_hash("k") is None and cache.ttl("k") is None


def test_pubsub_between_two_store_instances(two_stores):
    a, b = two_stores
    jobs, migrations = [], []
    got_job, got_migration = threading.Event(), threading.Event()
    sub_job = b.events.subscribe(NEW_JOB, lambda ch, p: (jobs.append(p), got_job.set()))
    sub_mig = b.events.subscribe(MIGRATION_CHANGED, lambda ch, p: (migrations.append(p), got_migration.set()))
    try:
        a.events.publish(NEW_JOB, {"pool_id": "p1", "job_id": "abc", "clean_jobs": True})
        assert got_job.wait(5)
        assert jobs == [{"pool_id": "p1", "job_id": "abc", "clean_jobs": True}]
        algo = a.algorithms.by_name("scrypt")
        migration = a.migrations.create(algo.id, "gradual")
        assert got_migration.wait(5)
        assert migrations[0]["id"] == str(migration.id) and migrations[0]["status"] == "pending"
        assert b.migrations.cached(migration.id)["status"] == "pending"  # B reads A's write-through
    finally:
        sub_job.close()
        sub_mig.close()


def test_memory_bus_delivers_in_process():
    bus = MemoryEventBus()
    seen = []
    done = threading.Event()
    sub = bus.subscribe(NEW_JOB, lambda ch, p: (seen.append((ch, p)), done.set()))
    bus.publish(NEW_JOB, {"n": 1})
    assert done.wait(2) and seen == [(NEW_JOB, {"n": 1})]
    sub.close()
    with pytest.raises(TypeError):
        bus.publish(NEW_JOB, ["not", "a", "dict"])  # type: ignore[arg-type]
    bus.close()


def test_redis_outage_is_survivable_for_cache_and_loud_for_events(caplog):
    cache = RedisCache("redis://127.0.0.1:1/0")  # nothing listens there
    cache.put_hash("k", {"a": 1}, ttl=10)  # logged, not raised: the database is the source of truth
    assert cache.get_hash("k") is None
    assert "continuing with the database only" in caplog.text
    bus = RedisEventBus("redis://127.0.0.1:1/0")
    with pytest.raises(StoreUnavailableError, match="cannot publish"):
        bus.publish(NEW_JOB, {"x": 1})
