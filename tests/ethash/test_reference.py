"""Differential tests against the pure-Python reference on tiny sizes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chimera_algo._core import ethash as native

from . import reference as ref

# Sizes deliberately not the spec's: odd node counts, non-prime, tiny.
SIZES = [(64 * 17, 128 * 40), (64 * 31, 128 * 101), (1024, 32 * 1024)]


@pytest.fixture(scope="module")
def ref_caches():
    out = {}
    for rounds in (0, 1, 7):
        seed = ref.seed_hash(rounds)
        for cache_size, _ in SIZES:
            out[seed, cache_size] = ref.make_cache(cache_size, seed)
    return out


def test_size_rule_matches_reference_on_early_epochs():
    for epoch in (0, 1, 2, 3, 30, 100):
        assert native.cache_size(epoch) == ref.cache_size(epoch)
        assert native.dataset_size(epoch) == ref.full_size(epoch)


@pytest.mark.parametrize("rounds", [0, 1, 7])
def test_seed_hash_matches_reference(rounds):
    assert native.seed_hash(rounds) == ref.seed_hash(rounds)


@pytest.mark.parametrize("rounds", [0, 1, 7])
@pytest.mark.parametrize("cache_size,full_size", SIZES)
def test_cache_and_dataset_match_reference(ref_caches, rounds, cache_size, full_size):
    seed = ref.seed_hash(rounds)
    cache = native.Cache.build(seed, cache_size)
    expected = ref_caches[seed, cache_size]
    assert bytes(cache) == b"".join(ref.serialize(row) for row in expected)

    first = 3
    out = bytearray(64 * 5)  # an odd count exercises the paired and the single path
    cache.fill_dataset(first, out)
    for k in range(5):
        assert out[64 * k : 64 * k + 64] == ref.serialize(ref.calc_dataset_item(expected, first + k))


@settings(max_examples=12, deadline=None)
@given(
    header=st.binary(min_size=32, max_size=32),
    nonce=st.integers(min_value=0, max_value=2**64 - 1),
    which=st.sampled_from(range(len(SIZES))),
)
def test_light_and_full_match_reference(ref_caches, header, nonce, which):
    cache_size, full_size = SIZES[which]
    seed = ref.seed_hash(1)
    cache = native.Cache.build(seed, cache_size)
    want_mix, want_final = ref.hashimoto_light(full_size, ref_caches[seed, cache_size], header, nonce)

    assert cache.hashimoto_light(full_size, header, nonce) == (want_final, want_mix)

    dataset = bytearray(full_size)
    cache.fill_dataset(0, dataset)
    assert native.Dataset(dataset).hashimoto_full(header, nonce) == (want_final, want_mix)
