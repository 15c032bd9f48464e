"""Sending payouts through the node's wallet, exactly once.

A send is a *batch*: one ``sendmany`` carrying several payouts. Its life:

1. **prepare** (one transaction): the batch row with a fresh
   ``idempotency_key``, its items, and the payouts ``pending → processing``.
2. **send**: ``sendmany`` with the key as the transaction's comment.
3. **record** (one transaction): the batch and payouts ``→ sent`` with the
   transaction hash.

A crash can leave a batch ``prepared`` with the money sent or not. Before
anything else, every run **reconciles**: it looks the key up in the wallet's
transaction list. Found once → the send happened, record it. Not found, and
no send since the batch was prepared pays exactly its outputs → it never
happened (the key was committed before the RPC, which answers only after the
wallet stored the transaction), release the payouts to pending. Found twice,
found with other outputs, or a keyless send with exactly its outputs → halt
the pool's payouts and alert: a human must look, the engine will not guess.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Connection, select

from chimera_algo.payouts.amounts import to_coins, to_units
from chimera_algo.payouts.ledger import Ledger
from chimera_algo.payouts.ledger_schema import payout_batch_items, payout_batches
from chimera_algo.payouts.runner_lock import runner_lock
from chimera_algo.payouts.wallet import NodeUnreachable, RpcError, WalletClient, dust_limit
from chimera_algo.store import Store
from chimera_algo.store.schema import payouts, user_wallets, utcnow
from chimera_algo.store.types import new_id

log = logging.getLogger("chimera.payouts")

Checkpoint = Callable[[str], None]
STEPS = ("before_commit", "after_commit", "after_rpc", "after_record")
CLOCK_SKEW_SECONDS = 2 * 3600  # database vs node clocks, generously


class PayoutsHalted(RuntimeError):
    """Payouts of this pool are halted; ``chimera payouts resume`` after investigating."""


class PayoutInconsistency(RuntimeError):
    """The database and the wallet disagree about money: halt, do not guess."""


@dataclass
class SendReport:
    sent: list[UUID] = field(default_factory=list)  # payout ids
    held: dict[UUID, str] = field(default_factory=dict)  # payout id -> why it stays pending
    failed: list[UUID] = field(default_factory=list)  # retries used up, refunded to the balance
    transaction_hash: str | None = None
    error: str | None = None


@dataclass
class ReconcileReport:
    recorded: list[str] = field(default_factory=list)  # txids found for prepared batches
    released: int = 0  # prepared batches that never reached the wallet
    confirmed: int = 0  # payouts that reached the required confirmations


class PayoutSender:
    def __init__(self, store: Store, wallet: WalletClient, pool_id: UUID, *,
                 confirmations: int = 6, dust_relay_fee: int | None = None,
                 checkpoint: Checkpoint | None = None) -> None:
        self.store = store
        self.engine = store.engine
        self.ledger = Ledger(store)
        self.wallet = wallet
        self.pool_id = pool_id
        self.confirmations = confirmations
        self.dust_relay_fee = dust_relay_fee
        self._checkpoint = checkpoint or (lambda step: None)

    # -- halting ------------------------------------------------------------------
    def halt(self, reason: str) -> None:
        """Stop this pool's payouts and alert (log CRITICAL + audit_log entry)."""
        self.ledger.set_halted(self.pool_id, True, reason)
        log.critical("payouts HALTED for pool %s: %s", self.pool_id, reason)
        self.store.audit.record("payouts", "payouts.halt", str(self.pool_id), {"reason": reason})

    def _require_running(self) -> None:
        state = self.ledger.state(self.pool_id)
        if state.halted:
            raise PayoutsHalted(f"payouts for pool {self.pool_id} are halted: {state.halt_reason} "
                                "(investigate, then `chimera payouts resume`)")

    # -- reconciliation -----------------------------------------------------------------
    def reconcile(self) -> ReconcileReport:
        """Settle every prepared batch against the wallet; track confirmations."""
        with runner_lock(self.store, self.pool_id):
            return self._reconcile()

    def _reconcile(self) -> ReconcileReport:
        self._require_running()
        report = ReconcileReport()
        try:
            self._check_orphan_processing()
            for batch in self._batches("prepared"):
                txids = self.wallet.sends_with_comment(batch.idempotency_key)
                if len(txids) > 1:
                    raise PayoutInconsistency(f"batch {batch.idempotency_key} is in the wallet {len(txids)} times: "
                                              f"{', '.join(txids)}")
                if txids:
                    self._record(batch.id, txids[0])
                    report.recorded.append(txids[0])
                    continue
                self._check_no_unkeyed_twin(batch)
                self._release(batch.id, "not in the wallet after a restart: never sent")
                report.released += 1
            report.confirmed = self._track_confirmations()
        except PayoutInconsistency as exc:
            self.halt(str(exc))
            raise
        return report

    def _check_orphan_processing(self) -> None:
        in_batch = select(payout_batch_items.c.payout_id).join(
            payout_batches, payout_batches.c.id == payout_batch_items.c.batch_id).where(
            payout_batches.c.status.in_(("prepared", "sent")))
        with self.engine.connect() as conn:
            stray = conn.execute(select(payouts.c.id).where(
                payouts.c.pool_id == self.pool_id, payouts.c.status == "processing",
                payouts.c.id.not_in(in_batch))).scalars().all()
        if stray:
            raise PayoutInconsistency(f"payouts {', '.join(map(str, stray))} are processing without a send batch")

    def _check_no_unkeyed_twin(self, batch) -> None:
        """Before calling a batch unsent: no wallet send since it was prepared may
        pay exactly its outputs (comments live only in this wallet's file; one
        restored from a backup has lost them)."""
        with self.engine.connect() as conn:
            outputs = {address: units for address, (_, units) in self._items(conn, batch.id).items()}
        since = int(batch.created_at.timestamp()) - CLOCK_SKEW_SECONDS
        twins = self.wallet.sends_paying(outputs, since)
        if twins:
            raise PayoutInconsistency(
                f"batch {batch.idempotency_key} is not in the wallet by its key, but {', '.join(twins)} pays "
                "exactly its outputs: it may have been sent; not sending again without a human decision")

    def _batches(self, status: str) -> list:
        with self.engine.connect() as conn:
            return conn.execute(select(payout_batches).where(
                payout_batches.c.pool_id == self.pool_id, payout_batches.c.status == status)
                .order_by(payout_batches.c.created_at)).all()

    def _items(self, conn: Connection, batch_id: UUID) -> dict[str, tuple[UUID, int]]:
        rows = conn.execute(select(payout_batch_items).where(payout_batch_items.c.batch_id == batch_id)).all()
        return {r.address: (r.payout_id, r.amount_units) for r in rows}

    def _record(self, batch_id: UUID, txid: str) -> None:
        """The wallet has ``txid`` for this batch: check it carries exactly our outputs, mark sent."""
        tx = self.wallet.transaction(txid)
        with self.engine.begin() as conn:
            items = self._items(conn, batch_id)
            expected = {address: units for address, (_, units) in items.items()}
            if tx.outputs != expected:
                raise PayoutInconsistency(f"transaction {txid} pays {tx.outputs}, batch {batch_id} expected {expected}")
            conn.execute(payout_batches.update().where(payout_batches.c.id == batch_id).values(
                status="sent", transaction_hash=txid, transaction_fee=tx.fee_units, sent_at=utcnow()))
            total = sum(expected.values())
            fees = _apportion(tx.fee_units, [units for _, units in items.values()], total)
            now = utcnow()
            for (payout_id, _), fee in zip(items.values(), fees):
                conn.execute(payouts.update().where(payouts.c.id == payout_id).values(
                    status="sent", transaction_hash=txid, transaction_fee=to_coins(fee), processed_at=now,
                    confirmations=max(tx.confirmations, 0), error_message=None))

    def _release(self, batch_id: UUID, why: str, count_retry: bool = False) -> list[UUID]:
        """The batch's transaction does not exist: its payouts go back to pending
        (or to failed + refunded when ``count_retry`` uses up their retries)."""
        failed: list[UUID] = []
        with self.engine.begin() as conn:
            conn.execute(payout_batches.update().where(payout_batches.c.id == batch_id).values(
                status="abandoned", error_message=why))
            for payout_id, _ in self._items(conn, batch_id).values():
                payout = conn.execute(select(payouts).where(payouts.c.id == payout_id)).one()
                retries = (payout.retry_count or 0) + (1 if count_retry else 0)
                status = "failed" if count_retry and retries >= (payout.max_retries or 0) else "pending"
                conn.execute(payouts.update().where(payouts.c.id == payout_id).values(
                    status=status, retry_count=retries, error_message=why))
                if status == "failed":
                    self.ledger.refund(conn, payout_id)
                    failed.append(payout_id)
        return failed

    def _track_confirmations(self) -> int:
        confirmed = 0
        with self.engine.connect() as conn:
            open_sends = conn.execute(select(payouts.c.transaction_hash).where(
                payouts.c.pool_id == self.pool_id, payouts.c.status == "sent").distinct()).scalars().all()
        for txid in open_sends:
            try:
                tx = self.wallet.transaction(txid)
            except RpcError as exc:
                raise PayoutInconsistency(f"sent transaction {txid} is unknown to the wallet: {exc}") from None
            if tx.confirmations < 0:
                raise PayoutInconsistency(f"sent transaction {txid} conflicts with the chain "
                                          f"({tx.confirmations} confirmations): it may never confirm")
            done = tx.confirmations >= self.confirmations
            with self.engine.begin() as conn:
                result = conn.execute(payouts.update().where(
                    payouts.c.pool_id == self.pool_id, payouts.c.transaction_hash == txid,
                    payouts.c.status == "sent").values(
                    confirmations=tx.confirmations,
                    **({"status": "confirmed", "confirmed_at": utcnow()} if done else {})))
                confirmed += result.rowcount if done else 0
        return confirmed

    # -- sending ------------------------------------------------------------------
    def send_pending(self) -> SendReport:
        """Reconcile, then send every pending payout that can go, in one batch."""
        with runner_lock(self.store, self.pool_id):
            self._reconcile()
            try:
                return self._send_pending()
            except PayoutInconsistency as exc:
                self.halt(str(exc))
                raise

    def _send_pending(self) -> SendReport:
        report = SendReport()
        outputs: dict[str, tuple[UUID, int]] = {}
        for payout in self._pending():
            reason = self._why_not_sendable(payout, outputs)
            if reason:
                report.held[payout.id] = reason
            else:
                outputs[payout.wallet_address] = (payout.id, to_units(payout.amount))
        if report.held:
            self._note_errors(report.held)
        if not outputs:
            return report
        total = sum(units for _, units in outputs.values())
        available = self.wallet.balance_units()
        if available < total:
            report.error = (f"pool wallet {self.wallet.wallet or '(default)'} has {to_coins(available):f} spendable, "
                            f"the pending payouts need {to_coins(total):f} plus the network fee: payouts stay pending")
            self._note_errors({pid: report.error for pid, _ in outputs.values()})
            return report
        batch_id, key = self._prepare(outputs)
        self._checkpoint("after_commit")
        try:
            txid = self.wallet.send_many({a: units for a, (_, units) in outputs.items()}, key)
        except RpcError as exc:
            # The node refused: nothing was sent. Insufficient funds is the pool's
            # problem, not the payout's, so it does not use up a retry.
            report.error = f"the node refused the payouts: {exc.node_message}"
            funds = "insufficient funds" in exc.node_message.lower()
            report.failed = self._release(batch_id, report.error, count_retry=not funds)
            return report
        except NodeUnreachable as exc:
            # Unknown whether it was sent: leave the batch prepared for reconciliation.
            report.error = f"{exc}; the batch will be reconciled against the wallet on the next run"
            return report
        self._checkpoint("after_rpc")
        self._record(batch_id, txid)
        self._checkpoint("after_record")
        report.sent = [pid for pid, _ in outputs.values()]
        report.transaction_hash = txid
        return report

    def _pending(self) -> list:
        with self.engine.connect() as conn:
            return conn.execute(
                select(payouts.c.id, payouts.c.amount, user_wallets.c.id.label("wallet_id"),
                       user_wallets.c.wallet_address)
                .select_from(payouts.join(user_wallets, user_wallets.c.id == payouts.c.wallet_id))
                .where(payouts.c.pool_id == self.pool_id, payouts.c.status == "pending",
                       payouts.c.retry_count < payouts.c.max_retries)
                .order_by(payouts.c.created_at, payouts.c.id)).all()

    def _why_not_sendable(self, payout, batch: dict) -> str | None:
        address = payout.wallet_address
        script = self.wallet.validate_address(address)
        if script is None:
            return f"wallet address {address!r} is not valid on the node's network (validateaddress)"
        with self.engine.begin() as conn:
            conn.execute(user_wallets.update().where(user_wallets.c.id == payout.wallet_id)
                         .values(address_validated=True))
        units = to_units(payout.amount)
        limit = dust_limit(script) if self.dust_relay_fee is None else dust_limit(script, self.dust_relay_fee)
        if units < limit:
            return f"payout of {payout.amount:f} is below the node's dust limit {to_coins(limit):f} for {address}"
        if address in batch:
            return f"another payout to {address} is in this batch; this one goes in the next"
        return None

    def _note_errors(self, reasons: dict[UUID, str]) -> None:
        with self.engine.begin() as conn:
            for payout_id, reason in reasons.items():
                conn.execute(payouts.update().where(payouts.c.id == payout_id).values(error_message=reason))

    def _prepare(self, outputs: dict[str, tuple[UUID, int]]) -> tuple[UUID, str]:
        batch_id = new_id()
        key = f"chimera-payout-{batch_id.hex}"
        with self.engine.begin() as conn:
            conn.execute(payout_batches.insert().values(id=batch_id, pool_id=self.pool_id, idempotency_key=key,
                                                        status="prepared"))
            conn.execute(payout_batch_items.insert(), [
                dict(batch_id=batch_id, payout_id=pid, address=address, amount_units=units)
                for address, (pid, units) in outputs.items()])
            ids = [pid for pid, _ in outputs.values()]
            moved = conn.execute(payouts.update().where(payouts.c.id.in_(ids), payouts.c.status == "pending")
                                 .values(status="processing", error_message=None)).rowcount
            if moved != len(ids):
                raise PayoutInconsistency("payouts changed state while a batch was being prepared "
                                          "(is another payout runner active for this pool?)")
            self._checkpoint("before_commit")
        return batch_id, key


def _apportion(fee: int, amounts: list[int], total: int) -> list[int]:
    """Split ``fee`` over payouts in proportion to their amounts; the flooring
    remainder goes to the first, so the parts add up to ``fee`` exactly."""
    parts = [fee * a // total for a in amounts] if total else [0 for _ in amounts]
    if parts:
        parts[0] += fee - sum(parts)
    return parts
