"""``chimera trust add|list|revoke|policy``: the publisher keys packages are checked against."""

from __future__ import annotations

import argparse
import json

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("trust", help="manage trusted package publisher keys and the signature policy")
    sub = p.add_subparsers(dest="trust_command", metavar="ACTION", required=True)

    a = sub.add_parser("add", help="trust a publisher key")
    a.add_argument("key", help="a .pub file, its line, or the key in hex")
    a.add_argument("--name", help="who the key belongs to (default: the key's comment or id)")
    a.set_defaults(func=add)

    ls = sub.add_parser("list", help="trusted and revoked keys")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_keys)

    r = sub.add_parser("revoke", help="revoke a key: packages it signed stop counting toward the threshold")
    r.add_argument("key", help="key id (or a unique prefix) or name")
    r.add_argument("--reason", required=True)
    r.set_defaults(func=revoke)

    pol = sub.add_parser("policy", help="show or set how many distinct trusted signatures each kind needs")
    pol.add_argument("--wasm", type=int, metavar="K")
    pol.add_argument("--native", type=int, metavar="K")
    pol.add_argument("--json", action="store_true")
    pol.set_defaults(func=policy)


def _store():
    from chimera_algo.packages.trust import TrustStore

    return TrustStore.load()


def _fail(exc: Exception) -> CommandError:
    return CommandError(Exception.__str__(exc))


def add(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError
    from chimera_algo.packages.signing import load_public_key

    try:
        key, comment = load_public_key(args.key)
        store = _store()
        entry = store.add(key, args.name or comment)
        store.save()
    except PackageError as exc:
        raise _fail(exc) from None
    print(f"trusted {entry.name} ({entry.key_id})")
    return 0


def list_keys(args: argparse.Namespace) -> int:
    from chimera_algo.cli.table import format_table
    from chimera_algo.packages.errors import PackageError

    try:
        store = _store()
    except PackageError as exc:
        raise _fail(exc) from None
    keys = sorted(store.keys.values(), key=lambda k: k.added_at)
    if args.json:
        print(json.dumps([vars(k) | {"revoked": k.revoked} for k in keys], indent=2))
        return 0
    if not keys:
        print("no trusted keys; add one with `chimera trust add KEY.pub`")
        return 0
    print(format_table(["KEY ID", "NAME", "ADDED", "STATUS"], [
        [k.key_id, k.name, k.added_at, f"revoked {k.revoked_at}: {k.revoked_reason}" if k.revoked else "trusted"]
        for k in keys
    ]))
    return 0


def revoke(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError

    try:
        store = _store()
        entry = store.revoke(store.find(args.key).key_id, args.reason)
        store.save()
    except PackageError as exc:
        raise _fail(exc) from None
    print(f"revoked {entry.name} ({entry.key_id}): {args.reason}")
    return 0


def policy(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError

    try:
        store = _store()
        for kind in ("wasm", "native"):
            value = getattr(args, kind)
            if value is not None:
                store.set_threshold(kind, value)
        if args.wasm is not None or args.native is not None:
            store.save()
    except PackageError as exc:
        raise _fail(exc) from None
    active = sum(1 for k in store.keys.values() if not k.revoked)
    if args.json:
        print(json.dumps({"thresholds": store.policy, "trusted_keys": active}, indent=2))
        return 0
    for kind, k in sorted(store.policy.items()):
        note = "  (more than the trusted keys: nothing of this kind can install)" if k > active else ""
        print(f"{kind:7} {k} of {active} trusted keys{note}")
    return 0
