"""A block template, node-agnostic: what a job is built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from chimera_algo.pool.serialize import sha256d
from chimera_algo.targets import bits_to_target


@dataclass(frozen=True)
class TemplateTx:
    """A non-coinbase transaction of the template."""

    data: bytes  # full serialization (with witness when it has one)
    txid: bytes  # internal byte order


@dataclass(frozen=True)
class BlockTemplate:
    height: int
    prevhash: bytes  # internal byte order (as in the header)
    version: int
    bits: int
    curtime: int
    mintime: int
    coinbase_value: int  # satoshis / litoshis available to the coinbase
    transactions: tuple[TemplateTx, ...] = ()
    witness_commitment: bytes | None = None  # the commitment output's script
    mweb: bytes | None = None  # Litecoin MWEB extension block, appended after the txs
    source: str = "node"
    target: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", bits_to_target(self.bits))

    @property
    def prevhash_hex(self) -> str:
        """The previous block hash as RPCs print it (byte-reversed)."""
        return self.prevhash[::-1].hex()


def tx_from_hex(data_hex: str, txid_hex: str | None = None) -> TemplateTx:
    """A TemplateTx from getblocktemplate's ``data`` (and ``txid`` when given)."""
    data = bytes.fromhex(data_hex)
    txid = bytes.fromhex(txid_hex)[::-1] if txid_hex else sha256d(data)
    return TemplateTx(data=data, txid=txid)
