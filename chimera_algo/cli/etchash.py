"""``chimera etchash``: epoch facts, DAG builds and one-off share checks."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chimera_algo.cli import CommandError
from chimera_algo.ethash import params
from chimera_algo.ethash.cache import CacheManager, default_directory
from chimera_algo.ethash.full import load_or_build_dag
from chimera_algo.ethash.hasher import EthashHasher, MixHashMismatch


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("etchash", help="ethash/etchash epochs, DAGs and shares")
    commands = parser.add_subparsers(dest="etchash_command", metavar="ACTION", required=True)

    info = commands.add_parser("info", help="epoch, seed hash and sizes of a block")
    _network_args(info)
    info.set_defaults(func=_info)

    dag = commands.add_parser("dag", help="build (or check) the full DAG of a block's epoch")
    _network_args(dag)
    dag.add_argument("--dir", type=Path, default=None,
                     help="where caches and DAGs live (default: $CHIMERA_HOME/ethash)")
    dag.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    dag.add_argument("--no-progress", action="store_true", help="no progress bar")
    dag.set_defaults(func=_dag)

    verify = commands.add_parser("verify", help="compute and check one seal (light mode)")
    _network_args(verify)
    verify.add_argument("--header-hash", required=True, help="32-byte header hash, hex")
    verify.add_argument("--nonce", required=True, help="64-bit nonce, hex (16 digits) or 0x..")
    verify.add_argument("--mix-hash", default=None, help="claimed mix hash, hex")
    verify.add_argument("--boundary", default=None, help="boundary (hex or int); or --difficulty")
    verify.add_argument("--difficulty", type=int, default=None, help="share difficulty")
    verify.add_argument("--dir", type=Path, default=None, help="cache directory")
    verify.set_defaults(func=_verify)


def _network_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--block", type=int, required=True, help="block number")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--network", default="etc", choices=sorted(params.NETWORKS),
                       help="built-in network (default: etc)")
    group.add_argument("--activation-block", type=int, default=None,
                       help="etchash with this ECIP-1099 activation block")


def _network(args: argparse.Namespace) -> params.EthashNetwork:
    try:
        if args.activation_block is not None:
            return params.custom_etchash(args.activation_block)
        return params.network(args.network)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def _epoch(args: argparse.Namespace) -> tuple[params.EthashNetwork, params.EpochInfo]:
    net = _network(args)
    try:
        return net, net.info(args.block)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def _info(args: argparse.Namespace) -> int:
    net, info = _epoch(args)
    print(f"network        {net.name} ({net.algorithm}"
          + (f", ECIP-1099 at {net.ecip1099_block:,})" if net.ecip1099_block is not None else ")"))
    print(f"block          {args.block:,}")
    print(f"epoch          {info.epoch} (length {info.epoch_length:,}, "
          f"first block {info.first_block:,})")
    print(f"seed hash      0x{info.seed_hash.hex()} ({info.seed_rounds} keccak-256 rounds)")
    print(f"cache size     {info.cache_size:,} bytes ({info.cache_size / 2**20:.1f} MiB)")
    print(f"full size      {info.full_size:,} bytes ({info.full_size / 2**30:.2f} GiB)")
    return 0


class _ProgressBar:
    """A one-line bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, label: str, enabled: bool):
        self.label = label
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        frac = done / total if total else 1.0
        width = 30
        filled = int(frac * width)
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else float("inf")
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {frac * 100:5.1f}% "
            f"{done / 2**20:,.0f}/{total / 2**20:,.0f} MiB  {elapsed:,.0f}s elapsed, "
            f"eta {eta:,.0f}s "
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _dag(args: argparse.Namespace) -> int:
    net, info = _epoch(args)
    if args.threads is not None and args.threads < 1:
        raise CommandError(f"--threads must be >= 1, got {args.threads}")
    directory = args.dir or default_directory()
    caches = CacheManager(directory=directory)
    start = time.monotonic()
    print(f"{net.name} epoch {info.epoch}: cache {info.cache_size / 2**20:.1f} MiB, "
          f"DAG {info.full_size / 2**30:.2f} GiB in {directory}", file=sys.stderr)
    bar = _ProgressBar(f"epoch {info.epoch}", enabled=not args.no_progress)
    try:
        dataset = load_or_build_dag(caches, info, directory, threads=args.threads, progress=bar)
    except OSError as exc:
        raise CommandError(f"cannot write the DAG: {exc}") from None
    print(f"{dataset.path} ready in {time.monotonic() - start:.1f}s")
    return 0


def _verify(args: argparse.Namespace) -> int:
    net, info = _epoch(args)
    hasher = EthashHasher(net, caches=CacheManager(directory=args.dir or default_directory()),
                          prefetch_next=False)
    try:
        final, mix = hasher.verify(args.block, args.header_hash, args.nonce, args.mix_hash)
    except MixHashMismatch as exc:
        print(f"REJECTED: {exc}")
        return 1
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"mix hash       0x{mix.hex()}")
    print(f"final hash     0x{final.hex()}")
    boundary = _boundary(args)
    if boundary is None:
        return 0
    ok = int.from_bytes(final, "big") <= boundary
    print(f"boundary       0x{boundary:064x}: {'MEETS' if ok else 'DOES NOT MEET'}")
    return 0 if ok else 1


def _boundary(args: argparse.Namespace) -> int | None:
    if args.boundary is not None and args.difficulty is not None:
        raise CommandError("give --boundary or --difficulty, not both")
    if args.difficulty is not None:
        if args.difficulty < 1:
            raise CommandError(f"--difficulty must be >= 1, got {args.difficulty}")
        return min((1 << 256) - 1, (1 << 256) // args.difficulty)
    if args.boundary is None:
        return None
    text = args.boundary
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise CommandError(f"--boundary must be an int or 0x-hex, got {text!r}") from None
    if not 0 <= value < 1 << 256:
        raise CommandError("--boundary must be in [0, 2**256)")
    return value
