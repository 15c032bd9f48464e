"""A small world for payout tests: users, miners, a pool; helpers that add
shares and blocks with a deterministic clock."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from chimera_algo.store import NewShare, Store

_ports = itertools.count(14000)


@dataclass
class World:
    """Users, miners and a pool, plus helpers to add shares and blocks."""

    store: Store
    pool: object
    coin: object
    users: dict
    miners: dict
    clock: datetime

    def share(self, user: str, difficulty: int, network_difficulty: int = 100, is_block: bool = False):
        self.clock += timedelta(seconds=1)
        s = NewShare(miner_id=self.miners[user].id, pool_id=self.pool.id, job_id="j", nonce="00000000",
                     block_height=1, share_difficulty=difficulty, network_difficulty=network_difficulty,
                     target="ff" * 32, is_valid=True, is_block=is_block, submitted_at=self.clock)
        self.store.shares.insert(s)
        return s

    def block(self, user: str, reward: str, fees: str = "0", network_difficulty: int = 100, height: int = 1,
              block_hash: str | None = None, difficulty: int = 100):
        s = self.share(user, difficulty, network_difficulty, is_block=True)
        return self.store.blocks.record(self.pool.id, self.miners[user].id, s.id,
                                        block_hash or uuid.uuid4().hex * 2, height, difficulty,
                                        network_difficulty, Decimal(reward), Decimal(fees), found_at=self.clock)

    def wallet(self, user: str, address: str, **cols):
        return self.store.wallets.add(self.users[user].id, self.coin.id, address, **cols)


def make_world(store: Store, names=("alice", "bob", "carol"), method: str = "PPLNS", fee: str = "1",
               threshold: str = "0.01") -> World:
    coin = store.cryptocurrencies.by_symbol("LTC")
    algo = store.algorithms.by_name("scrypt")
    pool = store.pools.create(f"ltc-{method.lower()}-{next(_ports)}", coin.id, algo.id, next(_ports),
                              "rltc1qpool", payout_method=method, fee_percentage=Decimal(fee),
                              payout_threshold=Decimal(threshold))
    users = {n: store.users.create(n, f"{n}@example.com", "correct horse battery") for n in names}
    miners = {n: store.miners.get_or_create(users[n].id, pool.id, "rig") for n in names}
    return World(store, pool, coin, users, miners, datetime(2026, 1, 1, tzinfo=timezone.utc))


