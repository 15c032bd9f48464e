"""Stratum error codes (the de-facto standard set) as a typed exception."""

from __future__ import annotations

OTHER = 20
JOB_NOT_FOUND = 21  # also: stale job
DUPLICATE = 22
LOW_DIFFICULTY = 23
UNAUTHORIZED = 24
NOT_SUBSCRIBED = 25


class StratumError(Exception):
    """An error answered to the miner as ``[code, message, null]``."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_json(self) -> list:
        return [self.code, self.message, None]
