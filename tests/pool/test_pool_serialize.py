import hashlib

from hypothesis import given, strategies as st

from chimera_algo.pool.address import AddressError, output_script
from chimera_algo.pool.serialize import (
    header,
    merkle_branch,
    merkle_root,
    merkle_root_from_branch,
    read_varint,
    script_number,
    sha256d,
    swap_words,
    varint,
)
import pytest


def test_genesis_header_hash():
    # Bitcoin's genesis block: fields as published, hash as every node prints it.
    merkle = bytes.fromhex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")[::-1]
    head = header(1, b"\x00" * 32, merkle, 1231006505, 0x1D00FFFF, 2083236893)
    assert sha256d(head)[::-1].hex() == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"


@pytest.mark.parametrize(
    "height,expected",
    [(0, "00"), (1, "51"), (16, "60"), (17, "0111"), (127, "017f"), (128, "028000"), (255, "02ff00"),
     (256, "020001"), (500000, "0320a107"), (8388608, "0400008000")],
)
def test_script_number_bip34(height, expected):
    assert script_number(height).hex() == expected


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_varint_roundtrip(n):
    encoded = varint(n)
    assert read_varint(encoded + b"rest", 0) == (n, len(encoded))


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=40), st.binary(min_size=32, max_size=32))
def test_branch_rebuilds_full_merkle_root(txids, coinbase_hash):
    assert merkle_root_from_branch(coinbase_hash, merkle_branch(txids)) == merkle_root([coinbase_hash, *txids])


def test_swap_words_is_an_involution():
    data = bytes(range(32))
    assert swap_words(data)[:4] == bytes([3, 2, 1, 0])
    assert swap_words(swap_words(data)) == data


@pytest.mark.parametrize(
    "address,network,script",
    [
        # BIP173 vector (P2WPKH), a well-known P2PKH, and BIP350 (bech32m, v1).
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bitcoin-main", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "bitcoin-main", "76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "bitcoin-main",
            "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        ),
    ],
)
def test_output_script(address, network, script):
    assert output_script(address, network).hex() == script


@pytest.mark.parametrize(
    "address,network,words",
    [
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "bitcoin-main", "checksum"),
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "litecoin-regtest", "not a litecoin-regtest address"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bitcoin-main", "checksum"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "dogecoin", "unknown network"),
    ],
)
def test_bad_addresses_are_explained(address, network, words):
    with pytest.raises(AddressError, match=words):
        output_script(address, network)


def test_sha256d_matches_hashlib():
    assert sha256d(b"abc") == hashlib.sha256(hashlib.sha256(b"abc").digest()).digest()
