"""Found blocks: pending → confirmed (enough confirmations) or orphaned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select

from chimera_algo.store.errors import InvalidValueError, MissingReferenceError
from chimera_algo.store.records import Block
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import blocks, shares, utcnow


class BlockRepository(Repository):
    def record(self, pool_id: UUID | str, miner_id: UUID | str, share_id: UUID | str, block_hash: str,
               block_height: int, difficulty: int, network_difficulty: int, block_reward: Any,
               transaction_fees: Any = 0, **fields: Any) -> Block:
        """Record a found block (status pending). The share must exist (see schema.py)."""
        check_columns(blocks, fields)
        sid = as_uuid(share_id, "share_id")
        with self.engine.begin() as conn:
            if conn.execute(select(shares.c.id).where(shares.c.id == sid)).first() is None:
                raise MissingReferenceError("blocks", "share_id", "blocks_share_id_check",
                                            f"blocks.share_id ({sid}) refers to a shares row that does not exist")
            total = Decimal(str(block_reward)) + Decimal(str(transaction_fees))
            return self._insert(Block, dict(
                pool_id=as_uuid(pool_id, "pool_id"), miner_id=as_uuid(miner_id, "miner_id"), share_id=sid,
                block_hash=block_hash, block_height=block_height, difficulty=difficulty,
                network_difficulty=network_difficulty, block_reward=block_reward,
                transaction_fees=transaction_fees, total_reward=fields.pop("total_reward", total), **fields), conn=conn)

    def get(self, block_id: UUID | str) -> Block:
        bid = as_uuid(block_id, "block id")
        return self._one(Block, blocks.c.id == bid, what=f"with id {bid}")

    def by_hash(self, block_hash: str) -> Block:
        return self._one(Block, blocks.c.block_hash == block_hash, what=f"with hash {block_hash}")

    def list(self, pool_id: UUID | str | None = None, status: str | None = None,
             payout_processed: bool | None = None) -> list[Block]:
        where = []
        if pool_id is not None:
            where.append(blocks.c.pool_id == as_uuid(pool_id, "pool_id"))
        if status is not None:
            where.append(blocks.c.status == status)
        if payout_processed is not None:
            where.append(blocks.c.payout_processed.is_(payout_processed))
        return self._all(Block, *where, order_by=[blocks.c.block_height])

    def set_confirmations(self, block_id: UUID | str, confirmations: int) -> Block:
        """Update the depth; a pending block becomes confirmed at required_confirmations."""
        if not isinstance(confirmations, int) or confirmations < 0:
            raise InvalidValueError("blocks", "confirmations", "confirmations", "blocks.confirmations must be >= 0")
        block = self.get(block_id)
        values: dict[str, Any] = {"confirmations": confirmations}
        if block.status == "pending" and confirmations >= block.required_confirmations:
            values.update(status="confirmed", confirmed_at=utcnow())
        return self._update(Block, block.id, values, touch=False)

    def orphan(self, block_id: UUID | str) -> Block:
        """The block left the best chain: no reward will be paid."""
        return self._update(Block, as_uuid(block_id, "block id"), {"status": "orphaned"}, touch=False)

    def mark_payout_processed(self, block_id: UUID | str, pool_fee: Any, miner_reward: Any) -> Block:
        return self._update(Block, as_uuid(block_id, "block id"), {
            "payout_processed": True, "payout_processed_at": utcnow(), "pool_fee": pool_fee,
            "miner_reward": miner_reward}, touch=False)
