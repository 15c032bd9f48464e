"""The etchash hasher: registry, Hasher interface, verify, bad input."""

from __future__ import annotations

import pytest

import chimera_algo
from chimera_algo import Hasher, get_hasher
from chimera_algo._core import ethash as native
from chimera_algo.ethash import ETC_MAINNET, ETHEREUM, EthashHasher, MixHashMismatch

from . import reference as ref

HEADER = bytes.fromhex("c9149cc0386e689d789a1c2f3d5d169a61a6218ed30e74414dc736e442ef3d1f")


def test_registry_serves_ethash_and_etchash():
    assert {"ethash", "etchash", "sha256d"} <= set(chimera_algo.algorithms())
    etc = get_hasher("etchash")
    eth = get_hasher("ethash")
    assert isinstance(etc, Hasher) and isinstance(eth, Hasher)
    assert (etc.name, etc.network) == ("etchash", ETC_MAINNET)
    assert (eth.name, eth.network) == ("ethash", ETHEREUM)
    assert get_hasher("etchash") is etc  # one process-wide hasher and cache set
    assert etc.digest_size == 32 and etc.isa == native.isa() and etc.version
    with pytest.raises(chimera_algo.UnknownAlgorithmError, match="etchash"):
        get_hasher("etchash2")


def test_verify_against_reference(tiny_hasher):
    seed = tiny_hasher.network.info(0).seed_hash
    ref_cache = ref.make_cache(1024, seed)
    mix, final = ref.hashimoto_light(32 * 1024, ref_cache, HEADER, 0x0102030405060708)
    assert tiny_hasher.verify(0, HEADER, 0x0102030405060708) == (final, mix)
    assert tiny_hasher.verify(0, HEADER.hex(), "0x0102030405060708", mix) == (final, mix)
    assert tiny_hasher.verify(0, HEADER, bytes.fromhex("0102030405060708"), mix.hex()) == (final, mix)


def test_wrong_mix_hash_is_rejected_before_the_boundary(tiny_hasher):
    final, mix = tiny_hasher.verify(0, HEADER, 9)
    bad = bytes([mix[0] ^ 1]) + mix[1:]
    with pytest.raises(MixHashMismatch, match="does not match"):
        tiny_hasher.verify(0, HEADER, 9, bad)
    # Even the loosest boundary does not accept a wrong mix.
    assert not tiny_hasher.meets_boundary(0, HEADER, 9, 2**256 - 1, mix_hash=bad)
    assert tiny_hasher.meets_boundary(0, HEADER, 9, 2**256 - 1, mix_hash=mix)


def test_boundary_is_big_endian_and_inclusive(tiny_hasher):
    final, mix = tiny_hasher.verify(0, HEADER, 9)
    value = int.from_bytes(final, "big")
    assert tiny_hasher.meets_boundary(0, HEADER, 9, value)
    assert not tiny_hasher.meets_boundary(0, HEADER, 9, value - 1)
    assert tiny_hasher.meets_boundary(0, HEADER, 9, final)  # 32 bytes big-endian


def test_generic_interface_at_a_block(tiny_hasher):
    view = tiny_hasher.at_block(95_000)
    assert view.block_number == 95_000 and tiny_hasher.block_number == 0
    assert view.caches is tiny_hasher.caches
    seal = HEADER + (123456789).to_bytes(8, "big")
    final, _ = tiny_hasher.verify(95_000, HEADER, 123456789)
    assert view.hash(seal) == final
    other = HEADER[::-1] + (5).to_bytes(8, "big")
    assert view.hash_many(seal + other, 40) == final + view.hash(other)
    assert view.meets_target(seal, int.from_bytes(final, "big"))
    assert not view.meets_target(seal, int.from_bytes(final, "big") - 1)


def test_scan_finds_exactly_the_nonces_under_target(tiny_hasher):
    start, count = 2**64 - 10, 40  # wraps around 2**64
    nonces = [(start + i) % 2**64 for i in range(count)]
    values = {n: int.from_bytes(tiny_hasher.verify(0, HEADER, n)[0], "big") for n in nonces}
    target = sorted(values.values())[7]
    hits = tiny_hasher.scan(HEADER, start, count, target)
    assert hits == [n for n in nonces if values[n] <= target]
    assert len(hits) == 8


