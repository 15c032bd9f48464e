"""``chimera keygen``: a new Ed25519 publisher key pair."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("keygen", help="create an Ed25519 key pair for signing packages")
    p.add_argument("path", type=Path, help="private key file to write (the public key goes to PATH.pub)")
    p.add_argument("--comment", default="", help="label stored with the public key (e.g. your name)")
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the private key with the passphrase in $VAR")
    p.set_defaults(func=run)


def passphrase_from(var: str | None) -> str | None:
    if not var:
        return None
    value = os.environ.get(var)
    if not value:
        raise CommandError(f"--passphrase-env {var}: the variable is unset or empty")
    return value


def run(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError
    from chimera_algo.packages.signing import PrivateKey, save_keypair

    key = PrivateKey.generate()
    try:
        pub = save_keypair(key, args.path, args.comment, passphrase_from(args.passphrase_env))
    except (PackageError, OSError) as exc:
        raise CommandError(str(exc)) from None
    print(f"private key: {args.path} (keep it secret)")
    print(f"public key:  {pub}")
    print(f"key id:      {key.public.key_id}")
    return 0
