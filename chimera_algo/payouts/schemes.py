"""How a block reward is split between miners: PPLNS, PROP and PPS.

All arithmetic is exact: share weights are ``Fraction``s, money is integer
base units (see ``amounts``). Every split returns a :class:`Split` with
``sum(credits) + fee + remainder == total_reward`` exactly.

Definitions implemented here:

* **Fee** — ``fee = floor(total_reward * fee_percentage / 100)``, taken once
  per block before anything is split. ``distributable = total_reward - fee``.
* **Credits** — user ``u`` with weight ``w_u`` out of ``W`` gets
  ``floor(distributable * w_u / W)``. The units lost to flooring (fewer than
  the number of users) are the **remainder**, kept by the pool.
* **PPLNS** — walk shares backwards from the share that found the block (it
  included). Each share weighs ``share_difficulty / network_difficulty``.
  Shares are taken until the weights sum to ``N`` (default 2.0); the share
  that crosses ``N`` counts only for the part that fits (prorated). If the
  pool's history holds less than ``N``, every share counts and the reward is
  still split in full among them.
* **PROP** — the shares of the round (after the previous block's share, up to
  and including this block's share), weighted by share difficulty.
* **PPS** — each accepted share is paid at acceptance, from the pool's
  balance: ``floor(block_reward * share_difficulty / network_difficulty *
  (1 - fee_percentage / 100))``; the pool keeps the fraction floored away and
  carries the risk (see ``PpsLedger``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Hashable, Iterable, Sequence

UserId = Hashable


@dataclass(frozen=True)
class ShareRecord:
    """An accepted share as the payout engine sees it."""

    user: UserId
    difficulty: Fraction | Decimal | int  # share difficulty (the target it met)


@dataclass(frozen=True)
class Split:
    total_reward: int
    fee: int
    remainder: int
    credits: dict[UserId, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if sum(self.credits.values()) + self.fee + self.remainder != self.total_reward:
            raise AssertionError("split does not add up to the reward")  # a bug, never input


def _fraction(value: Fraction | Decimal | int, what: str) -> Fraction:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError(f"{what} must be exact (int, Decimal or Fraction), not {type(value).__name__}")
    f = Fraction(value)
    if f <= 0:
        raise ValueError(f"{what} must be > 0, got {value}")
    return f


def _percentage(fee_percentage: Decimal | int | Fraction) -> Fraction:
    if isinstance(fee_percentage, float):
        raise TypeError("fee_percentage must be exact (Decimal or int), not float")
    fee = Fraction(fee_percentage)
    if not 0 <= fee <= 100:
        raise ValueError(f"fee_percentage must be in [0, 100], got {fee_percentage}")
    return fee


def _check_reward(total_reward: int) -> None:
    if not isinstance(total_reward, int) or isinstance(total_reward, bool):
        raise TypeError("total_reward must be integer base units")
    if total_reward < 0:
        raise ValueError(f"total_reward must be >= 0, got {total_reward}")


def split_by_weight(
    total_reward: int, weights: dict[UserId, Fraction], fee_percentage: Decimal | int
) -> Split:
    """Take the fee, then split the rest in proportion to ``weights``."""
    _check_reward(total_reward)
    fee = floor(total_reward * _percentage(fee_percentage) / 100)
    distributable = total_reward - fee
    total_weight = sum(weights.values(), Fraction(0))
    if total_weight == 0:
        return Split(total_reward, fee, distributable, {})
    credits = {
        user: floor(distributable * w / total_weight) for user, w in weights.items() if w > 0
    }
    return Split(total_reward, fee, distributable - sum(credits.values()), credits)


def pplns_weights(
    shares_newest_first: Iterable[ShareRecord],
    network_difficulty: Fraction | Decimal | int,
    n_factor: Fraction | Decimal | int = 2,
) -> dict[UserId, Fraction]:
    """Each user's weight in the PPLNS window ending at the block's share."""
    net = _fraction(network_difficulty, "network_difficulty")
    budget = _fraction(n_factor, "N")
    weights: dict[UserId, Fraction] = defaultdict(Fraction)
    for share in shares_newest_first:
        w = _fraction(share.difficulty, "share difficulty") / net
        if w >= budget:
            weights[share.user] += budget  # the share that fills the window, prorated
            break
        weights[share.user] += w
        budget -= w
    return dict(weights)


def pplns(
    shares_newest_first: Iterable[ShareRecord],
    total_reward: int,
    network_difficulty: Fraction | Decimal | int,
    fee_percentage: Decimal | int,
    n_factor: Fraction | Decimal | int = 2,
) -> Split:
    return split_by_weight(
        total_reward, pplns_weights(shares_newest_first, network_difficulty, n_factor), fee_percentage
    )


def prop(round_shares: Iterable[ShareRecord], total_reward: int, fee_percentage: Decimal | int) -> Split:
    weights: dict[UserId, Fraction] = defaultdict(Fraction)
    for share in round_shares:
        weights[share.user] += _fraction(share.difficulty, "share difficulty")
    return split_by_weight(total_reward, dict(weights), fee_percentage)


def pps_credit(
    block_reward: int,
    share_difficulty: Fraction | Decimal | int,
    network_difficulty: Fraction | Decimal | int,
    fee_percentage: Decimal | int,
) -> int:
    """Base units credited for one accepted share under PPS."""
    _check_reward(block_reward)
    value = (
        block_reward
        * _fraction(share_difficulty, "share difficulty")
        / _fraction(network_difficulty, "network_difficulty")
        * (1 - _percentage(fee_percentage) / 100)
    )
    return floor(value)


@dataclass
class PpsLedger:
    """The pool's running PPS position: what it has promised miners versus
    what blocks have brought in. ``liability > 0`` is money the pool is down."""

    credited: int = 0
    earned: int = 0

    @property
    def liability(self) -> int:
        return self.credited - self.earned

    def credit_share(self, credit: int) -> None:
        self.credited += credit

    def block_found(self, total_reward: int) -> None:
        self.earned += total_reward


def round_window(
    shares_oldest_first: Sequence[ShareRecord], previous_block_index: int | None, block_index: int
) -> Sequence[ShareRecord]:
    """The PROP round: shares after the previous block's share, through this block's."""
    start = 0 if previous_block_index is None else previous_block_index + 1
    if not 0 <= start <= block_index < len(shares_oldest_first):
        raise ValueError("block share index outside the share history")
    return shares_oldest_first[start : block_index + 1]