def test_next_epoch_cache_is_prefetched(tiny_network):
    from chimera_algo.ethash import CacheManager
    from chimera_algo.ethash.cache import CacheKey

    caches = CacheManager(directory=None)
    hasher = EthashHasher(tiny_network, caches=caches)
    hasher.verify(0, HEADER, 1)
    nxt = tiny_network.info(30_000)
    key = CacheKey(nxt.seed_hash, nxt.cache_size)
    assert key in caches.pending_keys() or key in caches.cached_keys()
    caches.get(nxt.seed_hash, nxt.cache_size)
    assert caches.stats.builds == 2  # epoch 0 and the prefetched epoch 1, nothing twice


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"header_hash": HEADER[:31]}, ValueError, "header hash must be 32 bytes, got 31"),
        ({"header_hash": HEADER + b"\0"}, ValueError, "header hash must be 32 bytes, got 33"),
        ({"header_hash": "zz" * 32}, ValueError, "header hash is not valid hex"),
        ({"header_hash": 5}, TypeError, "header hash must be bytes or a hex string"),
        ({"nonce": -1}, ValueError, r"nonce must be in \[0, 2\*\*64\)"),
        ({"nonce": 2**64}, ValueError, r"nonce must be in \[0, 2\*\*64\)"),
        ({"nonce": b"\0" * 7}, ValueError, "nonce must be 8 bytes"),
        ({"nonce": True}, TypeError, "nonce"),
        ({"block_number": -1}, ValueError, "block number must be in"),
        ({"block_number": 2**63}, ValueError, "block number must be in"),
        ({"mix_hash": b"\0" * 31}, ValueError, "mix hash must be 32 bytes, got 31"),
        ({"mix_hash": "00" * 33}, ValueError, "mix hash must be 32 bytes, got 33"),
    ],
)
def test_bad_input_is_a_clear_error(tiny_hasher, kwargs, error, message):
    args = {"block_number": 0, "header_hash": HEADER, "nonce": 1, "mix_hash": None} | kwargs
    with pytest.raises(error, match=message):
        tiny_hasher.verify(**args)


def test_bad_generic_input(tiny_hasher):
    with pytest.raises(ValueError, match="40 bytes"):
        tiny_hasher.hash(b"\0" * 32)
    with pytest.raises(ValueError, match="item_size must be 40"):
        tiny_hasher.hash_many(b"\0" * 80, 80)
    with pytest.raises(ValueError, match="divide the buffer length"):
        tiny_hasher.hash_many(b"\0" * 50, 40)
    with pytest.raises(ValueError, match="boundary must be in"):
        tiny_hasher.meets_boundary(0, HEADER, 1, 2**256)
    with pytest.raises(ValueError, match="count must be"):
        tiny_hasher.scan(HEADER, 0, -1, 5)
    with pytest.raises(ValueError, match="header must be the 32-byte header hash"):
        tiny_hasher.scan(HEADER[:20], 0, 1, 5)
    with pytest.raises(ValueError, match="block number"):
        tiny_hasher.at_block(-3)


def test_native_layer_rejects_bad_sizes():
    cache = native.Cache.build(bytes(32), 1024)
    with pytest.raises(ValueError, match="multiple of 128"):
        cache.hashimoto_light(1000, HEADER, 0)
    with pytest.raises(ValueError, match="header hash must be exactly 32 bytes"):
        cache.hashimoto_light(1024, HEADER[:5], 0)
    with pytest.raises(ValueError, match="multiple of 64"):
        native.Cache.build(bytes(32), 1000)
    with pytest.raises(TypeError, match="writable"):
        cache.fill_dataset(0, b"\0" * 64)
    with pytest.raises(ValueError, match="multiple of 128"):
        native.Dataset(bytearray(100))
    with pytest.raises(ValueError, match="unknown or not supported"):
        native.use_variant("avx9000")
