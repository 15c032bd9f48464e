"""Payout address → output script (bech32/bech32m segwit, base58check P2PKH/P2SH).

Network prefixes are checked against the coin's parameters so a mainnet
address in a regtest pool is an error, not lost coins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class AddressError(ValueError):
    """A payout address that cannot be turned into an output script."""


@dataclass(frozen=True)
class AddressFormat:
    """What a coin network's addresses look like."""

    bech32_hrp: str
    p2pkh_versions: tuple[int, ...]
    p2sh_versions: tuple[int, ...]


NETWORKS: dict[str, AddressFormat] = {
    "bitcoin-main": AddressFormat("bc", (0,), (5,)),
    "bitcoin-test": AddressFormat("tb", (111,), (196,)),
    "bitcoin-regtest": AddressFormat("bcrt", (111,), (196,)),
    "litecoin-main": AddressFormat("ltc", (48,), (50, 5)),
    "litecoin-test": AddressFormat("tltc", (111,), (58, 196)),
    "litecoin-regtest": AddressFormat("rltc", (111,), (58, 196)),
}


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: list[int], from_bits: int, to_bits: int) -> bytes:
    acc = bits = 0
    out = bytearray()
    maxv = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if bits >= from_bits or (acc << (to_bits - bits)) & maxv:
        raise AddressError("invalid bech32 padding")
    return bytes(out)


def _decode_segwit(address: str, hrp: str) -> bytes:
    if address.lower() != address and address.upper() != address:
        raise AddressError(f"{address!r} mixes upper and lower case")
    address = address.lower()
    sep = address.rfind("1")
    if address[:sep] != hrp:
        raise AddressError(f"{address!r} is not for this network (expected prefix {hrp}1)")
    try:
        data = [_BECH32_ALPHABET.index(c) for c in address[sep + 1 :]]
    except ValueError:
        raise AddressError(f"{address!r} has a character outside the bech32 alphabet") from None
    if len(data) < 7:
        raise AddressError(f"{address!r} is too short")
    const = _polymod(_hrp_expand(hrp) + data)
    witver = data[0]
    if const not in (_BECH32_CONST, _BECH32M_CONST) or (const == _BECH32_CONST) != (witver == 0):
        raise AddressError(f"{address!r} has a bad checksum")
    program = _convert_bits(data[1:-6], 5, 8)
    if witver > 16 or not 2 <= len(program) <= 40 or (witver == 0 and len(program) not in (20, 32)):
        raise AddressError(f"{address!r} has an invalid witness program")
    return bytes([0x50 + witver if witver else 0, len(program)]) + program


def _decode_base58check(address: str) -> bytes:
    n = 0
    for c in address:
        idx = _B58_ALPHABET.find(c)
        if idx < 0:
            raise AddressError(f"{address!r} has a character outside base58")
        n = n * 58 + idx
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(address) - len(address.lstrip("1"))) + raw
    payload, checksum = raw[:-4], raw[-4:]
    if len(payload) != 21 or hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        raise AddressError(f"{address!r} has a bad checksum or length")
    return payload


def output_script(address: str, network: str) -> bytes:
    """The scriptPubKey paying ``address`` on ``network`` (a key of NETWORKS)."""
    try:
        fmt = NETWORKS[network]
    except KeyError:
        raise AddressError(f"unknown network {network!r}; expected one of {', '.join(NETWORKS)}") from None
    if address.lower().startswith(fmt.bech32_hrp + "1"):
        return _decode_segwit(address, fmt.bech32_hrp)
    if any(address.lower().startswith(other.bech32_hrp + "1") for other in NETWORKS.values()):
        raise AddressError(f"{address!r} is not a {network} address (expected prefix {fmt.bech32_hrp}1)")
    payload = _decode_base58check(address)
    version, body = payload[0], payload[1:]
    if version in fmt.p2pkh_versions:
        return b"\x76\xa9\x14" + body + b"\x88\xac"
    if version in fmt.p2sh_versions:
        return b"\xa9\x14" + body + b"\x87"
    raise AddressError(f"{address!r} is not a {network} address (version byte {version})")
