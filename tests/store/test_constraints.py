"""Constraint violations surface as typed errors naming the table and field."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from chimera_algo.store import DuplicateError, InvalidValueError, MissingReferenceError, RequiredFieldError


def test_bad_email_names_the_field(store):
    with pytest.raises(InvalidValueError) as info:
        store.users.create("bob", "not-an-email", "long enough password")
    assert (info.value.table, info.value.field) == ("users", "email")
    assert "email" in str(info.value)


def test_email_check_is_case_insensitive_like_postgres(store):
    user = store.users.create("carol", "Carol.X@Example.COM", "long enough password")
    assert user.email == "Carol.X@Example.COM"


def test_short_username(store):
    with pytest.raises(InvalidValueError) as info:
        store.users.create("ab", "ab@example.com", "long enough password")
    assert info.value.field == "username"
    assert info.value.constraint == "users_username_length"


def test_duplicate_username_and_email(store):
    store.users.create("dave", "dave@example.com", "long enough password")
    with pytest.raises(DuplicateError) as info:
        store.users.create("dave", "other@example.com", "long enough password")
    assert info.value.field == "username"
    with pytest.raises(DuplicateError) as info:
        store.users.create("dave2", "dave@example.com", "long enough password")
    assert info.value.field == "email"


def test_unknown_role(world, store):
    with pytest.raises(InvalidValueError) as info:
        store.users.grant_role(world.user.id, "superuser")
    assert (info.value.table, info.value.field) == ("user_roles", "role")
    assert "admin" in str(info.value)  # says what is allowed


def test_duplicate_role(world, store):
    store.users.grant_role(world.user.id, "miner")
    with pytest.raises(DuplicateError) as info:
        store.users.grant_role(world.user.id, "miner")
    assert info.value.field == "user_id, role"


def test_unknown_status(world, store):
    with pytest.raises(InvalidValueError) as info:
        store.pools.update(world.pool.id, status="exploded")
    assert (info.value.table, info.value.field) == ("pools", "status")
    with pytest.raises(InvalidValueError) as info:
        store.users.update(world.user.id, status="sleeping")
    assert info.value.field == "status"


def test_duplicate_stratum_port(world, store):
    with pytest.raises(DuplicateError) as info:
        store.pools.create("second", world.btc.id, world.algo.id, world.pool.stratum_port, "bc1qother")
    assert (info.value.table, info.value.field) == ("pools", "stratum_port")
    assert "3333" in str(info.value)


def test_missing_reference_names_the_column(world, store):
    with pytest.raises(MissingReferenceError) as info:
        store.miners.create(world.user.id, uuid.uuid4(), "ghost")
    assert (info.value.table, info.value.field) == ("miners", "pool_id")


def test_migration_progress_range(world, store):
    migration = store.migrations.create(world.algo.id, "immediate")
    with pytest.raises(InvalidValueError) as info:
        store.migrations.update(migration.id, progress=101)
    assert info.value.field == "progress"
    with pytest.raises(InvalidValueError) as info:
        store.migrations.create(world.algo.id, "yolo")
    assert info.value.field == "strategy"


def test_required_field(world, store):
    with pytest.raises(RequiredFieldError) as info:
        store.pools.create("nowallet", world.btc.id, world.algo.id, 4444, None)
    assert info.value.field == "pool_wallet_address"


def test_bad_uuid_and_unknown_column_are_type_errors(store):
    with pytest.raises(ValueError, match="user id must be a UUID"):
        store.users.get("not-a-uuid")
    with pytest.raises(TypeError, match="no column"):
        store.users.create("erin", "erin@example.com", "long enough password", favourite_colour="blue")


def test_native_types_round_trip(world, store):
    algo = store.algorithms.create(
        "testalgo", "Test", native_libraries={"linux-x86_64": {"sha256": "ab" * 32}},
        supported_platforms=["linux", "macos"], wasm_binary=b"\x00asm\x01", package_hash="cd" * 32,
    )
    again = store.algorithms.get(algo.id)
    assert again.native_libraries == {"linux-x86_64": {"sha256": "ab" * 32}}
    assert again.supported_platforms == ["linux", "macos"]
    assert again.wasm_binary == b"\x00asm\x01"
    connection = store.miners.open_connection(world.miner.id, "sess-1", "2001:db8::1", 40000,
                                              supported_extensions=["version-rolling"])
    assert connection.ip_address == "2001:db8::1"
    assert connection.supported_extensions == ["version-rolling"]
    with pytest.raises(InvalidValueError, match="not an IP address") as info:
        store.miners.open_connection(world.miner.id, "sess-2", "999.1.1.1", 1)
    assert info.value.field == "ip_address"
    assert store.cryptocurrencies.by_symbol("LTC").block_reward == Decimal("6.25000000")
    assert isinstance(world.pool.fee_percentage, Decimal)


def test_seeded_coins(store):
    symbols = {c.symbol: c for c in store.cryptocurrencies.list()}
    assert set(symbols) >= {"BTC", "LTC", "ETC", "BDAG"}
    assert symbols["BTC"].block_time == 600 and symbols["BTC"].primary_algorithm == "sha256d"
    assert symbols["LTC"].primary_algorithm == "scrypt" and symbols["ETC"].primary_algorithm == "etchash"
    assert {a.name for a in store.algorithms.list()} >= {"sha256d", "scrypt", "etchash", "blake3"}
