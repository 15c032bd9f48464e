"""A bitcoind/litecoind JSON-RPC template source.

Polls ``getbestblockhash`` for new blocks (cheap, no long-lived request),
fetches ``getblocktemplate`` with the coin's rules, submits blocks with
``submitblock`` and checks them with ``getblockhash``. HTTP runs in a
worker thread so the event loop never waits on the node.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chimera_algo.pool.sources import TemplateCallback
from chimera_algo.pool.template import BlockTemplate, tx_from_hex

log = logging.getLogger(__name__)


class NodeError(RuntimeError):
    """The node answered with an error or could not be reached."""


@dataclass(frozen=True)
class RpcSettings:
    url: str
    user: str = ""
    password: str = ""
    cookie_file: str = ""
    rules: tuple[str, ...] = ("segwit",)
    poll_interval: float = 0.5
    timeout: float = 30.0


class RpcClient:
    """Blocking JSON-RPC 1.0 client (call it from a thread)."""

    def __init__(self, settings: RpcSettings):
        self.settings = settings
        self._ids = 0

    def _auth(self) -> str:
        if self.settings.cookie_file:
            credentials = Path(self.settings.cookie_file).read_text().strip()
        else:
            credentials = f"{self.settings.user}:{self.settings.password}"
        return "Basic " + base64.b64encode(credentials.encode()).decode()

    def call(self, method: str, *params: Any) -> Any:
        self._ids += 1
        body = json.dumps({"jsonrpc": "1.0", "id": self._ids, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(
            self.settings.url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": self._auth()},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                reply = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            # bitcoind answers RPC errors with HTTP 500 and a JSON body.
            try:
                reply = json.loads(exc.read())
            except ValueError:
                raise NodeError(f"{method}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise NodeError(f"{method}: cannot reach node at {self.settings.url}: {exc}") from None
        if reply.get("error"):
            error = reply["error"]
            raise NodeError(f"{method}: {error.get('message', error)} (code {error.get('code')})")
        return reply["result"]


def template_from_gbt(gbt: dict) -> BlockTemplate:
    """A BlockTemplate from a ``getblocktemplate`` result."""
    commitment = gbt.get("default_witness_commitment")
    mweb = gbt.get("mweb")
    return BlockTemplate(
        height=int(gbt["height"]),
        prevhash=bytes.fromhex(gbt["previousblockhash"])[::-1],
        version=int(gbt["version"]),
        bits=int(gbt["bits"], 16),
        curtime=int(gbt["curtime"]),
        mintime=int(gbt.get("mintime", gbt["curtime"])),
        coinbase_value=int(gbt["coinbasevalue"]),
        transactions=tuple(tx_from_hex(tx["data"], tx.get("txid")) for tx in gbt.get("transactions", [])),
        witness_commitment=bytes.fromhex(commitment) if commitment else None,
        mweb=bytes.fromhex(mweb) if mweb else None,
        source="node",
    )


class RpcSource:
    """TemplateSource backed by a node."""

    def __init__(self, settings: RpcSettings):
        self.settings = settings
        self.client = RpcClient(settings)
        self._best: str | None = None
        self._task: asyncio.Task | None = None
        self._on_new_block: TemplateCallback | None = None

    async def call(self, method: str, *params: Any) -> Any:
        return await asyncio.to_thread(self.client.call, method, *params)

    async def fetch_template(self) -> BlockTemplate:
        gbt = await self.call("getblocktemplate", {"rules": list(self.settings.rules)})
        return template_from_gbt(gbt)

    async def start(self, on_new_block: TemplateCallback) -> BlockTemplate:
        self._on_new_block = on_new_block
        self._best = await self.call("getbestblockhash")
        template = await self.fetch_template()
        self._task = asyncio.create_task(self._poll())
        return template

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll_interval)
            try:
                await self._check_tip()
            except NodeError as exc:
                log.warning("node poll failed: %s", exc)

    async def submit_block(self, block: bytes) -> str | None:
        try:
            result = await self.call("submitblock", block.hex())
        except NodeError as exc:
            return str(exc)
        # "inconclusive": valid but not (yet) on the best chain; block tracking
        # decides confirmed or orphaned. Anything else is a rejection reason.
        if result not in (None, "inconclusive"):
            return str(result)
        try:
            await self._check_tip()  # new work now rather than at the next poll
        except NodeError as exc:
            log.warning("after submitblock: %s (the poll will catch up)", exc)
        return None

    async def _check_tip(self) -> None:
        best = await self.call("getbestblockhash")
        if best != self._best:
            self._best = best
            template = await self.fetch_template()
            if self._on_new_block is not None:
                self._on_new_block(template)

    async def block_status(self, height: int, block_hash: str) -> tuple[str, int]:
        try:
            tip = await self.call("getblockcount")
            if height > tip:
                return "pending", 0
            at_height = await self.call("getblockhash", height)
        except NodeError:
            return "pending", 0
        if at_height != block_hash:
            return "orphaned", 0
        return "pending", tip - height + 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
