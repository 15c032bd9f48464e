"""Targets and difficulties, per coin family.

A target is an int in [0, 2**256); a hash meets it when the digest read as a
little-endian integer is <= target. Difficulty is ``diff1_target / target``.

Diff-1 targets:
* Bitcoin family (sha256d, blake3): ``0x00000000FFFF << 208`` (the genesis
  ``bits`` 0x1d00ffff expanded).
* scrypt (Litecoin) pools: share difficulty is scaled by 65536 as Litecoin
  miners (cpuminer, cgminer) expect, i.e. diff-1 target ``0xFFFF << 224``.
  Litecoin's *network* difficulty (getdifficulty) still uses the Bitcoin
  diff-1; pass ``family="bitcoin"`` for it.
* ethash/etchash: target ``2**256 // difficulty``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Union

BITCOIN_DIFF1 = 0x00000000FFFF << 208
SCRYPT_SHARE_DIFF1 = BITCOIN_DIFF1 << 16
ETHASH_DIFF1 = 1 << 256
MAX_TARGET = (1 << 256) - 1

_FAMILY_DIFF1 = {
    "bitcoin": BITCOIN_DIFF1,
    "sha256d": BITCOIN_DIFF1,
    "blake3": BITCOIN_DIFF1,
    "scrypt": SCRYPT_SHARE_DIFF1,
    "ethash": ETHASH_DIFF1,
    "etchash": ETHASH_DIFF1,
}

Number = Union[int, float, Fraction]


def diff1_target(family: str) -> int:
    """The difficulty-1 target of ``family`` (an algorithm name or "bitcoin")."""
    try:
        return _FAMILY_DIFF1[family]
    except KeyError:
        raise ValueError(
            f"unknown coin family {family!r}; expected one of {', '.join(sorted(_FAMILY_DIFF1))}"
        ) from None


def _check_target(target: int) -> int:
    if not isinstance(target, int) or isinstance(target, bool):
        raise TypeError(f"target must be an int, not {type(target).__name__}")
    if not 0 <= target <= MAX_TARGET:
        raise ValueError(f"target must be in [0, 2**256), got {target}")
    return target


def bits_to_target(bits: int) -> int:
    """Expand a compact ``nBits`` value (as in block headers) to a target."""
    if not 0 <= bits < 1 << 32:
        raise ValueError(f"bits must be a 32-bit unsigned int, got {bits}")
    exponent = bits >> 24
    mantissa = bits & 0x007FFFFF
    if bits & 0x00800000:
        raise ValueError(f"bits 0x{bits:08x} encodes a negative target")
    if exponent <= 3:
        target = mantissa >> (8 * (3 - exponent))
    else:
        target = mantissa << (8 * (exponent - 3))
    if target > MAX_TARGET:
        raise ValueError(f"bits 0x{bits:08x} encodes a target above 2**256")
    return target


def target_to_bits(target: int) -> int:
    """Compact ``nBits`` for ``target`` (rounded down as Bitcoin Core does)."""
    _check_target(target)
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        mantissa = target << (8 * (3 - size))
    else:
        mantissa = target >> (8 * (size - 3))
    if mantissa & 0x00800000:
        mantissa >>= 8
        size += 1
    return (size << 24) | mantissa


def target_to_difficulty(target: int, family: str = "bitcoin") -> float:
    """Difficulty of ``target`` in ``family``'s units (float, for display)."""
    _check_target(target)
    if target == 0:
        return float("inf")
    return diff1_target(family) / target


def difficulty_to_target(difficulty: Number, family: str = "bitcoin") -> int:
    """The target for ``difficulty`` in ``family``'s units, capped at 2**256-1."""
    if isinstance(difficulty, bool) or not isinstance(difficulty, (int, float, Fraction)):
        raise TypeError(f"difficulty must be a number, not {type(difficulty).__name__}")
    if not difficulty > 0:
        raise ValueError(f"difficulty must be > 0, got {difficulty}")
    exact = Fraction(difficulty)  # exact for floats too: no rounding before the division
    return min(MAX_TARGET, int(Fraction(diff1_target(family)) / exact))


def hash_to_difficulty(digest: bytes, family: str = "bitcoin") -> float:
    """The difficulty a digest achieves (digest read as little-endian)."""
    value = int.from_bytes(digest, "little")
    if value == 0:
        return float("inf")
    return diff1_target(family) / value
