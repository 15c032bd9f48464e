"""The node's wallet as the payout engine uses it, over the pool's JSON-RPC client.

``RpcClient`` (chimera_algo.pool.rpc) decodes JSON numbers as floats; money
must not pass through a float, so :class:`WalletClient` re-decodes replies
with ``parse_float=Decimal`` and sends amounts as strings (bitcoind and
litecoind accept an amount as a JSON string). Everything else — settings,
authentication, error mapping — is the pool client's.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Iterator

from chimera_algo.payouts.amounts import to_coins, to_units
from chimera_algo.pool.rpc import NodeError, RpcClient, RpcSettings

# Litecoin Core's -dustrelayfee default, litoshis per 1000 virtual bytes
# (measured on litecoind 0.21 regtest: 2940 litoshis is the smallest P2WPKH
# output it sends, 2939 is "Transaction amount too small").
LITECOIN_DUST_RELAY_FEE = 30000


class RpcError(NodeError):
    """The node answered with an error (the call was refused, nothing happened)."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        super().__init__(f"{method}: {message} (code {code})")
        self.code = code
        self.node_message = message


class NodeUnreachable(NodeError):
    """No answer from the node: whether the call took effect is unknown."""


@dataclass(frozen=True)
class WalletTransaction:
    txid: str
    comment: str
    confirmations: int
    fee_units: int  # positive: what the wallet paid the network
    outputs: dict[str, int]  # address -> units sent to it


class WalletClient(RpcClient):
    """RpcClient with exact money and one named wallet (``/wallet/<name>``)."""

    def __init__(self, settings: RpcSettings, wallet: str = "") -> None:
        url = settings.url.rstrip("/") + (f"/wallet/{wallet}" if wallet else "")
        super().__init__(replace(settings, url=url))
        self.wallet = wallet

    def call(self, method: str, *params: Any) -> Any:
        self._ids += 1
        body = json.dumps({"jsonrpc": "1.0", "id": self._ids, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(
            self.settings.url, data=body,
            headers={"Content-Type": "application/json", "Authorization": self._auth()},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                reply = json.loads(response.read(), parse_float=Decimal)
        except urllib.error.HTTPError as exc:
            try:
                reply = json.loads(exc.read(), parse_float=Decimal)
            except ValueError:
                raise NodeUnreachable(f"{method}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise NodeUnreachable(f"{method}: cannot reach node at {self.settings.url}: {exc}") from None
        if reply.get("error"):
            error = reply["error"]
            raise RpcError(method, error.get("code"), str(error.get("message", error)))
        return reply["result"]

    # -- queries --------------------------------------------------------------
    def balance_units(self, minconf: int = 1) -> int:
        return to_units(self.call("getbalance", "*", minconf))

    def validate_address(self, address: str) -> str | None:
        """The address's scriptPubKey hex, or None when the node calls it invalid."""
        reply = self.call("validateaddress", address)
        return reply.get("scriptPubKey") if reply.get("isvalid") else None

    def send_many(self, outputs: dict[str, int], comment: str, minconf: int = 1) -> str:
        amounts = {address: str(to_coins(units)) for address, units in outputs.items()}
        return self.call("sendmany", "", amounts, minconf, comment)

    def transaction(self, txid: str) -> WalletTransaction:
        tx = self.call("gettransaction", txid)
        outputs: dict[str, int] = {}
        for detail in tx.get("details", []):
            if detail.get("category") == "send":
                address = detail.get("address", "")
                outputs[address] = outputs.get(address, 0) - to_units(detail["amount"])
        return WalletTransaction(
            txid=tx["txid"], comment=tx.get("comment", ""), confirmations=int(tx.get("confirmations", 0)),
            fee_units=-to_units(tx.get("fee", 0)), outputs=outputs,
        )

    def sends_with_comment(self, comment: str, page: int = 500) -> list[str]:
        """txids of every wallet send whose comment is ``comment`` (whole history)."""
        found: list[str] = []
        for entry in self._all_transactions(page):
            if entry.get("category") == "send" and entry.get("comment") == comment and entry["txid"] not in found:
                found.append(entry["txid"])
        return found

    def sends_paying(self, outputs: dict[str, int], since: int, page: int = 500) -> list[str]:
        """txids of wallet sends at or after unix time ``since`` whose outputs
        to others are exactly ``outputs`` (address -> units), whatever their comment."""
        paid: dict[str, dict[str, int]] = {}
        for entry in self._all_transactions(page):
            if entry.get("category") == "send" and int(entry.get("time", 0)) >= since:
                to = paid.setdefault(entry["txid"], {})
                address = entry.get("address", "")
                to[address] = to.get(address, 0) - to_units(entry["amount"])
        return [txid for txid, to in paid.items() if to == outputs]

    def _all_transactions(self, page: int) -> Iterator[dict]:
        skip = 0
        while True:
            batch = self.call("listtransactions", "*", page, skip, True)
            yield from batch
            if len(batch) < page:
                return
            skip += page


def dust_limit(script_pubkey_hex: str, dust_relay_fee: int = LITECOIN_DUST_RELAY_FEE) -> int:
    """Smallest non-dust output to this script, in units (Bitcoin Core's GetDustThreshold).

    The output's size plus the size of the input that would spend it, priced
    at ``dust_relay_fee`` per 1000 bytes; witness inputs count a quarter of
    their signature bytes.
    """
    script_len = len(script_pubkey_hex) // 2
    output_size = 8 + _compact_size_len(script_len) + script_len
    is_witness = _is_witness_program(bytes.fromhex(script_pubkey_hex))
    spend_size = 32 + 4 + 1 + (107 // 4 if is_witness else 107) + 4
    return (output_size + spend_size) * dust_relay_fee // 1000


def _compact_size_len(n: int) -> int:
    return 1 if n < 0xFD else 3 if n <= 0xFFFF else 5


def _is_witness_program(script: bytes) -> bool:
    # OP_0 or OP_1..OP_16, then one push of 2..40 bytes filling the rest.
    return (
        4 <= len(script) <= 42
        and (script[0] == 0 or 0x51 <= script[0] <= 0x60)
        and script[1] + 2 == len(script)
    )
