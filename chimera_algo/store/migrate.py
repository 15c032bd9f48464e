"""Versioned schema migrations (Alembic, shipped in ``migrations/``).

``upgrade`` brings a database to this code's head revision in place;
``check`` refuses a database that a newer Chimera migrated (its revision is
unknown here) and reports one that needs upgrading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from chimera_algo.store.errors import SchemaOutdatedError, SchemaTooNewError

_SCRIPTS = Path(__file__).parent / "migrations"
_PG_LOCK = 0x43484D52  # advisory lock id ("CHMR"): one migrator at a time


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    backend: str
    current: str | None
    head: str
    tables: int

    @property
    def state(self) -> str:
        if self.current is None:
            return "empty" if self.tables == 0 else "unmanaged"
        if self.current == self.head:
            return "current"
        if self.current not in known_revisions():
            return "newer"
        return "outdated"


def status(engine: Engine) -> SchemaStatus:
    with engine.connect() as conn:
        return SchemaStatus(
            backend=engine.dialect.name,
            current=current_revision(conn),
            head=head_revision(),
            tables=len(inspect(conn).get_table_names()),
        )


def _refuse_newer(current: str | None) -> None:
    if current is not None and current not in known_revisions():
        raise SchemaTooNewError(
            f"database schema is at revision {current}, which this Chimera (head {head_revision()}) "
            "does not know: it was migrated by a newer version. Upgrade Chimera; refusing to touch it."
        )


def check(engine: Engine) -> SchemaStatus:
    """Raise unless the database is exactly at this code's head."""
    st = status(engine)
    _refuse_newer(st.current)
    if st.current != st.head:
        raise SchemaOutdatedError(
            f"database schema is at revision {st.current or 'none'}, this code needs {st.head}: "
            "run `chimera db upgrade`"
        )
    return st


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str]:
    """Migrate in place to ``target``; returns (revision before, revision after)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Transaction-scoped: released at commit, serializes concurrent starters.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        before = current_revision(conn)
        _refuse_newer(before)
        command.upgrade(_config(conn), target)
        return before, current_revision(conn) or "none"
