"""``chimera db init | upgrade | status | retention``: manage the store's database."""

from __future__ import annotations

import argparse

from chimera_algo.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="create, upgrade and maintain the database")
    parser.add_argument("--url", help="database URL (default: CHIMERA_DATABASE_URL, config file, "
                                      "or sqlite:///$CHIMERA_HOME/chimera.db)")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    commands.add_parser("init", help="create the database and schema (no server needed for SQLite)").set_defaults(
        func=_init)
    commands.add_parser("upgrade", help="migrate the schema in place to this version").set_defaults(func=_upgrade)
    commands.add_parser("status", help="show the backend, schema revision and row counts").set_defaults(
        func=_status)
    retention = commands.add_parser("retention", help="drop shares and statistics past their retention")
    retention.add_argument("--months", type=int, help="keep this many whole months of shares (default: config, 3)")
    retention.set_defaults(func=_retention)


def _engine(args: argparse.Namespace):
    from chimera_algo.store.config import load_config
    from chimera_algo.store.engine import create_store_engine
    from chimera_algo.store.errors import StoreError

    try:
        config = load_config(args.url)
        return config, create_store_engine(config.database_url)
    except StoreError as error:
        raise CommandError(str(error)) from None


def _where(config) -> str:
    from sqlalchemy.engine import make_url

    return make_url(config.database_url).render_as_string(hide_password=True)


def _migrate(args: argparse.Namespace, verb: str) -> int:
    from chimera_algo.store import migrate, partitions
    from chimera_algo.store.errors import StoreError

    config, engine = _engine(args)
    try:
        before, after = migrate.upgrade(engine)
        created = []
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                created = partitions.ensure_partitions(conn)
    except StoreError as error:
        raise CommandError(str(error)) from None
    except Exception as error:  # connection refused, bad credentials...
        raise CommandError(f"cannot {verb} {_where(config)}: {str(error).splitlines()[0]}") from None
    finally:
        engine.dispose()
    if before == after:
        print(f"{_where(config)}: schema already at revision {after}; nothing to do")
    else:
        print(f"{_where(config)}: schema {before or 'empty'} -> {after}")
    if created:
        print(f"created share partitions: {', '.join(created)}")
    return 0


def _init(args: argparse.Namespace) -> int:
    return _migrate(args, "initialize")


def _upgrade(args: argparse.Namespace) -> int:
    return _migrate(args, "upgrade")


def _status(args: argparse.Namespace) -> int:
    from sqlalchemy import func, inspect, select

    from chimera_algo.store import migrate, partitions
    from chimera_algo.store.schema import DATA_MODEL_TABLES

    config, engine = _engine(args)
    try:
        st = migrate.status(engine)
        print(f"database: {_where(config)} ({st.backend})")
        print(f"schema:   revision {st.current or 'none'}, code head {st.head}: {st.state}")
        if st.state == "newer":
            print("          this database was migrated by a newer Chimera; upgrade Chimera")
        elif st.state in ("outdated", "empty"):
            print("          run `chimera db upgrade`" if st.state == "outdated" else "          run `chimera db init`")
        if st.current is not None:
            present = set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                for table in DATA_MODEL_TABLES:
                    if table.name in present:
                        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                        print(f"  {table.name:<28}{count:>12}")
                if st.backend == "postgresql":
                    print(f"share partitions: {', '.join(partitions.existing_partitions(conn)) or 'none'}")
    except Exception as error:
        raise CommandError(f"cannot read {_where(config)}: {str(error).splitlines()[0]}") from None
    finally:
        engine.dispose()
    return 0 if st.state == "current" else 1


def _retention(args: argparse.Namespace) -> int:
    from chimera_algo.store import open_store
    from chimera_algo.store.errors import StoreError

    if args.months is not None and args.months < 1:
        raise CommandError("--months must be at least 1")
    try:
        store = open_store(args.url, upgrade=False)
    except StoreError as error:
        raise CommandError(str(error)) from None
    with store:
        result = store.apply_retention(args.months)
        stats = store.timeseries.apply_retention()
    print(f"shares before {result.cutoff.isoformat()} removed: "
          + (f"dropped partitions {', '.join(result.dropped_partitions)}" if result.dropped_partitions
             else f"{result.deleted_rows} rows deleted"))
    for table, rows in stats.items():
        print(f"{table}: {rows} expired buckets deleted")
    return 0
