"""``chimera payouts run | status | list | halt | resume``: operate the payout engine."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from chimera_algo.cli import CommandError
from chimera_algo.cli.table import format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("payouts", help="credit blocks, create and send payouts, inspect them")
    parser.add_argument("--url", help="database URL (default: CHIMERA_DATABASE_URL, config file, or SQLite)")
    parser.add_argument("--pool", help="pool name or id (default: the only pool)")
    commands = parser.add_subparsers(dest="payouts_command", metavar="ACTION", required=True)

    run = commands.add_parser("run", help="one payout run: track blocks, credit, create and send payouts")
    run.add_argument("--rpc-url", default=os.environ.get("CHIMERA_PAYOUTS_RPC_URL"),
                     help="node JSON-RPC URL (default: CHIMERA_PAYOUTS_RPC_URL)")
    run.add_argument("--rpc-user", default=os.environ.get("CHIMERA_PAYOUTS_RPC_USER", ""))
    run.add_argument("--rpc-password", default=os.environ.get("CHIMERA_PAYOUTS_RPC_PASSWORD", ""),
                     help="(default: CHIMERA_PAYOUTS_RPC_PASSWORD)")
    run.add_argument("--rpc-cookie", default="", help="node .cookie file instead of user/password")
    run.add_argument("--wallet", default=os.environ.get("CHIMERA_PAYOUTS_WALLET", ""),
                     help="node wallet that pays (default: CHIMERA_PAYOUTS_WALLET, or the node's default)")
    run.add_argument("--force", action="store_true", help="pay balances past their threshold regardless of frequency")
    run.add_argument("--no-send", action="store_true", help="credit and create payouts, send nothing")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=_run)

    status = commands.add_parser("status", help="halted or not, PPS liability, balances and payout counts")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status)

    listing = commands.add_parser("list", help="payouts, newest first")
    listing.add_argument("--status", choices=("pending", "processing", "sent", "confirmed", "failed"))
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)

    halt = commands.add_parser("halt", help="stop sending payouts for the pool")
    halt.add_argument("--reason", required=True)
    halt.set_defaults(func=_halt)
    commands.add_parser("resume", help="allow payouts again after an investigation").set_defaults(func=_resume)


def _open(args: argparse.Namespace):
    from chimera_algo.store import StoreError, open_store

    try:
        return open_store(args.url)
    except StoreError as error:
        raise CommandError(str(error)) from None


def _pools(store, selector: str | None, required: bool = True) -> list:
    pools = store.pools.list()
    if selector:
        chosen = [p for p in pools if p.name == selector or str(p.id) == selector]
        if not chosen:
            raise CommandError(f"no pool named or with id {selector!r} (have: {', '.join(p.name for p in pools) or 'none'})")
        return chosen
    if required and len(pools) != 1:
        raise CommandError(f"choose a pool with --pool (have: {', '.join(p.name for p in pools) or 'none'})")
    return pools


def _print(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        print("(none)")
        return
    print(format_table(columns, [[row[c] for c in columns] for row in rows]))


def _dump(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))  # Decimal and UUID as strings: exact


def _run(args: argparse.Namespace) -> int:
    from chimera_algo.payouts.amounts import to_coins
    from chimera_algo.payouts.engine import run_pool
    from chimera_algo.payouts.runner_lock import PayoutsBusy
    from chimera_algo.payouts.sender import PayoutInconsistency, PayoutsHalted
    from chimera_algo.payouts.wallet import WalletClient
    from chimera_algo.pool.rpc import NodeError, RpcSettings

    if not args.rpc_url:
        raise CommandError("no node: pass --rpc-url or set CHIMERA_PAYOUTS_RPC_URL")
    wallet = WalletClient(RpcSettings(url=args.rpc_url, user=args.rpc_user, password=args.rpc_password,
                                      cookie_file=args.rpc_cookie), args.wallet)
    with _open(args) as store:
        [pool] = _pools(store, args.pool)
        try:
            report = run_pool(store, wallet, pool.id, force=args.force, send=not args.no_send)
        except (PayoutsHalted, PayoutsBusy) as exc:
            raise CommandError(str(exc)) from None
        except PayoutInconsistency as exc:
            raise CommandError(f"payouts halted for pool {pool.name}: {exc}") from None
        except NodeError as exc:
            raise CommandError(f"node: {exc}") from None
    send = report.send
    summary = {
        "pool": pool.name, "blocks_confirmed": report.blocks_confirmed, "blocks_orphaned": report.blocks_orphaned,
        "blocks_credited": report.blocks_credited, "blocks_reversed": report.blocks_reversed,
        "pps_shares_credited": report.pps_shares_credited,
        "recorded_after_restart": report.reconciled.recorded if report.reconciled else [],
        "payouts_created": [{"payout": str(p.payout_id), "amount": str(to_coins(p.amount_units))} for p in report.created],
        "sent": [str(p) for p in send.sent] if send else [], "transaction": send.transaction_hash if send else None,
        "held": {str(k): v for k, v in send.held.items()} if send else {},
        "error": send.error if send else None,
    }
    if args.json:
        _dump(summary)
    else:
        for key, value in summary.items():
            print(f"{key:24} {value}")
    return 1 if summary["error"] else 0


def _status(args: argparse.Namespace) -> int:
    from chimera_algo.payouts.amounts import to_coins
    from chimera_algo.payouts.ledger import Ledger

    rows = []
    with _open(args) as store:
        ledger = Ledger(store)
        for pool in _pools(store, args.pool, required=False):
            state = ledger.state(pool.id)
            balances = ledger.balances(pool.id)
            counts: dict[str, int] = {}
            for payout in store.payouts.list(pool_id=pool.id):
                counts[payout.status or "pending"] = counts.get(payout.status or "pending", 0) + 1
            rows.append({
                "pool": pool.name, "method": pool.payout_method, "halted": state.halted,
                "halt_reason": state.halt_reason or "", "last_run": state.last_run_at or "",
                "mature": to_coins(sum(b.mature_units for b in balances)),
                "immature": to_coins(sum(b.immature_units for b in balances)),
                "pps_liability": to_coins(state.pps_liability_units),
                **{s: counts.get(s, 0) for s in ("pending", "processing", "sent", "confirmed", "failed")},
            })
    if args.json:
        _dump(rows)
    else:
        _print(rows, list(rows[0]) if rows else [])
    return 0


def _list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        pools = {p.id: p.name for p in _pools(store, args.pool, required=False)}
        payouts = [p for pool_id in pools for p in store.payouts.list(pool_id=pool_id, status=args.status)]
        users = {}
        for p in payouts:
            if p.user_id not in users:
                users[p.user_id] = store.users.get(p.user_id).username
    payouts.sort(key=lambda p: p.created_at, reverse=True)
    rows = [{"id": p.id, "pool": pools[p.pool_id], "user": users[p.user_id], "amount": p.amount,
             "status": p.status, "tx": p.transaction_hash or "", "confirmations": p.confirmations,
             "retries": p.retry_count, "created": p.created_at, "error": p.error_message or ""}
            for p in payouts[: args.limit]]
    if args.json:
        _dump(rows)
    else:
        _print(rows, ["id", "pool", "user", "amount", "status", "tx", "confirmations", "retries", "error"])
    return 0


def _halt(args: argparse.Namespace) -> int:
    return _set_halted(args, True, args.reason)


def _resume(args: argparse.Namespace) -> int:
    return _set_halted(args, False, None)


def _set_halted(args: argparse.Namespace, halted: bool, reason: str | None) -> int:
    from chimera_algo.payouts.ledger import Ledger

    with _open(args) as store:
        [pool] = _pools(store, args.pool)
        Ledger(store).set_halted(pool.id, halted, reason)
        store.audit.record("operator", "payouts.halt" if halted else "payouts.resume", str(pool.id),
                           {"reason": reason} if reason else {})
    print(f"payouts for pool {pool.name} {'HALTED: ' + (reason or '') if halted else 'resumed'}")
    return 0
