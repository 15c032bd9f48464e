"""What the controller needs from storage and from the event mirror.

The controller only talks to these protocols; :mod:`chimera_algo.migration.store_adapter`
implements them over :mod:`chimera_algo.store`.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Protocol

from chimera_algo.migration.model import Migration


class MigrationRepository(Protocol):
    def insert(self, migration: Migration) -> None:
        """Persist a new migration; raises MigrationConflictError when the pool
        already has an unfinished one (checked atomically with the insert)."""
        ...

    def get(self, migration_id: str) -> Migration:
        """Raises MigrationNotFoundError for an unknown id."""
        ...

    def save(self, migration: Migration, expected_revision: int) -> None:
        """Persist a transition; raises StaleRevisionError when the stored
        revision is not ``expected_revision``."""
        ...

    def list(self, pool: Optional[str] = None) -> list[Migration]:
        """Newest first."""
        ...

    def latest_for_pool(self, pool: str) -> Optional[Migration]:
        ...


Event = dict[str, Any]


class MigrationEvents(Protocol):
    def publish(self, event: Event) -> None:
        ...

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback`` for every event; returns an unsubscribe function."""
        ...
