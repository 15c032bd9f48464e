"""``chimera package build|sign|verify|inspect``: make and check package files."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

from chimera_algo.cli import CommandError
from chimera_algo.cli.keygen import passphrase_from


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("package", help="build, sign, verify and inspect algorithm packages")
    sub = p.add_subparsers(dest="package_command", metavar="ACTION", required=True)

    b = sub.add_parser("build", help="compile a plugin source directory into a signed package")
    b.add_argument("source", type=Path, help="directory with chimera-package.toml")
    b.add_argument("--key", type=Path, action="append", required=True, help="private key to sign with (repeatable)")
    b.add_argument("--out", type=Path, default=Path("."), help="directory for the package file (default: .)")
    b.add_argument("--passphrase-env", metavar="VAR", help="passphrase of the keys, from $VAR")
    b.set_defaults(func=build)

    s = sub.add_parser("sign", help="add a signature to a package (k-of-n signing)")
    s.add_argument("file", type=Path)
    s.add_argument("--key", type=Path, required=True)
    s.add_argument("--passphrase-env", metavar="VAR")
    s.set_defaults(func=sign)

    v = sub.add_parser("verify", help="check caps, paths, signatures against the trust store, artifacts, platform")
    v.add_argument("file", type=Path)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=verify)

    i = sub.add_parser("inspect", help="show a package's manifest and signatures (not verified)")
    i.add_argument("file", type=Path)
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=inspect)


def _keys(paths: list[Path], passphrase_env: str | None):
    from chimera_algo.packages.signing import load_private_key

    passphrase = passphrase_from(passphrase_env)
    return [load_private_key(p, passphrase) for p in paths]


def build(args: argparse.Namespace) -> int:
    from chimera_algo.packages.builder import build_package
    from chimera_algo.packages.errors import PackageError

    try:
        path = build_package(args.source, _keys(args.key, args.passphrase_env), args.out)
    except PackageError as exc:
        raise CommandError(str(exc)) from None
    print(path)
    return 0


def sign(args: argparse.Namespace) -> int:
    from chimera_algo.packages.builder import sign_package
    from chimera_algo.packages.errors import PackageError

    try:
        (key,) = _keys([args.key], args.passphrase_env)
        sig = sign_package(args.file, key)
    except PackageError as exc:
        raise CommandError(str(exc)) from None
    print(f"signed {args.file} with key {sig.key_id}")
    return 0


def verify(args: argparse.Namespace) -> int:
    from chimera_algo.packages import default_manager
    from chimera_algo.packages.errors import PackageError

    try:
        verified = default_manager().verify(args.file)
    except PackageError as exc:
        raise CommandError(f"{args.file} failed the {exc.check} check: {Exception.__str__(exc)}") from None
    m = verified.manifest
    if args.json:
        print(json.dumps({"ok": True, "label": m.label, "kind": m.kind, "package_hash": verified.package_hash,
                          "signed_by": verified.signed_by}, indent=2))
    else:
        print(f"{args.file}: OK — {m.label} ({m.kind}), signed by {', '.join(verified.signed_by)}")
    return 0


def inspect(args: argparse.Namespace) -> int:
    from chimera_algo.packages.container import open_package
    from chimera_algo.packages.errors import PackageError

    try:
        with open_package(args.file) as pkg:
            manifest = json.loads(pkg.manifest_bytes)
            signatures = [{"key_id": s.key_id, "signature": s.signature.hex()} for s in pkg.signatures]
            sizes = {name: info.file_size for name, info in pkg.entries.items()}
    except (PackageError, ValueError, zipfile.BadZipFile) as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps({"manifest": manifest, "signatures": signatures, "entries": sizes}, indent=2, sort_keys=True))
        return 0
    print(f"{manifest.get('algorithm')}@{manifest.get('version')}  ({manifest.get('kind')} package "
          f"{manifest.get('name')!r}, not verified — use `chimera package verify`)")
    for key in ("description", "author", "license", "plugin_abi", "platforms", "minimum_engine_version", "created_at"):
        print(f"  {key:24} {manifest.get(key)}")
    for a in manifest.get("artifacts", []):
        print(f"  artifact                 {a.get('path')}  {a.get('size')} bytes  sha256 {a.get('sha256')}")
    print(f"  self-tests               {len(manifest.get('self_tests', []))} hash, {len(manifest.get('scan_tests', []))} scan")
    print(f"  signatures               {', '.join(s['key_id'] for s in signatures) or 'none'}")
    return 0
