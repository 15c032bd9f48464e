"""Where templates come from: the interface the server uses."""

from __future__ import annotations

from typing import Callable, Protocol

from chimera_algo.pool.template import BlockTemplate

TemplateCallback = Callable[[BlockTemplate], None]


class TemplateSource(Protocol):
    """A chain to mine on (a node over JSON-RPC, or the embedded simnet)."""

    async def start(self, on_new_block: TemplateCallback) -> BlockTemplate:
        """Begin watching the chain; returns the first template and calls
        ``on_new_block`` with a fresh template whenever the tip changes."""
        ...

    async def fetch_template(self) -> BlockTemplate:
        """A fresh template on the current tip (new transactions, new time)."""
        ...

    async def submit_block(self, block: bytes) -> str | None:
        """Submit a block; None when accepted, else the rejection reason."""
        ...

    async def block_status(self, height: int, block_hash: str) -> tuple[str, int]:
        """("pending" | "orphaned", confirmations of our block at ``height``)."""
        ...

    async def stop(self) -> None: ...
