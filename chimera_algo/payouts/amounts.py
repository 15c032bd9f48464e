"""Money as integer base units (satoshis, litoshis): 1 coin = 10**8 units.

Floats never touch money. Amounts cross into and out of the database and the
node's JSON-RPC as ``Decimal`` with exactly 8 places.
"""

from __future__ import annotations

from decimal import Decimal

UNITS_PER_COIN = 10**8
_QUANTUM = Decimal("0.00000001")


def to_units(coins: Decimal | str | int) -> int:
    """Exact base units of ``coins``; refuses values finer than 1e-8 or floats."""
    if isinstance(coins, float):
        raise TypeError("amounts must be Decimal, str or int, never float")
    value = Decimal(coins)
    units = value * UNITS_PER_COIN
    if units != units.to_integral_value():
        raise ValueError(f"amount {coins} has more than 8 decimal places")
    return int(units)


def to_coins(units: int) -> Decimal:
    """``units`` as a Decimal coin amount with exactly 8 places."""
    if not isinstance(units, int) or isinstance(units, bool):
        raise TypeError(f"units must be an int, not {type(units).__name__}")
    return (Decimal(units) / UNITS_PER_COIN).quantize(_QUANTUM)
