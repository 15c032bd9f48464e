"""``chimera miner --url stratum+tcp://HOST:PORT --user NAME.WORKER``."""

from __future__ import annotations

import argparse
import asyncio
import time

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("miner", help="the bundled CPU miner (Stratum V1 client)")
    parser.add_argument("--url", required=True, help="stratum+tcp://HOST:PORT")
    parser.add_argument("--user", required=True, help="NAME.WORKER")
    parser.add_argument("--password", default="x")
    parser.add_argument("--algo", default="sha256d", help="algorithm (default sha256d)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.set_defaults(func=_miner)


def _miner(args: argparse.Namespace) -> int:
    from chimera_algo.pool.app import cancel, format_rate, run
    from chimera_algo.pool.miner import MinerError, StratumMiner
    from chimera_algo.registry import UnknownAlgorithmError

    try:
        miner = StratumMiner(args.url, args.user, args.password, args.algo, args.threads)
    except (MinerError, UnknownAlgorithmError) as exc:
        raise CommandError(str(exc)) from None

    async def main() -> int:
        task = asyncio.create_task(miner.run())
        began = time.monotonic()
        try:
            while args.duration is None or time.monotonic() - began < args.duration:
                await asyncio.sleep(5 if args.duration is None else min(5, args.duration))
                if task.done():
                    task.result()
                s = miner.stats
                print(
                    f"{format_rate(miner.hashrate)} | accepted {s.accepted} rejected {s.rejected} | "
                    f"difficulty {s.difficulty:.4g}" + (f" | last error: {s.last_error}" if s.last_error else ""),
                    flush=True,
                )
        except (OSError, MinerError) as exc:
            raise CommandError(f"miner stopped: {exc}") from None
        finally:
            await cancel(task)
        return 0

    return run(main)
