"""Reward splitting: worked examples computed by hand, and properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chimera_algo.payouts import schemes
from chimera_algo.payouts.amounts import to_coins, to_units
from chimera_algo.payouts.schemes import PpsLedger, ShareRecord


def S(user, diff):
    return ShareRecord(user, diff)


class TestWorkedExamples:
    def test_pplns_prorates_the_share_that_fills_the_window(self):
        # Network difficulty 100, N = 2 -> the window holds 200 difficulty.
        # Newest first: alice 80, bob 100, alice 50 (only 20 of it fits), carol 70 (outside).
        # Weights: alice 0.8 + 0.2 = 1.0, bob 1.0.  Reward 6.25 coins = 625,000,000 units,
        # fee 1% = 6,250,000, distributable 618,750,000 split 1:1 = 309,375,000 each.
        shares = [S("alice", 80), S("bob", 100), S("alice", 50), S("carol", 70)]
        split = schemes.pplns(shares, 625_000_000, 100, Decimal("1.0"))
        assert split.fee == 6_250_000
        assert split.credits == {"alice": 309_375_000, "bob": 309_375_000}
        assert split.remainder == 0

    def test_pplns_with_short_history_splits_everything(self):
        # Only 0.3 + 0.2 of a 2.0 window: the two miners split 3:2 of the whole.
        # 1,000 units, fee 0: alice floor(1000*3/5)=600, bob 400.
        split = schemes.pplns([S("alice", 30), S("bob", 20)], 1_000, 100, 0)
        assert split.credits == {"alice": 600, "bob": 400} and split.remainder == 0

    def test_prop_remainder_goes_to_the_pool(self):
        # Three equal miners, 100 units, 2% fee: fee 2, 98 left, floor(98/3)=32 each,
        # remainder 98 - 96 = 2 kept by the pool.
        shares = [S("a", 5), S("b", 5), S("c", 5)]
        split = schemes.prop(shares, 100, 2)
        assert (split.fee, split.remainder) == (2, 2)
        assert split.credits == {"a": 32, "b": 32, "c": 32}

    def test_pps_credit_per_share(self):
        # 12.5 coin reward, share difficulty 1,000 at network difficulty 1,000,000,
        # fee 2%: 1,250,000,000 * 1/1000 * 0.98 = 1,225,000 units.
        assert schemes.pps_credit(1_250_000_000, 1000, 1_000_000, 2) == 1_225_000
        # 1 unit * 1/3: floored to 0 -- the pool keeps fractions.
        assert schemes.pps_credit(1, 1, 3, 0) == 0

    def test_pps_ledger_tracks_the_pools_risk(self):
        ledger = PpsLedger()
        for _ in range(3):
            ledger.credit_share(1_225_000)
        assert ledger.liability == 3_675_000
        ledger.block_found(1_250_000_000)
        assert ledger.liability == 3_675_000 - 1_250_000_000

    def test_prop_round_window(self):
        history = [S("a", 1), S("b", 1), S("c", 1), S("d", 1)]
        assert schemes.round_window(history, 0, 2) == history[1:3]
        assert schemes.round_window(history, None, 1) == history[:2]
        with pytest.raises(ValueError, match="outside the share history"):
            schemes.round_window(history, None, 4)


class TestBadInput:
    def test_floats_never_enter_money(self):
        with pytest.raises(TypeError, match="float"):
            schemes.pps_credit(100, 1.5, 10, 0)
        with pytest.raises(TypeError, match="float"):
            schemes.prop([S("a", 1)], 100, 1.0)
        with pytest.raises(TypeError, match="integer base units"):
            schemes.prop([S("a", 1)], Decimal("1.5"), 1)
        with pytest.raises(TypeError, match="never float"):
            to_units(0.1)

    def test_out_of_range(self):
        with pytest.raises(ValueError, match="fee_percentage must be in"):
            schemes.prop([S("a", 1)], 100, 101)
        with pytest.raises(ValueError, match="share difficulty must be > 0"):
            schemes.prop([S("a", 0)], 100, 1)
        with pytest.raises(ValueError, match="network_difficulty must be > 0"):
            schemes.pplns([S("a", 1)], 100, 0, 1)
        with pytest.raises(ValueError, match="more than 8 decimal places"):
            to_units("0.000000001")


def test_amount_conversion_is_exact():
    assert to_units("6.25") == 625_000_000
    assert to_coins(1) == Decimal("0.00000001")
    assert str(to_coins(625_000_000)) == "6.25000000"


users = st.sampled_from(["a", "b", "c", "d", "e"])
difficulties = st.one_of(
    st.integers(min_value=1, max_value=10**6),
    st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(10**6)),
)
share_lists = st.lists(st.builds(ShareRecord, users, difficulties), min_size=1, max_size=60)
rewards = st.integers(min_value=0, max_value=10**12)
fees = st.decimals(min_value=0, max_value=100, places=4)
net_diffs = st.integers(min_value=1, max_value=10**7)


def _check_split(split, reward):
    assert all(c >= 0 for c in split.credits.values())
    assert split.fee >= 0 and split.remainder >= 0
    assert sum(split.credits.values()) + split.fee + split.remainder == reward
    # Flooring loses less than one unit per credited user.
    assert split.remainder < max(1, len(split.credits))


@given(share_lists, rewards, net_diffs, fees)
def test_pplns_properties(shares, reward, net, fee):
    split = schemes.pplns(shares, reward, net, fee)
    _check_split(split, reward)
    assert schemes.pplns(list(shares), reward, net, fee) == split  # deterministic


@given(share_lists, rewards, fees)
def test_prop_properties(shares, reward, fee):
    split = schemes.prop(shares, reward, fee)
    _check_split(split, reward)
    assert schemes.prop(list(shares), reward, fee) == split


@given(share_lists, users, st.lists(difficulties, min_size=1, max_size=5), st.integers(0, 60),
       rewards, net_diffs, fees)
def test_pplns_own_shares_never_lower_a_miners_credit(shares, user, extra, position, reward, net, fee):
    before = schemes.pplns(shares, reward, net, fee).credits.get(user, 0)
    position = min(position, len(shares))
    more = shares[:position] + [ShareRecord(user, d) for d in extra] + shares[position:]
    after = schemes.pplns(more, reward, net, fee).credits.get(user, 0)
    assert after >= before


@given(rewards, difficulties, net_diffs, fees)
def test_pps_credit_bounded_by_exact_value(reward, diff, net, fee):
    credit = schemes.pps_credit(reward, diff, net, fee)
    exact = Fraction(reward) * Fraction(diff) / net * (1 - Fraction(fee) / 100)
    assert 0 <= credit <= exact < credit + 1
