"""A payout runner that really dies (os._exit, no cleanup) at one step of sending.

Usage: python payouts_crash_runner.py DATABASE_URL POOL_ID STEP WALLET
(RPC settings from CHIMERA_LITECOIND_RPC_URL/_USER/_PASSWORD). Exit code 3
means it crashed where asked; 0 means it finished (the step was never reached).
"""

from __future__ import annotations

import os
import sys
from uuid import UUID

from chimera_algo.payouts.sender import PayoutSender
from chimera_algo.payouts.wallet import WalletClient
from chimera_algo.pool.rpc import RpcSettings
from chimera_algo.store import open_store

CRASHED = 3


def main(url: str, pool_id: str, step: str, wallet: str) -> int:
    settings = RpcSettings(url=os.environ["CHIMERA_LITECOIND_RPC_URL"],
                           user=os.environ.get("CHIMERA_LITECOIND_RPC_USER", ""),
                           password=os.environ.get("CHIMERA_LITECOIND_RPC_PASSWORD", ""), timeout=60)

    def checkpoint(reached: str) -> None:
        if reached == step:
            sys.stdout.flush()
            os._exit(CRASHED)  # like kill -9: no finally blocks, no rollback handlers

    store = open_store(url)
    report = PayoutSender(store, WalletClient(settings, wallet), UUID(pool_id), checkpoint=checkpoint).send_pending()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
