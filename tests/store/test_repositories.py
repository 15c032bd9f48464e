"""Repositories: users/auth/MFA/sessions, pools and configs, miners, blocks, payouts, audit."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyotp
import pytest

from chimera_algo.store import AuthenticationError, NewShare, NotFoundError, MissingReferenceError
from chimera_algo.store.events import MIGRATION_CHANGED


def test_passwords_are_argon2id_and_authenticate(store):
    user = store.users.create("frank", "frank@example.com", "s3cret password")
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret" not in repr(user)
    assert store.users.authenticate("frank", "s3cret password").login_count == 1
    assert store.users.authenticate("frank@example.com", "s3cret password").login_count == 2
    with pytest.raises(AuthenticationError):
        store.users.authenticate("frank", "wrong password")
    with pytest.raises(ValueError, match="at least 8"):
        store.users.create("gina", "gina@example.com", "short")


def test_production_password_cost_is_argon2id_defaults():
    from argon2 import PasswordHasher

    from chimera_algo.store.users import hash_password

    import chimera_algo.store.users as users_module

    users_module._PH = PasswordHasher()  # the autouse fixture restores the cheap one afterwards
    encoded, _salt = hash_password("s3cret password")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_salt_column_is_the_argon2_salt(store):
    import base64

    user = store.users.create("hank", "hank@example.com", "s3cret password")
    phc_salt = user.password_hash.split("$")[4]
    assert base64.b64decode(phc_salt + "=" * (-len(phc_salt) % 4)).hex() == user.salt


def test_totp_mfa_and_backup_codes(store):
    user = store.users.create("ivy", "ivy@example.com", "s3cret password")
    enrollment = store.users.enable_mfa(user.id)
    stored = store.users.get(user.id)
    assert stored.mfa_enabled and stored.mfa_secret == enrollment.secret
    assert all(code not in "".join(stored.mfa_backup_codes) for code in enrollment.backup_codes)  # hashed
    with pytest.raises(AuthenticationError, match="MFA code required"):
        store.users.authenticate("ivy", "s3cret password")
    totp = pyotp.TOTP(enrollment.secret).now()
    assert store.users.authenticate("ivy", "s3cret password", totp).id == user.id
    code = enrollment.backup_codes[0]
    assert store.users.authenticate("ivy", "s3cret password", code).id == user.id
    with pytest.raises(AuthenticationError, match="wrong MFA code"):  # each backup code works once
        store.users.authenticate("ivy", "s3cret password", code)
    assert len(store.users.get(user.id).mfa_backup_codes) == len(enrollment.backup_codes) - 1


def test_sessions_store_only_token_hashes(store):
    user = store.users.create("jack", "jack@example.com", "s3cret password")
    session, token = store.users.create_session(user.id, ttl=timedelta(minutes=5), ip_address="192.0.2.7")
    assert session.token_hash != token and token not in repr(session)
    assert store.users.session_for_token(token).id == session.id
    cached = store.users.cached_session(token)
    assert cached["user_id"] == str(user.id) and cached["ip_address"] == "192.0.2.7"
    assert 290 <= store.cache.ttl(f"session:{session.token_hash}") <= 300
    store.users.revoke_session(token)
    assert store.users.cached_session(token) is None
    with pytest.raises(AuthenticationError, match="revoked"):
        store.users.session_for_token(token)
    expired, old_token = store.users.create_session(user.id, ttl=timedelta(microseconds=1))
    with pytest.raises(AuthenticationError, match="expired"):
        store.users.session_for_token(old_token)
    assert store.users.purge_expired_sessions() >= 1


def test_roles_with_expiry(world, store):
    store.users.grant_role(world.user.id, "admin", expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    store.users.grant_role(world.user.id, "miner")
    assert store.users.roles(world.user.id) == ["miner"]
    assert store.users.revoke_role(world.user.id, "miner")
    assert store.users.roles(world.user.id) == []


def test_exactly_one_active_configuration(world, store):
    v1 = store.pools.add_configuration(world.pool.id, {"vardiff": {"target": 15}}, change_reason="initial")
    v2 = store.pools.add_configuration(world.pool.id, {"vardiff": {"target": 10}})
    assert (v1.version, v2.version) == (1, 2)
    assert store.pools.active_configuration(world.pool.id).version == 2
    store.pools.add_configuration(world.pool.id, {"draft": True}, activate=False)
    assert store.pools.active_configuration(world.pool.id).version == 2
    assert store.pools.activate_configuration(world.pool.id, 1).configuration == {"vardiff": {"target": 15}}
    actives = [c.version for c in store.pools.configurations(world.pool.id) if c.is_active]
    assert actives == [1]
    with pytest.raises(NotFoundError):
        store.pools.activate_configuration(world.pool.id, 99)


def test_concurrent_configuration_writers_get_distinct_versions(world, store):
    errors = []

    def add(i):
        try:
            store.pools.add_configuration(world.pool.id, {"i": i})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    configs = store.pools.configurations(world.pool.id)
    assert [c.version for c in configs] == list(range(1, 7))
    assert sum(c.is_active for c in configs) == 1


def test_miner_connections_and_status_cache(world, store):
    conn = store.miners.open_connection(world.miner.id, "abc123", "198.51.100.4", 51234, stratum_version="1.0")
    assert store.miners.get(world.miner.id).connection_count == 1
    assert store.miners.status(world.miner.id)["connection_status"] == "connected"
    assert store.cache.ttl(f"miner_status:{world.miner.id}") > 3500
    closed = store.miners.close_connection("abc123", reason="client quit", shares_submitted=5)
    assert closed.status == "disconnected" and closed.disconnected_at >= conn.connected_at
    assert store.miners.get_or_create(world.user.id, world.pool.id, "rig1").id == world.miner.id
    with pytest.raises(ValueError, match="miner_status has no field"):
        store.miners.put_status(world.miner.id, hashrate=5)  # the data model calls it current_hashrate
    with pytest.raises(ValueError, match="pool_stats has no field"):
        store.pools.put_stats(world.pool.id, luck=1.0)


def test_block_lifecycle(world, store):
    share = NewShare(world.miner.id, world.pool.id, "job", "deadbeef", 800_000, 1_000, 90_000_000, "00" * 32,
                     is_valid=True, is_block=True)
    store.shares.insert(share)
    block = store.blocks.record(world.pool.id, world.miner.id, share.id, "00" * 31 + "ab", 800_000, 1_000,
                                90_000_000, "3.125", "0.01234567", required_confirmations=100)
    assert block.status == "pending" and block.total_reward == Decimal("3.13734567")
    assert store.blocks.set_confirmations(block.id, 50).status == "pending"
    confirmed = store.blocks.set_confirmations(block.id, 100)
    assert confirmed.status == "confirmed" and confirmed.confirmed_at is not None
    other = store.blocks.record(world.pool.id, world.miner.id, share.id, "11" * 32, 800_001, 1, 1, "3.125")
    assert store.blocks.orphan(other.id).status == "orphaned"
    assert [b.block_height for b in store.blocks.list(status="confirmed")] == [800_000]
    import uuid

    with pytest.raises(MissingReferenceError) as info:
        store.blocks.record(world.pool.id, world.miner.id, uuid.uuid4(), "22" * 32, 1, 1, 1, "1")
    assert info.value.field == "share_id"


def test_wallets_and_payouts(world, store):
    wallet = store.wallets.add(world.user.id, world.btc.id, "bc1qminerwallet", wallet_label="main")
    now = datetime.now(timezone.utc)
    payout = store.payouts.create(world.user.id, world.pool.id, wallet.id, "0.50000000", "0.00010000", 1234,
                                  "PPLNS", now - timedelta(hours=1), now)
    assert payout.net_amount == Decimal("0.49990000") and payout.status == "pending"
    sent = store.payouts.update(payout.id, status="sent", transaction_hash="ef" * 32)
    assert sent.processed_at is not None
    failed = store.payouts.record_failure(payout.id, "node down")
    assert failed.retry_count == 1 and failed.status == "pending"
    store.payouts.record_failure(payout.id, "node down")
    assert store.payouts.record_failure(payout.id, "node down").status == "failed"
    with pytest.raises(ValueError, match="fee exceeds"):
        store.payouts.create(world.user.id, world.pool.id, wallet.id, "0.1", "0.2", 1, "PPS", now, now)


def test_algorithm_status_and_audit(store):
    algo = store.algorithms.upsert("kawpow", "KawPow", version="1.0.0")
    assert store.algorithms.upsert("kawpow", "KawPow", version="1.1.0").id == algo.id
    installed = store.algorithms.set_status(algo.id, "installed")
    assert installed.installed_at is not None and installed.version == "1.1.0"
    store.audit.record("operator", "package.install", "kawpow", {"version": "1.1.0"})
    store.audit.record("operator", "package.downgrade.forced", "kawpow", {"from": "1.1.0", "to": "1.0.0"})
    entries = store.audit.list(subject="kawpow")
    assert [e.action for e in entries] == ["package.downgrade.forced", "package.install"]
    assert entries[0].details == {"from": "1.1.0", "to": "1.0.0"}


def test_migration_writes_through_and_publishes(world, store):
    seen = []
    event = threading.Event()

    def on_change(channel, payload):
        seen.append(payload)
        if payload["status"] == "completed":
            event.set()

    subscription = store.events.subscribe(MIGRATION_CHANGED, on_change)
    try:
        scrypt = store.algorithms.by_name("scrypt")
        migration = store.migrations.create(scrypt.id, "gradual", from_algorithm_id=world.algo.id)
        store.migrations.update(migration.id, status="in_progress", progress=40, current_phase="canary")
        assert store.migrations.cached(migration.id)["progress"] == "40"
        assert store.cache.ttl(f"migration:{migration.id}") > 86000
        done = store.migrations.update(migration.id, status="completed", progress=100)
        assert done.started_at is not None and done.completed_at is not None
        assert event.wait(5)
        assert [p["status"] for p in seen] == ["pending", "in_progress", "completed"]
        assert store.migrations.active() == []
    finally:
        subscription.close()


def test_share_queries_for_payouts(world, store):
    other = store.miners.get_or_create(world.user.id, world.pool.id, "rig2")
    base = datetime.now(timezone.utc) - timedelta(minutes=10)
    batch = [NewShare(world.miner.id if i % 3 else other.id, world.pool.id, "j", f"{i:08x}", 1, 8, 1000, "ff",
                      is_valid=i % 5 != 0, submitted_at=base + timedelta(seconds=i)) for i in range(30)]
    store.shares.write_batch(batch)
    totals = store.shares.difficulty_by_miner(world.pool.id, base, base + timedelta(minutes=1))
    expected: dict = {}
    for s in batch:
        if s.is_valid:
            expected[s.miner_id] = expected.get(s.miner_id, 0) + 8
    assert totals == expected
    window = store.shares.last_valid(world.pool.id, 4)
    assert window == [(s.miner_id, 8) for s in sorted(batch, key=lambda s: s.submitted_at, reverse=True)
                      if s.is_valid][:4]
    assert store.shares.count(pool_id=world.pool.id) == 30
