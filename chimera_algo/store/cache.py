"""The data model's Redis hashes, with their TTLs, behind one small interface.

``RedisCache`` talks to Redis; ``MemoryCache`` is the in-process stand-in used
when no Redis URL is configured (same interface, same expiry semantics, one
process only). The database stays the source of truth: a Redis outage is
logged and reads fall back to the database, never failing the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Mapping

log = logging.getLogger("chimera.store.cache")

# Keys and TTLs from the data model ("Cache Data Structures (Redis)").
POOL_STATS_TTL = 300
MINER_STATUS_TTL = 3600
MIGRATION_TTL = 86400


# The fields the data model lists for each hash.
SESSION_FIELDS = frozenset({"user_id", "expires_at", "last_used_at", "ip_address", "mfa_verified"})
POOL_STATS_FIELDS = frozenset({"total_hashrate", "active_miners", "shares_per_minute", "last_block_time",
                               "current_difficulty"})
MINER_STATUS_FIELDS = frozenset({"current_hashrate", "last_share_time", "connection_status", "difficulty",
                                 "shares_accepted_1h"})
MIGRATION_FIELDS = frozenset({"status", "progress", "current_phase", "started_at", "error_message"})


def check_fields(key_kind: str, mapping: Mapping[str, object], allowed: frozenset[str]) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise ValueError(f"{key_kind} has no field(s) {', '.join(sorted(unknown))}; "
                         f"fields: {', '.join(sorted(allowed))}")


def session_key(token_hash: str) -> str:
    return f"session:{token_hash}"


def pool_stats_key(pool_id: object) -> str:
    return f"pool_stats:{pool_id}"


def miner_status_key(miner_id: object) -> str:
    return f"miner_status:{miner_id}"


def migration_key(migration_id: object) -> str:
    return f"migration:{migration_id}"


Scalar = str | int | float | bool | datetime | None


def encode(value: Scalar) -> str:
    """Redis stores strings: None → "", bool → "1"/"0", datetime → ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _check_ttl(ttl: int) -> int:
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0:
        raise ValueError(f"TTL must be a positive number of seconds, got {ttl!r}")
    return ttl


class Cache(ABC):
    """Hashes with expiry: the subset of Redis the store uses."""

    @abstractmethod
    def put_hash(self, key: str, mapping: Mapping[str, Scalar], ttl: int) -> None:
        """Set the fields of ``key`` (merging) and (re)start its TTL."""

    @abstractmethod
    def get_hash(self, key: str) -> dict[str, str] | None:
        """All fields of ``key``, or None if it is missing or expired."""

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def ttl(self, key: str) -> int | None:
        """Seconds until ``key`` expires, or None if it does not exist."""

    def close(self) -> None:
        pass


class MemoryCache(Cache):
    """In-process cache with Redis-like expiry, for a single-process deployment."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[dict[str, str], float]] = {}
        self._lock = threading.Lock()

    def put_hash(self, key: str, mapping: Mapping[str, Scalar], ttl: int) -> None:
        _check_ttl(ttl)
        with self._lock:
            current = self._live(key) or {}
            current.update({k: encode(v) for k, v in mapping.items()})
            self._data[key] = (current, self._clock() + ttl)

    def _live(self, key: str) -> dict[str, str] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._data[key]
            return None
        return entry[0]

    def get_hash(self, key: str) -> dict[str, str] | None:
        with self._lock:
            found = self._live(key)
            return dict(found) if found is not None else None

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def ttl(self, key: str) -> int | None:
        with self._lock:
            if self._live(key) is None:
                return None
            return max(0, round(self._data[key][1] - self._clock()))


class RedisCache(Cache):
    """Redis-backed cache (redis-py)."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)
        self._errors = redis.RedisError
        self._last_warning = 0.0

    def _warn(self, action: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning > 10:  # one line per 10 s, not one per call
            log.warning("Redis %s failed (%s); continuing with the database only", action, exc)
            self._last_warning = now

    def put_hash(self, key: str, mapping: Mapping[str, Scalar], ttl: int) -> None:
        _check_ttl(ttl)
        if not mapping:
            return
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(key, mapping={k: encode(v) for k, v in mapping.items()})
            pipe.expire(key, ttl)
            pipe.execute()
        except self._errors as exc:
            self._warn(f"write of {key}", exc)

    def get_hash(self, key: str) -> dict[str, str] | None:
        try:
            found = self._redis.hgetall(key)
        except self._errors as exc:
            self._warn(f"read of {key}", exc)
            return None
        return found or None

    def delete(self, key: str) -> None:
        try:
            self._redis.delete(key)
        except self._errors as exc:
            self._warn(f"delete of {key}", exc)

    def ttl(self, key: str) -> int | None:
        try:
            remaining = self._redis.ttl(key)
        except self._errors as exc:
            self._warn(f"ttl of {key}", exc)
            return None
        return None if remaining < 0 else int(remaining)

    def close(self) -> None:
        self._redis.close()
