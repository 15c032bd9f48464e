"""The ``chimera`` command.

Each module in this package that defines ``register(subparsers)`` adds its
own subcommand(s); the parser sets ``func`` to the handler, which returns the
process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from chimera_algo import __version__


class CommandError(Exception):
    """A failure to report to the operator as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chimera", description="Chimera mining-pool engine")
    parser.add_argument("--version", action="version", version=f"chimera {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"chimera: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
