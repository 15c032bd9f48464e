"""``chimera algo install|list|info|activate|remove``: installed algorithm packages."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("algo", help="install, list, activate and remove algorithm packages")
    sub = p.add_subparsers(dest="algo_command", metavar="ACTION", required=True)

    i = sub.add_parser("install", help="verify a package and install it (fail-closed)")
    i.add_argument("file", type=Path)
    i.add_argument("--force", action="store_true", help="allow a downgrade or same-version reinstall")
    i.add_argument("--reason", help="why (required with --force; recorded in the audit log)")
    i.add_argument("--operator", help="who is installing (default: the login name)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=install)

    ls = sub.add_parser("list", help="installed package versions")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_packages)

    info = sub.add_parser("info", help="details of NAME or NAME@VERSION")
    info.add_argument("name")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=show)

    for action, helptext in (("activate", "make NAME@VERSION the version get_hasher(NAME) serves"),
                             ("remove", "uninstall NAME@VERSION (kept as deprecated for anti-rollback)")):
        a = sub.add_parser(action, help=helptext)
        a.add_argument("label", metavar="NAME@VERSION")
        a.add_argument("--operator")
        a.add_argument("--json", action="store_true")
        a.set_defaults(func=change, action=action)


def _manager():
    from chimera_algo.packages import default_manager

    return default_manager()


def install(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError
    from chimera_algo.packages.report import dumps, package_json

    if args.force and not args.reason:
        raise CommandError("--force needs --reason (it is recorded in the audit log with who forced it)")
    try:
        package = _manager().install(args.file, force=args.force, reason=args.reason, operator=args.operator)
    except PackageError as exc:
        raise CommandError(f"{args.file}: refused at the {exc.check} check: {Exception.__str__(exc)}") from None
    if args.json:
        print(dumps(package_json(package)))
    else:
        print(f"installed {package.label} ({package.kind}); activate it with `chimera algo activate {package.label}`")
    return 0


def list_packages(args: argparse.Namespace) -> int:
    from chimera_algo.cli.table import format_table
    from chimera_algo.packages.report import builtin_json, dumps, package_json

    packages = _manager().installed()
    builtins = builtin_json()
    if args.json:
        print(dumps(builtins + [package_json(p) for p in packages]))
        return 0
    rows = [[b["name"], b["version"], "built-in", b["status"], f"isa {b['isa']}", ""] for b in builtins]
    rows += [
        [p.algorithm, p.version, p.kind, p.status, p.package_name,
         p.installed_at and p.installed_at.strftime("%Y-%m-%d %H:%M")]
        for p in packages
    ]
    print(format_table(["NAME", "VERSION", "KIND", "STATUS", "PACKAGE", "INSTALLED"], rows))
    if not packages:
        print("no packages installed")
    return 0


def show(args: argparse.Namespace) -> int:
    from chimera_algo.packages.report import dumps, package_json

    name, _, version = args.name.partition("@")
    found = [p for p in _manager().installed() if p.algorithm == name and (not version or p.version == version)]
    if not found:
        raise CommandError(f"no package recorded for {args.name}")
    if args.json:
        print(dumps([package_json(p) for p in found]))
        return 0
    for p in found:
        for key, value in package_json(p).items():
            print(f"{key:24} {value}")
        print()
    return 0


def change(args: argparse.Namespace) -> int:
    from chimera_algo.packages.errors import PackageError
    from chimera_algo.packages.records import split_label

    try:
        name, version = split_label(args.label)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    manager = _manager()
    try:
        if args.action == "activate":
            manager.activate(name, version, operator=args.operator)
        else:
            manager.remove(name, version, operator=args.operator)
    except PackageError as exc:
        raise CommandError(f"{args.label}: {args.action} refused at the {exc.check} check: {Exception.__str__(exc)}") from None
    done = "activated" if args.action == "activate" else "removed"
    if args.json:
        print(json.dumps({"label": args.label, "result": done}))
    else:
        print(f"{done} {args.label}")
    return 0
