"""Balances: block credits, orphan reversals, PPS share credits, payout creation.

Every operation is one database transaction, and each is idempotent: a block
is credited once (``blocks.payout_processed`` flips under a conditional
UPDATE, ledger rows are UNIQUE per block/user/kind), a reversal once, a PPS
share once, a payout debits once. See docs/payouts.md for the definitions.

Maturity: credits of a block count as *immature* while the block is
pending, *mature* once it is confirmed, and not at all once it is orphaned
(the reversal rows record that they were taken back). Only mature balance
is paid out.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Iterator
from uuid import UUID

from sqlalchemy import Connection, and_, case, func, or_, select, tuple_
from sqlalchemy.engine import Row

from chimera_algo.payouts.amounts import to_coins, to_units
from chimera_algo.payouts.ledger_schema import payout_ledger, payout_pool_state
from chimera_algo.payouts.schemes import ShareRecord, Split, pplns_weights, pps_credit, split_by_weight
from chimera_algo.store import Store
from chimera_algo.store.repository import as_uuid
from chimera_algo.store.schema import (
    blocks,
    miners,
    payouts,
    pools,
    shares,
    supported_cryptocurrencies,
    user_wallets,
    utcnow,
)
from chimera_algo.store.types import new_id

log = logging.getLogger("chimera.payouts")

FREQUENCY_PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
_PAGE = 2000


class LedgerError(ValueError):
    """A request the ledger cannot honour (unknown block, share history missing...)."""


@dataclass(frozen=True)
class Balance:
    user_id: UUID
    mature_units: int
    immature_units: int


@dataclass(frozen=True)
class PoolState:
    pool_id: UUID
    halted: bool
    halt_reason: str | None
    halted_at: datetime | None
    last_run_at: datetime | None
    pps_credited_units: int  # sum of PPS share credits
    pps_earned_units: int  # total_reward of the pool's confirmed blocks (PPS pools)

    @property
    def pps_liability_units(self) -> int:
        """What the pool has promised PPS miners beyond what its blocks brought in."""
        return self.pps_credited_units - self.pps_earned_units


@dataclass(frozen=True)
class CreatedPayout:
    payout_id: UUID
    user_id: UUID
    wallet_id: UUID
    amount_units: int


class Ledger:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- pool state -------------------------------------------------------------
    def state(self, pool_id: UUID | str) -> PoolState:
        pid = as_uuid(pool_id, "pool_id")
        with self.engine.begin() as conn:
            return self._state(conn, pid)

    def _state(self, conn: Connection, pool_id: UUID) -> PoolState:
        row = conn.execute(select(payout_pool_state).where(payout_pool_state.c.pool_id == pool_id)).first()
        if row is None:
            self._pool(conn, pool_id)  # clear error for an unknown pool
            conn.execute(payout_pool_state.insert().values(pool_id=pool_id))
            row = conn.execute(select(payout_pool_state).where(payout_pool_state.c.pool_id == pool_id)).one()
        credited = conn.execute(select(func.coalesce(func.sum(payout_ledger.c.amount_units), 0)).where(
            payout_ledger.c.pool_id == pool_id, payout_ledger.c.kind == "pps")).scalar_one()
        earned = 0
        if self._pool(conn, pool_id).payout_method == "PPS":
            earned = sum((to_units(r) for r in conn.execute(select(blocks.c.total_reward).where(
                blocks.c.pool_id == pool_id, blocks.c.status == "confirmed")).scalars()), 0)
        return PoolState(**row._mapping, pps_credited_units=int(credited), pps_earned_units=earned)

    def _lock_pool(self, conn: Connection, pool_id: UUID) -> None:
        """Serialize balance-changing transactions of one pool (PostgreSQL row
        lock; SQLite transactions already start with BEGIN IMMEDIATE)."""
        self._state(conn, pool_id)
        conn.execute(select(payout_pool_state.c.pool_id).where(payout_pool_state.c.pool_id == pool_id)
                     .with_for_update())

    def set_halted(self, pool_id: UUID | str, halted: bool, reason: str | None) -> PoolState:
        pid = as_uuid(pool_id, "pool_id")
        with self.engine.begin() as conn:
            self._state(conn, pid)
            conn.execute(payout_pool_state.update().where(payout_pool_state.c.pool_id == pid).values(
                halted=halted, halt_reason=reason if halted else None, halted_at=utcnow() if halted else None))
            return self._state(conn, pid)

    def touch_run(self, pool_id: UUID) -> None:
        with self.engine.begin() as conn:
            self._state(conn, pool_id)
            conn.execute(payout_pool_state.update().where(payout_pool_state.c.pool_id == pool_id)
                         .values(last_run_at=utcnow()))

    # -- blocks -----------------------------------------------------------------
    def credit_block(self, block_id: UUID | str, n_factor: Fraction | int = 2) -> Split | None:
        """Credit a found (pending or confirmed) block by the pool's scheme; None if
        it was already credited or is orphaned/rejected."""
        bid = as_uuid(block_id, "block id")
        with self.engine.begin() as conn:
            block = self._block(conn, bid)
            if block.status in ("orphaned", "rejected") or block.payout_processed:
                return None
            pool = self._pool(conn, block.pool_id)
            self._lock_pool(conn, pool.id)
            total = to_units(block.total_reward)
            method = pool.payout_method or "PPLNS"
            counted: list[tuple[UUID, UUID]] = []  # (share id, user id) in the window
            if method == "PPS":
                # Miners were paid per share; the whole block is the pool's.
                split = Split(total, fee=total, remainder=0, credits={})
            elif method == "PPLNS":
                window = self._recording(self._shares_newest_first(conn, block), counted)
                weights = pplns_weights(window, block.network_difficulty, n_factor)
                split = split_by_weight(total, weights, pool.fee_percentage)
            elif method == "PROP":
                round_shares = list(self._round_shares(conn, block))
                counted.extend((s.id, s.user_id) for s in round_shares)
                weights: dict[Any, Fraction] = {}
                for s in round_shares:
                    weights[s.user_id] = weights.get(s.user_id, Fraction(0)) + s.share_difficulty
                split = split_by_weight(total, weights, pool.fee_percentage)
            else:
                raise LedgerError(f"pool {pool.name} has unknown payout_method {method!r}")
            done = conn.execute(blocks.update().where(and_(blocks.c.id == bid, blocks.c.payout_processed.is_not(True)))
                                .values(payout_processed=True, payout_processed_at=utcnow(),
                                        pool_fee=to_coins(split.fee), miner_reward=to_coins(sum(split.credits.values()))))
            if done.rowcount != 1:
                return None  # another runner credited it first; our transaction adds nothing
            share_counts = Counter(user for _, user in counted)
            rows = [dict(pool_id=pool.id, user_id=user, kind="block", amount_units=units,
                         shares=share_counts[user], block_id=bid)
                    for user, units in split.credits.items() if units > 0]
            if rows:
                conn.execute(payout_ledger.insert(), rows)
            return split

    def reverse_block(self, block_id: UUID | str) -> int:
        """Take back what an orphaned block credited (idempotent); returns rows reversed."""
        bid = as_uuid(block_id, "block id")
        with self.engine.begin() as conn:
            block = self._block(conn, bid)
            if block.status != "orphaned":
                raise LedgerError(f"block {block.block_hash} is {block.status}, not orphaned: nothing to reverse")
            self._lock_pool(conn, block.pool_id)
            credits = conn.execute(select(payout_ledger).where(
                payout_ledger.c.block_id == bid, payout_ledger.c.kind == "block")).all()
            reversed_users = set(conn.execute(select(payout_ledger.c.user_id).where(
                payout_ledger.c.block_id == bid, payout_ledger.c.kind == "reversal")).scalars())
            rows = [dict(pool_id=c.pool_id, user_id=c.user_id, kind="reversal", amount_units=-c.amount_units,
                         block_id=bid) for c in credits if c.user_id not in reversed_users]
            if rows:
                conn.execute(payout_ledger.insert(), rows)
            return len(rows)

    def blocks_to_credit(self, pool_id: UUID) -> list[UUID]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(blocks.c.id).where(
                blocks.c.pool_id == pool_id, blocks.c.status.in_(("pending", "confirmed")),
                blocks.c.payout_processed.is_not(True)).order_by(blocks.c.found_at)).scalars())

    def blocks_to_reverse(self, pool_id: UUID) -> list[UUID]:
        """Orphaned blocks whose credits have not been taken back yet."""
        reversed_ = select(payout_ledger.c.block_id).where(payout_ledger.c.kind == "reversal")
        credited = select(payout_ledger.c.block_id).where(payout_ledger.c.kind == "block")
        with self.engine.connect() as conn:
            return list(conn.execute(select(blocks.c.id).where(
                blocks.c.pool_id == pool_id, blocks.c.status == "orphaned",
                blocks.c.id.in_(credited), blocks.c.id.not_in(reversed_))).scalars())

    # -- PPS --------------------------------------------------------------------
    def credit_pps_shares(self, pool_id: UUID | str) -> int:
        """Credit every valid share of a PPS pool not yet credited; returns how many."""
        pid = as_uuid(pool_id, "pool_id")
        with self.engine.begin() as conn:
            pool = self._pool(conn, pid)
            if pool.payout_method != "PPS":
                return 0
            self._lock_pool(conn, pid)
            reward = to_units(conn.execute(select(supported_cryptocurrencies.c.block_reward).where(
                supported_cryptocurrencies.c.id == pool.cryptocurrency_id)).scalar_one())
            credited = select(payout_ledger.c.share_id).where(
                payout_ledger.c.pool_id == pid, payout_ledger.c.kind == "pps")
            todo = conn.execute(
                select(shares.c.id, shares.c.share_difficulty, shares.c.network_difficulty, miners.c.user_id)
                .select_from(shares.join(miners, miners.c.id == shares.c.miner_id))
                .where(shares.c.pool_id == pid, shares.c.is_valid.is_(True), shares.c.id.not_in(credited))
            ).all()
            rows = [dict(pool_id=pid, user_id=s.user_id, kind="pps", shares=1, share_id=s.id,
                         amount_units=pps_credit(reward, s.share_difficulty, s.network_difficulty, pool.fee_percentage))
                    for s in todo]
            if rows:
                conn.execute(payout_ledger.insert(), rows)
            return len(rows)

    # -- balances ---------------------------------------------------------------
    def balances(self, pool_id: UUID | str, user_id: UUID | str | None = None) -> list[Balance]:
        pid = as_uuid(pool_id, "pool_id")
        with self.engine.connect() as conn:
            return self._balances(conn, pid, None if user_id is None else as_uuid(user_id, "user_id"))

    def _balances(self, conn: Connection, pool_id: UUID, user_id: UUID | None = None) -> list[Balance]:
        mature = or_(payout_ledger.c.block_id.is_(None), blocks.c.status == "confirmed")
        query = (
            select(payout_ledger.c.user_id,
                   func.coalesce(func.sum(case((mature, payout_ledger.c.amount_units), else_=0)), 0),
                   func.coalesce(func.sum(case((blocks.c.status == "pending", payout_ledger.c.amount_units), else_=0)), 0))
            .select_from(payout_ledger.outerjoin(blocks, blocks.c.id == payout_ledger.c.block_id))
            .where(payout_ledger.c.pool_id == pool_id)
            .group_by(payout_ledger.c.user_id)
        )
        if user_id is not None:
            query = query.where(payout_ledger.c.user_id == user_id)
        return sorted((Balance(r[0], int(r[1]), int(r[2])) for r in conn.execute(query)), key=lambda b: str(b.user_id))

    # -- payouts ----------------------------------------------------------------
    def create_payouts(self, pool_id: UUID | str, now: datetime | None = None, force: bool = False) -> list[CreatedPayout]:
        """Turn mature balances past their threshold into pending payouts.

        Threshold: the wallet's ``minimum_payout``, else the pool's
        ``payout_threshold``. Frequency: the longer of the pool's and the
        wallet's ``payout_frequency`` (hourly / daily / weekly since the user's
        last payout in this pool; manual on either side: only when forced);
        ``force`` ignores frequency and ``automatic_payouts``.
        """
        pid = as_uuid(pool_id, "pool_id")
        now = now or utcnow()
        created: list[CreatedPayout] = []
        with self.engine.begin() as conn:
            pool = self._pool(conn, pid)
            self._lock_pool(conn, pid)  # two creators must not both debit the same balance
            for balance in self._balances(conn, pid):
                wallet = conn.execute(select(user_wallets).where(
                    user_wallets.c.user_id == balance.user_id,
                    user_wallets.c.cryptocurrency_id == pool.cryptocurrency_id,
                    user_wallets.c.status == "active").order_by(user_wallets.c.created_at)).first()
                if wallet is None or balance.mature_units <= 0:
                    continue
                threshold = to_units(wallet.minimum_payout if wallet.minimum_payout is not None else pool.payout_threshold)
                if balance.mature_units < max(threshold, 1):
                    continue
                if not force and not self._due(conn, pool, balance.user_id, wallet, now):
                    continue
                created.append(self._create_payout(conn, pool, balance, wallet, now))
        return created

    def _due(self, conn: Connection, pool: Row, user_id: UUID, wallet: Row, now: datetime) -> bool:
        # Both schedules apply: the pool's (how often it pays at all) and the
        # wallet's (how often this user wants paying); the longer period wins.
        if wallet.automatic_payouts is False:
            return False
        periods = [FREQUENCY_PERIODS.get(f or "daily") for f in (pool.payout_frequency, wallet.payout_frequency)]
        if None in periods:  # manual
            return False
        last = _as_datetime(conn.execute(select(func.max(payouts.c.created_at)).where(
            payouts.c.pool_id == pool.id, payouts.c.user_id == user_id)).scalar())
        return last is None or now - last >= max(p for p in periods if p is not None)

    def _create_payout(self, conn: Connection, pool: Row, balance: Balance, wallet: Row, now: datetime) -> CreatedPayout:
        mature = or_(payout_ledger.c.block_id.is_(None), blocks.c.status == "confirmed")
        unsettled = and_(payout_ledger.c.pool_id == pool.id, payout_ledger.c.user_id == balance.user_id,
                         payout_ledger.c.kind.in_(("block", "pps")), payout_ledger.c.settled_by.is_(None), mature)
        swept = conn.execute(
            select(func.coalesce(func.sum(payout_ledger.c.shares), 0), func.min(payout_ledger.c.created_at),
                   func.max(payout_ledger.c.created_at))
            .select_from(payout_ledger.outerjoin(blocks, blocks.c.id == payout_ledger.c.block_id)).where(unsettled)
        ).one()
        start, end = (_as_datetime(swept[1]) or now), (_as_datetime(swept[2]) or now)
        payout_id = new_id()
        amount = to_coins(balance.mature_units)
        conn.execute(payouts.insert().values(
            id=payout_id, user_id=balance.user_id, pool_id=pool.id, wallet_id=wallet.id, amount=amount, fee=0,
            net_amount=amount, shares_included=int(swept[0]), calculation_method=pool.payout_method or "PPLNS",
            calculation_period_start=start, calculation_period_end=end, status="pending", created_at=now))
        conn.execute(payout_ledger.insert().values(pool_id=pool.id, user_id=balance.user_id, kind="payout",
                                                   amount_units=-balance.mature_units, payout_id=payout_id))
        ids = select(payout_ledger.c.id).select_from(
            payout_ledger.outerjoin(blocks, blocks.c.id == payout_ledger.c.block_id)).where(unsettled)
        conn.execute(payout_ledger.update().where(payout_ledger.c.id.in_(ids)).values(settled_by=payout_id))
        return CreatedPayout(payout_id, balance.user_id, wallet.id, balance.mature_units)

    def refund(self, conn: Connection, payout_id: UUID) -> None:
        """Give a payout that failed for good back to its user's balance (in ``conn``'s transaction)."""
        payout = conn.execute(select(payouts).where(payouts.c.id == payout_id)).one()
        conn.execute(payout_ledger.insert().values(pool_id=payout.pool_id, user_id=payout.user_id, kind="refund",
                                                   amount_units=to_units(payout.amount), payout_id=payout_id))

    # -- lookups ----------------------------------------------------------------
    def _block(self, conn: Connection, block_id: UUID) -> Row:
        row = conn.execute(select(blocks).where(blocks.c.id == block_id)).first()
        if row is None:
            raise LedgerError(f"no block with id {block_id}")
        return row

    def _pool(self, conn: Connection, pool_id: UUID) -> Row:
        row = conn.execute(select(pools).where(pools.c.id == pool_id)).first()
        if row is None:
            raise LedgerError(f"no pool with id {pool_id}")
        return row

    def _block_share(self, conn: Connection, block: Row) -> Row:
        row = conn.execute(select(shares.c.id, shares.c.submitted_at).where(shares.c.id == block.share_id)).first()
        if row is None:
            raise LedgerError(f"block {block.block_hash}: its share {block.share_id} is gone (retention?); "
                              "cannot compute the split")
        return row

    def _share_rows(self, conn: Connection, pool_id: UUID, newest_first: bool, *where: Any) -> Iterator[Row]:
        """Valid shares of a pool with their user, paged by (submitted_at, id)."""
        key = tuple_(shares.c.submitted_at, shares.c.id)
        order = [shares.c.submitted_at.desc(), shares.c.id.desc()] if newest_first else [shares.c.submitted_at, shares.c.id]
        after: tuple | None = None
        while True:
            query = (select(shares.c.id, shares.c.submitted_at, shares.c.share_difficulty, miners.c.user_id)
                     .select_from(shares.join(miners, miners.c.id == shares.c.miner_id))
                     .where(shares.c.pool_id == pool_id, shares.c.is_valid.is_(True), *where)
                     .order_by(*order).limit(_PAGE))
            if after is not None:
                query = query.where(key < after if newest_first else key > after)
            page = conn.execute(query).all()
            yield from page
            if len(page) < _PAGE:
                return
            after = (page[-1].submitted_at, page[-1].id)

    def _shares_newest_first(self, conn: Connection, block: Row) -> Iterator[Row]:
        found = self._block_share(conn, block)
        return self._share_rows(conn, block.pool_id, True,
                                tuple_(shares.c.submitted_at, shares.c.id) <= (found.submitted_at, found.id))

    @staticmethod
    def _recording(rows: Iterator[Row], counted: list[tuple[UUID, UUID]]) -> Iterator[ShareRecord]:
        # The scheme stops pulling at the share that fills the window, so every
        # share pulled is a share counted.
        for row in rows:
            counted.append((row.id, row.user_id))
            yield ShareRecord(row.user_id, row.share_difficulty)

    def _round_shares(self, conn: Connection, block: Row) -> Iterator[Row]:
        found = self._block_share(conn, block)
        key = tuple_(shares.c.submitted_at, shares.c.id)
        previous = conn.execute(
            select(shares.c.submitted_at, shares.c.id)
            .select_from(blocks.join(shares, shares.c.id == blocks.c.share_id))
            .where(blocks.c.pool_id == block.pool_id, blocks.c.id != block.id,
                   key < (found.submitted_at, found.id))
            .order_by(shares.c.submitted_at.desc(), shares.c.id.desc()).limit(1)).first()
        where = [key <= (found.submitted_at, found.id)]
        if previous is not None:
            where.append(key > (previous.submitted_at, previous.id))
        return self._share_rows(conn, block.pool_id, False, *where)


def _as_datetime(value: Any) -> datetime | None:
    # SQLite aggregates (MIN/MAX) return the stored text, naive UTC.
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
