"""One payout run for a pool: blocks → credits → payouts → sends → confirmations.

``run_pool`` is what ``chimera payouts run`` calls (e.g. from cron or a
systemd timer). Run one runner per pool at a time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from uuid import UUID

from chimera_algo.payouts.ledger import CreatedPayout, Ledger
from chimera_algo.payouts.sender import Checkpoint, PayoutSender, ReconcileReport, SendReport
from chimera_algo.payouts.wallet import NodeError, WalletClient
from chimera_algo.store import Store

log = logging.getLogger("chimera.payouts")


@dataclass
class RunReport:
    pool_id: UUID
    blocks_confirmed: int = 0
    blocks_orphaned: int = 0
    blocks_credited: int = 0
    blocks_reversed: int = 0
    pps_shares_credited: int = 0
    reconciled: ReconcileReport | None = None
    created: list[CreatedPayout] = field(default_factory=list)
    send: SendReport | None = None


def track_blocks(store: Store, wallet: WalletClient, pool_id: UUID) -> tuple[int, int]:
    """Bring the pool's pending blocks up to date with the node: depth, or orphaned
    when the chain holds another block at that height. Returns (confirmed, orphaned)."""
    confirmed = orphaned = 0
    tip = wallet.call("getblockcount")
    for block in store.blocks.list(pool_id=pool_id, status="pending"):
        if block.block_height > tip:
            continue
        try:
            at_height = wallet.call("getblockhash", block.block_height)
        except NodeError:
            continue
        if at_height != block.block_hash:
            store.blocks.orphan(block.id)
            orphaned += 1
            continue
        updated = store.blocks.set_confirmations(block.id, tip - block.block_height + 1)
        confirmed += updated.status == "confirmed"
    return confirmed, orphaned


def run_pool(store: Store, wallet: WalletClient, pool_id: UUID, *, now: datetime | None = None,
             force: bool = False, n_factor: Fraction | int = 2, confirmations: int | None = None,
             send: bool = True, checkpoint: Checkpoint | None = None) -> RunReport:
    ledger = Ledger(store)
    pool = store.pools.get(pool_id)
    coin = store.cryptocurrencies.get(pool.cryptocurrency_id)
    sender = PayoutSender(store, wallet, pool.id, checkpoint=checkpoint,
                          confirmations=confirmations if confirmations is not None else coin.confirmation_blocks)
    report = RunReport(pool.id)
    report.reconciled = sender.reconcile()  # first: nothing new happens while a send is unsettled
    report.blocks_confirmed, report.blocks_orphaned = track_blocks(store, wallet, pool.id)
    for block_id in ledger.blocks_to_reverse(pool.id):
        report.blocks_reversed += ledger.reverse_block(block_id) > 0
    for block_id in ledger.blocks_to_credit(pool.id):
        report.blocks_credited += ledger.credit_block(block_id, n_factor) is not None
    report.pps_shares_credited = ledger.credit_pps_shares(pool.id)
    report.created = ledger.create_payouts(pool.id, now=now, force=force)
    if send:
        report.send = sender.send_pending()
    ledger.touch_run(pool.id)
    return report
