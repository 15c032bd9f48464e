"""TEMPORARY dev stand-in until the store lands; the final tests use the real store."""
from __future__ import annotations
import copy, threading
from chimera_algo.migration.errors import MigrationConflictError, MigrationNotFoundError, StaleRevisionError

class MemoryRepository:
    def __init__(self):
        self.rows = {}
        self.lock = threading.Lock()
    def insert(self, m):
        with self.lock:
            for r in self.rows.values():
                if r.pool == m.pool and not r.finished:
                    raise MigrationConflictError("conflict")
            self.rows[m.id] = copy.deepcopy(m)
    def get(self, i):
        try:
            return copy.deepcopy(self.rows[i])
        except KeyError:
            raise MigrationNotFoundError(i)
    def save(self, m, expected_revision):
        with self.lock:
            if self.rows[m.id].revision != expected_revision:
                raise StaleRevisionError(m.id)
            self.rows[m.id] = copy.deepcopy(m)
    def list(self, pool=None):
        return sorted((copy.deepcopy(r) for r in self.rows.values() if pool is None or r.pool == pool), key=lambda r: -r.created_at)
    def latest_for_pool(self, pool):
        rows = self.list(pool)
        return rows[0] if rows else None
