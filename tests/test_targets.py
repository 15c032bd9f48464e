from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chimera_algo import get_hasher, targets

GENESIS_BTC = bytes.fromhex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
    "7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)


def test_bitcoin_genesis_bits_are_diff1():
    assert targets.bits_to_target(0x1D00FFFF) == 0xFFFF << 208 == targets.BITCOIN_DIFF1
    assert targets.target_to_difficulty(targets.BITCOIN_DIFF1) == 1.0


def test_litecoin_genesis_bits():
    # Litecoin genesis nBits 0x1e0ffff0: target 0x0ffff0 << 8*(0x1e-3)
    assert targets.bits_to_target(0x1E0FFFF0) == 0x0FFFF0 << (8 * 27)
    # Its network difficulty (Bitcoin diff-1 units) is 1/4096 of diff-1 ... ~0.000244
    assert targets.target_to_difficulty(targets.bits_to_target(0x1E0FFFF0)) == pytest.approx(
        1 / 4096, rel=1e-4
    )


def test_scrypt_share_difficulty_is_scaled_by_65536():
    assert targets.difficulty_to_target(1, "scrypt") == 0xFFFF << 224
    assert targets.difficulty_to_target(65536, "scrypt") == targets.difficulty_to_target(1)
    assert targets.target_to_difficulty(0xFFFF << 224, "scrypt") == 1.0


def test_ethash_difficulty():
    assert targets.difficulty_to_target(2, "etchash") == 1 << 255
    assert targets.difficulty_to_target(1, "etchash") == targets.MAX_TARGET


def test_hash_to_difficulty_of_genesis():
    digest = get_hasher("sha256d").hash(GENESIS_BTC)
    d = targets.hash_to_difficulty(digest)
    assert 2536 < d < 2537  # the genesis block hash beats difficulty 1 by ~2536x
    assert targets.hash_to_difficulty(bytes(32)) == float("inf")


@given(st.integers(min_value=1, max_value=targets.MAX_TARGET))
def test_bits_round_trip_loses_only_low_bits(target):
    bits = targets.target_to_bits(target)
    back = targets.bits_to_target(bits)
    assert back <= target
    assert target - back < 1 << max(0, target.bit_length() - 16)


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=Fraction(10**12)))
def test_difficulty_target_round_trip(d):
    target = targets.difficulty_to_target(d)
    assert targets.target_to_difficulty(target) == pytest.approx(float(d), rel=1e-9)


def test_bad_values_are_refused_with_reasons():
    with pytest.raises(ValueError, match="difficulty must be > 0"):
        targets.difficulty_to_target(0)
    with pytest.raises(TypeError, match="difficulty must be a number"):
        targets.difficulty_to_target("1")
    with pytest.raises(ValueError, match="unknown coin family 'dogecoin'"):
        targets.difficulty_to_target(1, "dogecoin")
    with pytest.raises(ValueError, match="negative target"):
        targets.bits_to_target(0x1D80FFFF)
    with pytest.raises(ValueError, match="32-bit"):
        targets.bits_to_target(1 << 32)
    with pytest.raises(ValueError, match=r"target must be in \[0, 2\*\*256\)"):
        targets.target_to_difficulty(-1)
