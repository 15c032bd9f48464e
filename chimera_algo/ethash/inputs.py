"""Share inputs checked and normalised, with errors an operator can act on."""

from __future__ import annotations

from typing import Union

BytesLike = Union[bytes, bytearray, memoryview]
NonceLike = Union[int, BytesLike, str]

MAX_NONCE = (1 << 64) - 1
MAX_BOUNDARY = (1 << 256) - 1


def _hex_or_bytes(value: object, what: str) -> bytes:
    if isinstance(value, str):
        text = value[2:] if value[:2].lower() == "0x" else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{what} is not valid hex: {value!r}") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes or a hex string, not {type(value).__name__}")


def hash32(value: object, what: str) -> bytes:
    """A 32-byte hash given as bytes or hex (with or without 0x)."""
    raw = _hex_or_bytes(value, what)
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes, got {len(raw)}")
    return raw


def nonce(value: object) -> int:
    """A 64-bit nonce: an int, or 8 bytes / 16 hex digits big-endian as in the
    block header and in eth_submitWork."""
    if isinstance(value, bool):
        raise TypeError("nonce must be an int, 8 bytes or hex, not bool")
    if isinstance(value, int):
        if not 0 <= value <= MAX_NONCE:
            raise ValueError(f"nonce must be in [0, 2**64), got {value}")
        return value
    raw = _hex_or_bytes(value, "nonce")
    if len(raw) != 8:
        raise ValueError(f"nonce must be 8 bytes (16 hex digits), got {len(raw)} bytes")
    return int.from_bytes(raw, "big")


def boundary(value: object) -> int:
    """A share/block boundary: int in [0, 2**256) or 32 bytes big-endian."""
    if isinstance(value, bool):
        raise TypeError("boundary must be an int or 32 bytes, not bool")
    if isinstance(value, int):
        if not 0 <= value <= MAX_BOUNDARY:
            raise ValueError(f"boundary must be in [0, 2**256), got {value}")
        return value
    return int.from_bytes(hash32(value, "boundary"), "big")
