"""``chimera pool run --config pool.toml`` and ``chimera pool demo``."""

from __future__ import annotations

import argparse
import asyncio
import logging

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pool", help="run the Stratum pool")
    commands = parser.add_subparsers(dest="pool_command", metavar="SUBCOMMAND", required=True)

    run = commands.add_parser("run", help="run a pool from a TOML configuration")
    run.add_argument("--config", required=True, help="path to pool.toml")
    run.add_argument("--log-level", default="INFO")
    run.set_defaults(func=_run)

    demo = commands.add_parser("demo", help="pool on a simulated chain + the bundled miner, with live stats")
    demo.add_argument("--algo", default="sha256d", help="algorithm (default sha256d)")
    demo.add_argument("--threads", type=int, default=1, help="miner threads (default 1)")
    demo.add_argument("--port", type=int, default=0, help="stratum port (default: any free port)")
    demo.add_argument("--block-time", type=float, default=30.0, help="simnet target block time in seconds")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    demo.add_argument(
        "--database", default="", help="database URL (default: the store's embedded SQLite); 'memory' keeps nothing"
    )
    demo.set_defaults(func=_demo)


def _run(args: argparse.Namespace) -> int:
    from chimera_algo.pool.app import build_server, close_sink, open_sink, run, serve_packages_from, wait_forever_or
    from chimera_algo.pool.config import ConfigError, load

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load(args.config)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None

    async def main() -> int:
        sink = open_sink(config.store.url, f"{config.pool.name}-{config.pool.instance_id}")
        serve_packages_from(sink)
        server = build_server(config, sink)
        try:
            try:
                await server.start()
            except OSError as exc:
                raise CommandError(f"cannot start the pool: {exc}") from None
            try:
                await wait_forever_or(None)
            finally:
                await server.stop()
        finally:
            close_sink(sink)
        return 0

    return run(main)


def _demo(args: argparse.Namespace) -> int:
    from chimera_algo.pool.app import run
    from chimera_algo.pool.demo import run_demo
    from chimera_algo.registry import UnknownAlgorithmError, get_hasher

    try:
        get_hasher(args.algo)
    except UnknownAlgorithmError as exc:
        raise CommandError(str(exc)) from None
    if not 1 <= args.threads <= 256:
        raise CommandError(f"--threads must be 1..256, got {args.threads}")
    logging.basicConfig(level=logging.WARNING)

    async def main() -> int:
        try:
            await run_demo(args.algo, args.threads, args.port, args.block_time, args.duration, database=args.database)
        except OSError as exc:
            raise CommandError(f"cannot start the demo pool: {exc}") from None
        except asyncio.CancelledError:
            pass
        return 0

    return run(main)
