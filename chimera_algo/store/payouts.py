"""User wallets and payouts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from chimera_algo.store.errors import InvalidValueError
from chimera_algo.store.records import Payout, UserWallet
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import payouts, user_wallets, utcnow


class WalletRepository(Repository):
    def add(self, user_id: UUID | str, cryptocurrency_id: UUID | str, wallet_address: str, **fields: Any) -> UserWallet:
        check_columns(user_wallets, fields)
        return self._insert(UserWallet, dict(user_id=as_uuid(user_id, "user_id"),
                                             cryptocurrency_id=as_uuid(cryptocurrency_id, "cryptocurrency_id"),
                                             wallet_address=wallet_address, **fields))

    def get(self, wallet_id: UUID | str) -> UserWallet:
        wid = as_uuid(wallet_id, "wallet id")
        return self._one(UserWallet, user_wallets.c.id == wid, what=f"with id {wid}")

    def list(self, user_id: UUID | str | None = None, cryptocurrency_id: UUID | str | None = None,
             status: str | None = None) -> list[UserWallet]:
        c = user_wallets.c
        where = []
        if user_id is not None:
            where.append(c.user_id == as_uuid(user_id, "user_id"))
        if cryptocurrency_id is not None:
            where.append(c.cryptocurrency_id == as_uuid(cryptocurrency_id, "cryptocurrency_id"))
        if status is not None:
            where.append(c.status == status)
        return self._all(UserWallet, *where, order_by=[c.created_at])

    def update(self, wallet_id: UUID | str, **fields: Any) -> UserWallet:
        check_columns(user_wallets, fields)
        return self._update(UserWallet, as_uuid(wallet_id, "wallet id"), fields)


class PayoutRepository(Repository):
    def create(self, user_id: UUID | str, pool_id: UUID | str, wallet_id: UUID | str, amount: Any, fee: Any,
               shares_included: int, calculation_method: str, calculation_period_start: datetime,
               calculation_period_end: datetime, **fields: Any) -> Payout:
        """A pending payout; ``net_amount`` = amount - fee unless given."""
        check_columns(payouts, fields)
        net = fields.pop("net_amount", Decimal(str(amount)) - Decimal(str(fee)))
        if Decimal(str(net)) < 0:
            raise InvalidValueError("payouts", "net_amount", "net_amount", "payouts.net_amount: fee exceeds amount")
        return self._insert(Payout, dict(
            user_id=as_uuid(user_id, "user_id"), pool_id=as_uuid(pool_id, "pool_id"),
            wallet_id=as_uuid(wallet_id, "wallet_id"), amount=amount, fee=fee, net_amount=net,
            shares_included=shares_included, calculation_method=calculation_method,
            calculation_period_start=calculation_period_start, calculation_period_end=calculation_period_end,
            **fields))

    def get(self, payout_id: UUID | str) -> Payout:
        pid = as_uuid(payout_id, "payout id")
        return self._one(Payout, payouts.c.id == pid, what=f"with id {pid}")

    def list(self, user_id: UUID | str | None = None, pool_id: UUID | str | None = None,
             status: str | None = None) -> list[Payout]:
        c = payouts.c
        where = []
        if user_id is not None:
            where.append(c.user_id == as_uuid(user_id, "user_id"))
        if pool_id is not None:
            where.append(c.pool_id == as_uuid(pool_id, "pool_id"))
        if status is not None:
            where.append(c.status == status)
        return self._all(Payout, *where, order_by=[c.created_at])

    def update(self, payout_id: UUID | str, **fields: Any) -> Payout:
        """Change status etc.; stamps processed_at on 'sent' and confirmed_at on 'confirmed'."""
        check_columns(payouts, fields)
        status = fields.get("status")
        if status == "sent" and "processed_at" not in fields:
            fields["processed_at"] = utcnow()
        if status == "confirmed" and "confirmed_at" not in fields:
            fields["confirmed_at"] = utcnow()
        return self._update(Payout, as_uuid(payout_id, "payout id"), fields, touch=False)

    def record_failure(self, payout_id: UUID | str, error_message: str) -> Payout:
        """Count a failed attempt; the payout is 'failed' once retries are used up, else back to 'pending'."""
        current = self.get(payout_id)
        retries = (current.retry_count or 0) + 1
        status = "failed" if retries >= (current.max_retries or 0) else "pending"
        return self._update(Payout, current.id, {"retry_count": retries, "error_message": error_message,
                                                 "status": status}, touch=False)
