"""``chimera bench``: hash rates of the kernels against Python baselines."""

from __future__ import annotations

import argparse
import json
import sys

from chimera_algo import _core
from chimera_algo.bench import bench_hasher
from chimera_algo.cli import CommandError
from chimera_algo.cli.table import format_table
from chimera_algo.registry import UnknownAlgorithmError, get_hasher


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure hash rates against Python baselines")
    p.add_argument("--algo", action="append", help="algorithm to measure (repeatable; default all)")
    p.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(func=run)


def _fmt_rate(rate: float | None) -> str:
    if rate is None:
        return "-"
    for unit, scale in (("GH/s", 1e9), ("MH/s", 1e6), ("kH/s", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.2f} {unit}"
    return f"{rate:.1f} H/s"


def run(args: argparse.Namespace) -> int:
    if args.seconds <= 0:
        raise CommandError("--seconds must be > 0")
    # Default: the built-in 80-byte-header kernels; ethash-style hashers (40-byte
    # seal input, epoch caches) have their own benchmark (benchmarks/bench_etchash.py).
    names = args.algo or list(_core.algorithms())
    try:
        hashers = [get_hasher(name) for name in names]
    except UnknownAlgorithmError as exc:
        raise CommandError(str(exc)) from None

    total = sum(3 for _ in hashers)
    step = [0]
    tty = sys.stderr.isatty()

    def progress(label: str) -> None:
        step[0] += 1
        line = f"[{step[0]}/{total}] measuring {label} ({args.seconds:g}s)"
        if tty:
            sys.stderr.write("\r\033[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    results = []
    for hasher in hashers:
        results.extend(bench_hasher(hasher, args.seconds, on_step=progress))
    if tty:
        sys.stderr.write("\r\033[K")

    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
        return 0
    header = ("algo", "impl", "isa", "rate", "baseline", "ratio")
    rows = [
        (
            r.algo,
            r.impl,
            r.isa,
            _fmt_rate(r.rate_hps),
            _fmt_rate(r.baseline_rate_hps),
            f"{r.ratio:.1f}x" if r.ratio else "-",
        )
        for r in results
    ]
    print(format_table(header, rows))
    return 0
