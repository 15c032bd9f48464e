"""Sticky rollout cohorts.

A worker is in the cohort at ``percent`` when a salted hash of its identity,
mapped onto [0, 10000), falls below ``percent * 100``. The position of a worker
never changes for one migration (the salt is persisted with it), so raising the
percentage only adds workers and never swaps one out.
"""

from __future__ import annotations

import hashlib
import secrets

BUCKETS = 10_000


def new_salt() -> str:
    return secrets.token_hex(16)


def bucket(worker: str, salt: str) -> int:
    """The worker's fixed position in [0, BUCKETS) for this salt."""
    digest = hashlib.sha256(f"{salt}\x00{worker}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_cohort(worker: str, percent: float, salt: str) -> bool:
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    return bucket(worker, salt) < round(percent * BUCKETS / 100)


def sampled(key: str, rate: float, salt: str) -> bool:
    """Deterministic sampling of shares: the same share is always in or out."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    return bucket(key, "sample:" + salt) < round(rate * BUCKETS)
