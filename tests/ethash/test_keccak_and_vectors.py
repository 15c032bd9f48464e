"""Keccak against pycryptodome; ethash against published vectors."""

from __future__ import annotations

import hashlib

import pytest
from Crypto.Hash import keccak
from hypothesis import given
from hypothesis import strategies as st

from chimera_algo._core import ethash as native
from chimera_algo.ethash import ETHEREUM, EthashHasher, CacheManager

from .conftest import load

VARIANTS = [isa for isa, ok in native.variants() if ok]


@pytest.fixture(params=VARIANTS)
def variant(request):
    before = native.isa()
    native.use_variant(request.param)
    yield request.param
    native.use_variant(before)


@pytest.mark.parametrize("length", [0, 1, 31, 32, 40, 71, 72, 73, 135, 136, 137, 200, 1000])
def test_keccak_matches_pycryptodome_at_rate_boundaries(variant, length):
    data = bytes((i * 7 + length) & 0xFF for i in range(length))
    assert native.keccak256(data) == keccak.new(digest_bits=256, data=data).digest()
    assert native.keccak512(data) == keccak.new(digest_bits=512, data=data).digest()


@given(st.binary(max_size=600))
def test_keccak_random_inputs(data):
    assert native.keccak256(data) == keccak.new(digest_bits=256, data=data).digest()
    assert native.keccak512(data) == keccak.new(digest_bits=512, data=data).digest()


def test_keccak_is_not_sha3():
    # Original Keccak padding: the empty-string digests differ from SHA3-256.
    assert native.keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert native.keccak256(b"") != hashlib.sha3_256(b"").digest()


def test_geth_small_caches(variant):
    v = load("geth_small_vectors.json")
    assert bytes(native.Cache.build(bytes(32), 1024)).hex() == v["cache_1024_epoch0"]
    assert bytes(native.Cache.build(native.seed_hash(1), 1024)).hex() == v["cache_1024_epoch1"]


def test_geth_small_dataset_and_hashimoto(variant):
    v = load("geth_small_vectors.json")
    cache = native.Cache.build(bytes(32), 1024)
    head = bytearray(len(bytes.fromhex(v["dataset_32k_epoch0_head"])))
    cache.fill_dataset(0, head)
    assert head.hex() == v["dataset_32k_epoch0_head"]

    h = v["hashimoto_cache1024_full32k_epoch0"]
    header = bytes.fromhex(h["header_hash"])
    final, mix = cache.hashimoto_light(32 * 1024, header, h["nonce"])
    assert (mix.hex(), final.hex()) == (h["mix_hash"], h["final_hash"])

    dataset = bytearray(32 * 1024)
    cache.fill_dataset(0, dataset)
    full = native.Dataset(dataset)
    assert full.hashimoto_full(header, h["nonce"]) == (final, mix)


@pytest.mark.parametrize("name,case", sorted(load("ethash_tests.json").items()))
def test_ethereum_pow_tests(name, case, tmp_path, variant):
    header_hash = bytes.fromhex(case["header_hash"])
    assert keccak.new(digest_bits=256, data=_header_without_seal(case)).digest() == header_hash

    # The vectors are epoch 0: its sizes and seed must come out of block 0.
    info = ETHEREUM.info(0)
    assert info.seed_hash.hex() == case["seed"]
    assert (info.cache_size, info.full_size) == (case["cache_size"], case["full_size"])

    cache = native.Cache.build(info.seed_hash, info.cache_size)
    assert keccak.new(digest_bits=256, data=bytes(cache)).hexdigest() == case["cache_hash"]

    hasher = EthashHasher(ETHEREUM, caches=CacheManager(directory=None), prefetch_next=False)
    nonce = bytes.fromhex(case["nonce"])
    final, mix = hasher.verify(0, header_hash, nonce, bytes.fromhex(case["mixhash"]))
    assert final.hex() == case["result"]
    assert mix.hex() == case["mixhash"]
    assert native.final_hash_from_mix(header_hash, int.from_bytes(nonce, "big"), mix) == final


def _header_without_seal(case) -> bytes:
    """The RLP header minus its last two items (mix hash, nonce): what the
    header hash covers. The header is one long RLP list (0xf9 + 2-byte length)."""
    rlp = bytes.fromhex(case["header"])
    seal = b"\xa0" + bytes.fromhex(case["mixhash"]) + b"\x88" + bytes.fromhex(case["nonce"])
    assert rlp[0] == 0xF9 and int.from_bytes(rlp[1:3], "big") == len(rlp) - 3
    assert rlp.endswith(seal)
    body = rlp[3 : -len(seal)]
    return b"\xf9" + len(body).to_bytes(2, "big") + body


def test_published_size_tables():
    sizes = load("sizes.json")
    assert len(sizes["cache_sizes"]) >= 40 and len(sizes["full_sizes"]) >= 25
    for epoch, size in sizes["cache_sizes"]:
        assert native.cache_size(epoch) == size, epoch
    for epoch, size in sizes["full_sizes"]:
        assert native.dataset_size(epoch) == size, epoch
