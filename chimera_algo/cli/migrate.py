"""``chimera migrate``: start, follow and steer algorithm migrations of a pool.

The CLI is one more process on the shared store: its commands are persisted
transitions that every pool process follows through the event mirror.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Optional, TextIO

from chimera_algo import registry
from chimera_algo.cli import CommandError
from chimera_algo.migration import MigrationController, MigrationError, Status, Thresholds
from chimera_algo.migration.errors import MigrationNotFoundError
from chimera_algo.migration.model import Migration, Phase, split_algorithm
from chimera_algo.migration.resolver import default_resolver
from chimera_algo.migration.store_adapter import StoreMigrationEvents, StoreMigrationRepository

COMMANDS = ("pause", "resume", "promote", "abort", "rollback")
BAR_WIDTH = 30


# ------------------------------------------------------------------ parsing
def _steps(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"steps must be comma-separated whole percentages, got {text!r}") from None


def _when(text: str) -> float:
    """Unix seconds or ISO 8601 (no zone means UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--at must be ISO 8601 (e.g. 2026-12-01T12:00:00Z) or unix seconds, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate", help="migrate a pool to another algorithm implementation",
        description="Start, follow and steer migrations of a pool from one proof-of-work implementation "
                    "or algorithm to another (see docs/migration.md).")
    parser.add_argument("--database", metavar="URL", help="database URL (default: the store's configuration)")
    commands = parser.add_subparsers(dest="migrate_command", metavar="ACTION", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        return sub

    start = command("start", "start a migration")
    start.add_argument("--pool", required=True, help="pool: its pools row id, or its name (chimera pool run logs both)")
    start.add_argument("--to", required=True, metavar="NAME@VERSION", help="implementation to migrate to")
    start.add_argument("--strategy", required=True, choices=("gradual", "immediate", "scheduled"))
    start.add_argument("--from", dest="source", metavar="NAME@VERSION",
                       help="what the pool runs now (needed only for a pool with no migration history)")
    when = start.add_mutually_exclusive_group()
    when.add_argument("--at", type=_when, metavar="TIME", help="scheduled: switch time (ISO 8601 or unix seconds)")
    when.add_argument("--height", type=int, metavar="H", help="scheduled: first block height of the new algorithm")
    start.add_argument("--current-height", type=int, metavar="H", help="the pool's current height (checks --height)")
    start.add_argument("--steps", type=_steps, default=[1, 5, 25, 50, 100], metavar="1,5,25,50,100",
                       help="gradual: rollout percentages")
    start.add_argument("--shadow-duration", type=int, default=300, metavar="S", help="gradual: seconds of shadow")
    start.add_argument("--phase-duration", type=int, default=600, metavar="S", help="gradual: seconds per step")
    start.add_argument("--sample-rate", type=float, default=1.0, metavar="R",
                       help="fraction of shares the other side also checks")
    start.add_argument("--grace", type=int, default=120, metavar="S",
                       help="seconds shares for jobs of the old algorithm are still accepted after the switch")
    defaults = Thresholds()
    start.add_argument("--max-mismatch-rate", type=float, default=defaults.max_mismatch_rate, metavar="R",
                       help="analysis: allowed fraction of differing digests (default 0)")
    start.add_argument("--max-error-rate", type=float, default=defaults.max_error_rate, metavar="R",
                       help="analysis: allowed fraction of candidate errors and timeouts")
    start.add_argument("--max-latency-ratio", type=float, default=defaults.max_p99_latency_ratio, metavar="X",
                       help="analysis: allowed candidate p99 latency as a multiple of the control's")
    start.add_argument("--min-samples", type=int, default=defaults.min_samples, metavar="N",
                       help="analysis: compared shares needed before a phase can pass")
    start.add_argument("--no-rollback-on-error", dest="rollback_on_error", action="store_false",
                       help="on a failed analysis, stop as failed instead of rolling back")
    start.set_defaults(func=_start)

    status = command("status", "show a migration (the pool's latest by default)")
    status.add_argument("id", nargs="?", help="migration id")
    status.add_argument("--pool", help="pool name or id")
    status.add_argument("--watch", action="store_true", help="follow it live until it finishes")
    status.add_argument("--interval", type=float, default=0.5, help="seconds between refreshes with --watch")
    status.set_defaults(func=_status)

    listing = command("list", "list migrations, newest first")
    listing.add_argument("--pool", help="only this pool")
    listing.set_defaults(func=_list)

    for name, help in (("pause", "hold the current phase"), ("resume", "continue a paused migration"),
                       ("promote", "skip the remaining steps and complete"),
                       ("abort", "stop a migration that has not finished; the pool keeps the old implementation"),
                       ("rollback", "return the pool to the old implementation")):
        sub = command(name, help)
        sub.add_argument("id", help="migration id")
        if name in ("abort", "rollback"):
            sub.add_argument("--reason", default="", help="recorded in rollback_reason")
        sub.set_defaults(func=_operator_command, action=name)


# ------------------------------------------------------------------ plumbing
@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[tuple[Any, StoreMigrationRepository]]:
    from chimera_algo.store import StoreError, open_store

    try:
        store = open_store(args.database)
    except StoreError as exc:
        raise CommandError(f"cannot open the store: {exc}") from None
    try:
        yield store, StoreMigrationRepository(store)
    except (MigrationError, ValueError, StoreError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()


def _pool_key(store: Any, pool: Optional[str]) -> Optional[str]:
    """The key a running pool follows its migrations under: its ``pools`` row
    id. A name is accepted for the one ``pools`` row so named; a name no row
    has is kept as given (a pool without a pools row)."""
    if pool is None:
        return None
    try:
        return str(uuid.UUID(pool))
    except ValueError:
        pass
    named = [row for row in store.pools.list() if row.name == pool]
    if len(named) > 1:
        ids = ", ".join(str(row.id) for row in named)
        raise CommandError(f"{len(named)} pools are named {pool!r} ({ids}): give the id instead")
    return str(named[0].id) if named else pool


def _builtin_version(name: str) -> str:
    return f"{name}@{registry.get_hasher(name).version}"


def _baseline(store: Any, repository: StoreMigrationRepository, pool: str, source: Optional[str]) -> Optional[str]:
    """What the pool runs now: --from, else its history (None: the controller
    reads it), else its pools row's algorithm as the built-in kernel."""
    if source:
        split_algorithm(source)
        return source
    if repository.latest_for_pool(pool) is not None:
        return None
    try:
        row = store.pools.get(uuid.UUID(pool))
    except (ValueError, LookupError):
        raise CommandError(f"pool {pool} has no migration history and no pools row: "
                           "say what it runs now with --from NAME@VERSION") from None
    return _builtin_version(store.algorithms.get(row.algorithm_id).name)


def _controller(store: Any, repository: StoreMigrationRepository, pool: str,
                baseline: Optional[str]) -> MigrationController:
    return MigrationController(pool, repository, baseline=baseline, resolver=default_resolver,
                               events=StoreMigrationEvents(store))


def _audit(store: Any, action: str, m: Migration, **details: Any) -> None:
    try:
        actor = getpass.getuser()
    except Exception:  # no user name in some containers
        actor = "unknown"
    store.audit.record(f"cli:{actor}", f"migration.{action}", subject=m.id,
                       details={"pool": m.pool, "from": m.from_algorithm, "to": m.to_algorithm, **details})


# ------------------------------------------------------------------ display
def _iso(t: Optional[float]) -> Optional[str]:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def as_json(m: Migration) -> dict[str, Any]:
    data = m.to_dict()
    for key in ("scheduled_at", "started_at", "completed_at", "created_at", "updated_at",
                "switched_at", "phase_started_at", "paused_at"):
        data[key] = _iso(data[key])
    return data


def progress_bar(progress: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * progress / 100)
    return "[" + "#" * filled + "." * (width - filled) + f"] {progress:3d}%"


def phase_label(m: Migration) -> str:
    label = m.current_phase
    percent = Phase.rollout_percent(m.current_phase)
    if percent is not None:
        label = f"rollout {percent}% ({m.steps.index(percent) + 1}/{len(m.steps)})"
    elif m.current_phase == Phase.ARMED:
        label = (f"armed for height {m.scheduled_height}" if m.scheduled_height is not None
                 else f"armed for {_iso(m.scheduled_at)}")
    return label + (" (paused)" if m.paused else "")


def progress_line(m: Migration) -> str:
    return f"{progress_bar(m.progress)}  {m.status.value:<11}  {phase_label(m)}"


def render(m: Migration) -> str:
    lines = [
        f"migration {m.id}  pool {m.pool}",
        f"  {m.from_algorithm} -> {m.to_algorithm}  ({m.strategy.value})",
        f"  {progress_line(m)}",
    ]
    if m.strategy.value == "gradual":
        lines.append(f"  shadow {m.shadow_duration}s, steps {','.join(map(str, m.steps))} % "
                     f"held {m.phase_duration}s each, sample rate {m.sample_rate:g}")
    if m.performance_impact is not None:
        lines.append(f"  performance impact {m.performance_impact:+.2f}% (candidate vs control)")
    for label, value in (("started", _iso(m.started_at)), ("finished", _iso(m.completed_at))):
        if value:
            lines.append(f"  {label} {value}")
    if m.error_message:
        lines.append(f"  error: {m.error_message}")
    if m.rollback_reason:
        lines.append(f"  rollback reason: {m.rollback_reason}")
    return "\n".join(lines)


def watch(load: Callable[[], Migration], out: TextIO, *, as_json_lines: bool,
          wait: Callable[[], None]) -> Migration:
    """Redraw until the migration finishes. On a terminal one progress line is
    rewritten in place; otherwise (or with JSON) one line per change."""
    inplace = out.isatty() and not as_json_lines
    last: Optional[tuple[int, str, int, bool]] = None
    while True:
        m = load()
        key = (m.revision, m.current_phase, m.progress, m.paused)
        if key != last:
            last = key
            if as_json_lines:
                out.write(json.dumps(as_json(m)) + "\n")
            elif inplace:
                out.write("\r\033[K" + progress_line(m))
            else:
                out.write(progress_line(m) + "\n")
            out.flush()
        if m.finished:
            if inplace:
                out.write("\n" + render(m) + "\n")
            return m
        wait()


# ------------------------------------------------------------------ handlers
def _print(args: argparse.Namespace, m: Migration) -> None:
    print(json.dumps(as_json(m), indent=2) if args.json else render(m))


def _start(args: argparse.Namespace) -> int:
    with _opened(args) as (store, repository):
        pool = _pool_key(store, args.pool)
        controller = _controller(store, repository, pool, _baseline(store, repository, pool, args.source))
        try:
            m = controller.start(
                args.to, args.strategy, steps=args.steps, shadow_duration=args.shadow_duration,
                phase_duration=args.phase_duration, rollback_on_error=args.rollback_on_error,
                at=args.at, height=args.height, sample_rate=args.sample_rate, grace_seconds=args.grace,
                current_height=args.current_height, thresholds=_thresholds(args))
        finally:
            controller.close()
        _audit(store, "start", m, strategy=m.strategy.value)
        _print(args, m)
        return 0 if m.status not in (Status.FAILED, Status.ROLLED_BACK) else 1


def _thresholds(args: argparse.Namespace) -> Thresholds:
    try:
        return Thresholds(max_mismatch_rate=args.max_mismatch_rate, max_error_rate=args.max_error_rate,
                          max_p99_latency_ratio=args.max_latency_ratio, min_samples=args.min_samples)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _find(store: Any, repository: StoreMigrationRepository, args: argparse.Namespace) -> Migration:
    if args.id:
        return repository.get(args.id)
    if args.pool:
        m = repository.latest_for_pool(_pool_key(store, args.pool))  # type: ignore[arg-type]
        if m is None:
            raise MigrationNotFoundError(f"pool {args.pool} has no migrations")
        return m
    found = repository.list()
    if not found:
        raise MigrationNotFoundError("there are no migrations")
    return found[0]


def _status(args: argparse.Namespace) -> int:
    with _opened(args) as (store, repository):
        m = _find(store, repository, args)
        if not args.watch:
            _print(args, m)
            return 0
        interval = max(0.05, args.interval)
        try:
            final = watch(lambda: repository.get(m.id), sys.stdout, as_json_lines=args.json,
                          wait=lambda: time.sleep(interval))
        except KeyboardInterrupt:
            print()
            return 130
        return 0 if final.status == Status.COMPLETED else 1


def _list(args: argparse.Namespace) -> int:
    with _opened(args) as (store, repository):
        found = repository.list(_pool_key(store, args.pool))
        if args.json:
            print(json.dumps([as_json(m) for m in found], indent=2))
            return 0
        if not found:
            print("no migrations")
            return 0
        header = f"{'ID':<36}  {'POOL':<36}  {'FROM -> TO':<34}  {'STRATEGY':<9}  {'STATUS':<11}  PROGRESS  PHASE"
        print(header)
        for m in found:
            print(f"{m.id:<36}  {m.pool:<36}  {m.from_algorithm + ' -> ' + m.to_algorithm:<34}  "
                  f"{m.strategy.value:<9}  {m.status.value:<11}  {m.progress:>7}%  {phase_label(m)}")
        return 0


def _operator_command(args: argparse.Namespace) -> int:
    with _opened(args) as (store, repository):
        current = repository.get(args.id)
        controller = _controller(store, repository, current.pool, None)
        try:
            method = getattr(controller, args.action)
            m = method(args.id, reason=args.reason) if args.action in ("abort", "rollback") else method(args.id)
        finally:
            controller.close()
        _audit(store, args.action, m, **({"reason": args.reason} if getattr(args, "reason", "") else {}))
        _print(args, m)
        return 0
