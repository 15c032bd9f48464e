"""Cryptocurrencies, algorithms and the operator audit log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from chimera_algo.store.records import Algorithm, AuditEntry, Cryptocurrency
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import algorithms, audit_log, supported_cryptocurrencies, utcnow


class CryptocurrencyRepository(Repository):
    def create(self, symbol: str, name: str, full_name: str, network_type: str, block_time: int,
               block_reward: Any, primary_algorithm: str, **fields: Any) -> Cryptocurrency:
        check_columns(supported_cryptocurrencies, fields)
        return self._insert(Cryptocurrency, dict(
            symbol=symbol, name=name, full_name=full_name, network_type=network_type, block_time=block_time,
            block_reward=block_reward, primary_algorithm=primary_algorithm, **fields))

    def get(self, crypto_id: UUID | str) -> Cryptocurrency:
        cid = as_uuid(crypto_id, "cryptocurrency id")
        return self._one(Cryptocurrency, supported_cryptocurrencies.c.id == cid, what=f"with id {cid}")

    def by_symbol(self, symbol: str) -> Cryptocurrency:
        return self._one(Cryptocurrency, supported_cryptocurrencies.c.symbol == symbol, what=f"with symbol {symbol!r}")

    def list(self, status: str | None = None) -> list[Cryptocurrency]:
        where = [supported_cryptocurrencies.c.status == status] if status else []
        return self._all(Cryptocurrency, *where, order_by=[supported_cryptocurrencies.c.symbol])

    def update(self, crypto_id: UUID | str, **fields: Any) -> Cryptocurrency:
        check_columns(supported_cryptocurrencies, fields)
        return self._update(Cryptocurrency, as_uuid(crypto_id), fields)


class AlgorithmRepository(Repository):
    def create(self, name: str, display_name: str, **fields: Any) -> Algorithm:
        check_columns(algorithms, fields)
        return self._insert(Algorithm, dict(name=name, display_name=display_name, **fields))

    def get(self, algorithm_id: UUID | str) -> Algorithm:
        aid = as_uuid(algorithm_id, "algorithm id")
        return self._one(Algorithm, algorithms.c.id == aid, what=f"with id {aid}")

    def by_name(self, name: str) -> Algorithm:
        return self._one(Algorithm, algorithms.c.name == name, what=f"named {name!r}")

    def find(self, name: str) -> Algorithm | None:
        return self._first(Algorithm, algorithms.c.name == name)

    def list(self, status: str | None = None) -> list[Algorithm]:
        where = [algorithms.c.status == status] if status else []
        return self._all(Algorithm, *where, order_by=[algorithms.c.name])

    def update(self, algorithm_id: UUID | str, **fields: Any) -> Algorithm:
        check_columns(algorithms, fields)
        return self._update(Algorithm, as_uuid(algorithm_id), fields)

    def upsert(self, name: str, display_name: str, **fields: Any) -> Algorithm:
        """Create ``name`` or update it in place (package installs and upgrades)."""
        check_columns(algorithms, fields)
        existing = self.find(name)
        if existing is None:
            return self.create(name, display_name, **fields)
        return self._update(Algorithm, existing.id, dict(display_name=display_name, **fields))

    def set_status(self, algorithm_id: UUID | str, status: str) -> Algorithm:
        """Move to ``status``, stamping installed_at / activated_at on the way."""
        values: dict[str, Any] = {"status": status}
        if status == "installed":
            values["installed_at"] = utcnow()
        elif status == "active":
            values["activated_at"] = utcnow()
        return self._update(Algorithm, as_uuid(algorithm_id), values)


class AuditLog(Repository):
    """Append-only record of operator actions (installs, forced downgrades, migrations)."""

    def record(self, actor: str, action: str, subject: str | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
        if not actor or not action:
            raise ValueError("audit entries need an actor and an action")
        return self._insert(AuditEntry, dict(actor=actor, action=action, subject=subject, details=details or {}))

    def list(self, action: str | None = None, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
        where = []
        if action:
            where.append(audit_log.c.action == action)
        if subject:
            where.append(audit_log.c.subject == subject)
        return self._all(AuditEntry, *where, order_by=[audit_log.c.id.desc()], limit=limit)
