"""Fixtures for the payout engine: a migrated store (SQLite, and PostgreSQL when
CHIMERA_TEST_POSTGRES_URL is set), a small world of users/pool/miners, and
the litecoind regtest wallet from .ci/services.d/50-litecoind.sh."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from chimera_algo.store import Store, open_store
from chimera_algo.store.config import normalize_database_url
from payouts_world import World, make_world


def require_service(request, name: str, reason: str) -> None:
    """tests/conftest.py's require_service (skip on a dev machine, fail in CI)."""
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")
    for plugin in request.config.pluginmanager.get_plugins():
        if os.path.abspath(getattr(plugin, "__file__", None) or "") == root:
            plugin.require_service(name, reason)
            return
    raise RuntimeError(f"{root} was not loaded by pytest")


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch, tmp_path):
    from argon2 import PasswordHasher

    from chimera_algo.store import users

    monkeypatch.setattr(users, "_PH", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "chimera-home"))
    monkeypatch.delenv("CHIMERA_CONFIG", raising=False)
    monkeypatch.delenv("CHIMERA_DATABASE_URL", raising=False)
    monkeypatch.delenv("CHIMERA_REDIS_URL", raising=False)
    monkeypatch.delenv("CHIMERA_INFLUX_URL", raising=False)


@pytest.fixture(scope="session")
def pg_server(request) -> Iterator[SimpleNamespace]:
    url = os.environ.get("CHIMERA_TEST_POSTGRES_URL")
    if not url:
        require_service(request, "PostgreSQL", "CHIMERA_TEST_POSTGRES_URL is not set")
    admin = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        require_service(request, "PostgreSQL", f"cannot connect to {url}: {exc}")
    created: list[str] = []

    def create() -> str:
        name = f"chimera_payouts_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return f"{url.rpartition('/')[0]}/{name}"

    yield SimpleNamespace(create=create)
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Iterator[Store]:
    """A fresh migrated store per test, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'payouts.db'}"
    else:
        url = request.getfixturevalue("pg_server").create()
    s = open_store(url)
    s.url = url  # type: ignore[attr-defined]  # tests reopen it to simulate a restart
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'payouts.db'}"
    s = open_store(url)
    s.url = url  # type: ignore[attr-defined]
    yield s
    s.close()


@pytest.fixture
def world(store) -> World:
    return make_world(store)


# -- litecoind regtest ---------------------------------------------------------------
SENDER_WALLET = "chimera-payouts-sender"
RECEIVER_WALLET = "chimera-payouts-receiver"


@pytest.fixture(scope="session")
def node(request) -> SimpleNamespace:
    """The regtest node: settings, a funded sender wallet of our own (so the
    pool's wallet and other suites never disturb our balances), a receiver."""
    from chimera_algo.payouts.wallet import NodeError, WalletClient
    from chimera_algo.pool.rpc import RpcSettings

    url = os.environ.get("CHIMERA_LITECOIND_RPC_URL")
    if not url:
        require_service(request, "litecoind", "CHIMERA_LITECOIND_RPC_URL is not set (.ci/services.d/50-litecoind.sh)")
    settings = RpcSettings(url=url, user=os.environ.get("CHIMERA_LITECOIND_RPC_USER", ""),
                           password=os.environ.get("CHIMERA_LITECOIND_RPC_PASSWORD", ""), timeout=60)
    root = WalletClient(settings)
    try:
        root.call("getblockcount")
    except NodeError as exc:
        require_service(request, "litecoind", str(exc))
    for name in (SENDER_WALLET, RECEIVER_WALLET):
        if name not in root.call("listwallets"):
            try:
                root.call("loadwallet", name)
            except NodeError:
                root.call("createwallet", name)
    sender, receiver = WalletClient(settings, SENDER_WALLET), WalletClient(settings, RECEIVER_WALLET)
    funder = WalletClient(settings, os.environ.get("CHIMERA_LITECOIND_WALLET", "pool"))
    mine_to = receiver.call("getnewaddress")
    if sender.balance_units(minconf=0) < 5 * 10**8:  # a run spends well under 1 LTC
        # The CI wallet starts with one mature 50 LTC coinbase (101 blocks).
        funder.call("sendtoaddress", sender.call("getnewaddress"), "20")
    root.call("generatetoaddress", 1, mine_to)  # confirm funding and earlier change

    def mine(n: int = 1) -> None:
        root.call("generatetoaddress", n, mine_to)

    return SimpleNamespace(settings=settings, root=root, sender=sender, receiver=receiver, mine=mine)


@pytest.fixture
def empty_wallet(node):
    """A new wallet without funds, unloaded afterwards."""
    from chimera_algo.payouts.wallet import WalletClient

    name = f"chimera-payouts-empty-{uuid.uuid4().hex[:8]}"
    node.root.call("createwallet", name)
    yield WalletClient(node.settings, name)
    node.root.call("unloadwallet", name)
