"""Tables the payout engine adds to the data model (migration 0004).

* ``payout_ledger`` — append-only money movements per user and pool, in
  integer base units: block credits, their reversals on orphan, PPS share
  credits, payout debits and refunds of payouts that failed for good. A
  user's balance is a SUM over it; nothing is ever updated in place except
  ``settled_by`` (which payout swept a credit, for ``shares_included``).
* ``payout_batches`` / ``payout_batch_items`` — one ``sendmany`` and the
  payouts in it. The batch's ``idempotency_key`` is committed before the RPC
  and travels in the wallet transaction's comment, so a restart can find out
  whether the send happened.
* ``payout_pool_state`` — per pool: halted or not (and why), last run.

They live on the store's ``metadata`` so foreign keys to ``users``,
``pools``, ``blocks`` and ``payouts`` resolve.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, false

from chimera_algo.store.schema import _now, _one_of, _pk, _ts, metadata
from chimera_algo.store.types import UUID

ENTRY_KINDS = ("block", "reversal", "pps", "payout", "refund")
BATCH_STATUSES = ("prepared", "sent", "abandoned")

payout_ledger = Table(
    "payout_ledger",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("pool_id", UUID, ForeignKey("pools.id"), nullable=False),
    Column("user_id", UUID, ForeignKey("users.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("amount_units", BigInteger, nullable=False),  # signed: debits and reversals are negative
    Column("shares", BigInteger, nullable=False, server_default="0", default=0),
    Column("block_id", UUID, ForeignKey("blocks.id")),  # block / reversal
    Column("share_id", UUID),  # pps (shares is partitioned: no FK, like blocks.share_id)
    Column("payout_id", UUID, ForeignKey("payouts.id")),  # payout / refund
    Column("settled_by", UUID, ForeignKey("payouts.id")),
    _now("created_at", nullable=False),
    _one_of("payout_ledger", "kind", ENTRY_KINDS),
    # Crediting, reversing and paying are idempotent by construction:
    UniqueConstraint("block_id", "user_id", "kind", name="uq_payout_ledger_block_user_kind"),
    UniqueConstraint("share_id", "kind", name="uq_payout_ledger_share_kind"),
    UniqueConstraint("payout_id", "kind", name="uq_payout_ledger_payout_kind"),
    Index("idx_payout_ledger_pool_user", "pool_id", "user_id"),
)

payout_batches = Table(
    "payout_batches",
    metadata,
    _pk(),
    Column("pool_id", UUID, ForeignKey("pools.id"), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("transaction_hash", String(64)),
    Column("transaction_fee", BigInteger),  # units the wallet paid the network
    Column("error_message", Text),
    _now("created_at", nullable=False),
    _ts("sent_at"),
    UniqueConstraint("idempotency_key", name="uq_payout_batches_idempotency_key"),
    _one_of("payout_batches", "status", BATCH_STATUSES),
    Index("idx_payout_batches_pool_status", "pool_id", "status"),
)

payout_batch_items = Table(
    "payout_batch_items",
    metadata,
    Column("batch_id", UUID, ForeignKey("payout_batches.id"), primary_key=True),
    Column("payout_id", UUID, ForeignKey("payouts.id"), primary_key=True),
    Column("address", String(100), nullable=False),
    Column("amount_units", BigInteger, nullable=False),
)

payout_pool_state = Table(
    "payout_pool_state",
    metadata,
    Column("pool_id", UUID, ForeignKey("pools.id"), primary_key=True),
    Column("halted", Boolean, nullable=False, server_default=false(), default=False),
    Column("halt_reason", Text),
    _ts("halted_at"),
    _ts("last_run_at"),
)

LEDGER_TABLES = (payout_ledger, payout_batches, payout_batch_items, payout_pool_state)
