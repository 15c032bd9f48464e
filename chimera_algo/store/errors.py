"""Typed store errors, and the translation of database integrity errors into them.

Every constraint in ``schema.py`` has an explicit name; a violation reported by
PostgreSQL (constraint name in the diagnostics) or SQLite (message text) is
mapped back to the table and field it protects, so callers get e.g.
``InvalidValueError(table="users", field="email")`` instead of a driver error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError


class StoreError(Exception):
    """Base class of every error raised by chimera_algo.store."""


class ConfigError(StoreError):
    """The store configuration (URL, config file) is unusable."""


class NotFoundError(StoreError, LookupError):
    """A looked-up row does not exist."""


class AuthenticationError(StoreError):
    """Wrong password, MFA code, or an unusable account or session."""


class SchemaError(StoreError):
    """The database schema does not match this code."""


class SchemaTooNewError(SchemaError):
    """The database was migrated by a newer Chimera than this one."""


class SchemaOutdatedError(SchemaError):
    """The database needs ``chimera db upgrade``."""


class StoreUnavailableError(StoreError):
    """The database (or Redis/InfluxDB) cannot be reached."""


class ConstraintViolation(StoreError, ValueError):
    """A row broke a constraint; ``table`` and ``field`` say which value was wrong."""

    def __init__(self, table: str, field: str, constraint: str, message: str) -> None:
        super().__init__(message)
        self.table = table
        self.field = field
        self.constraint = constraint


class DuplicateError(ConstraintViolation):
    """A UNIQUE constraint: the value is already taken."""


class InvalidValueError(ConstraintViolation):
    """A CHECK constraint: the value is not allowed."""


class MissingReferenceError(ConstraintViolation):
    """A FOREIGN KEY: the referenced row does not exist."""


class RequiredFieldError(ConstraintViolation):
    """A NOT NULL column was left empty."""


@dataclass(frozen=True)
class ConstraintInfo:
    table: str
    columns: tuple[str, ...]
    kind: str  # "unique" | "check" | "foreign_key" | "primary_key"
    hint: str


_IN_LIST = re.compile(r"IN \((.*)\)")


def _check_hint(sqltext: str) -> str:
    match = _IN_LIST.search(sqltext)
    if match:
        return "must be one of " + match.group(1).replace("'", "")
    if "length(" in sqltext:
        return "is too short (" + sqltext + ")"
    if "iregex" in sqltext or "~*" in sqltext:
        return "is not a valid address"
    return "must satisfy " + sqltext


def build_constraint_index(metadata) -> dict[str, ConstraintInfo]:
    """Map every named constraint of ``metadata`` to its table and columns."""
    index: dict[str, ConstraintInfo] = {}
    for table in metadata.tables.values():
        column_names = [c.name for c in table.columns]
        for constraint in table.constraints:
            name = constraint.name
            if not isinstance(name, str) or not name:
                continue
            if isinstance(constraint, CheckConstraint):
                sqltext = str(constraint.sqltext)
                if hasattr(constraint.sqltext, "column"):  # the email regex element
                    cols: tuple[str, ...] = (constraint.sqltext.column,)
                    sqltext = "iregex"
                else:
                    cols = tuple(c for c in column_names if re.search(rf"\b{c}\b", sqltext))
                index[name] = ConstraintInfo(table.name, cols, "check", _check_hint(sqltext))
            elif isinstance(constraint, UniqueConstraint):
                cols = tuple(c.name for c in constraint.columns)
                index[name] = ConstraintInfo(table.name, cols, "unique", "is already taken")
            elif isinstance(constraint, ForeignKeyConstraint):
                cols = tuple(c.name for c in constraint.columns)
                index[name] = ConstraintInfo(table.name, cols, "foreign_key", "refers to a row that does not exist")
            else:
                cols = tuple(c.name for c in constraint.columns)
                index[name] = ConstraintInfo(table.name, cols, "primary_key", "is already taken")
    for table in metadata.tables.values():
        for idx in table.indexes:
            if idx.unique and idx.name:
                cols = tuple(c.name for c in idx.columns)
                index[idx.name] = ConstraintInfo(table.name, cols, "unique", "is already taken")
    return index


_KIND_ERROR = {
    "unique": DuplicateError,
    "primary_key": DuplicateError,
    "check": InvalidValueError,
    "foreign_key": MissingReferenceError,
}


def _from_info(name: str, info: ConstraintInfo, values: dict | None) -> ConstraintViolation:
    field = ", ".join(info.columns) or "?"
    shown = ""
    if values and len(info.columns) == 1 and info.columns[0] in values:
        shown = f" ({values[info.columns[0]]!r})"
    return _KIND_ERROR[info.kind](
        info.table, field, name, f"{info.table}.{field}{shown} {info.hint} [{name}]"
    )


def _partition_parent(name: str) -> str:
    # Child partitions name their copies e.g. shares_y2026m01_pkey.
    return re.sub(r"^shares_y\d{4}m\d{2}_", "shares_", name)


def translate_integrity_error(
    exc: IntegrityError, constraints: dict[str, ConstraintInfo], table: str | None = None, values: dict | None = None
) -> StoreError:
    """Turn a driver IntegrityError into the matching typed ConstraintViolation."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        name = diag.constraint_name
        sqlstate = getattr(orig, "sqlstate", "") or ""
        if sqlstate == "23502":
            column = diag.column_name or "?"
            tbl = diag.table_name or table or "?"
            return RequiredFieldError(tbl, column, "not_null", f"{tbl}.{column} is required")
        if name:
            info = constraints.get(name) or constraints.get(_partition_parent(name))
            if info:
                return _from_info(name, info, values)
        return ConstraintViolation(diag.table_name or table or "?", "?", name or "?", str(orig).strip())
    message = str(orig)
    match = re.search(r"(UNIQUE|NOT NULL) constraint failed: ([\w.]+(?:, [\w.]+)*)", message)
    if match:
        pairs = [p.split(".", 1) for p in match.group(2).split(", ")]
        tbl = pairs[0][0]
        cols = tuple(p[1] for p in pairs)
        field = ", ".join(cols)
        if match.group(1) == "NOT NULL":
            return RequiredFieldError(tbl, field, "not_null", f"{tbl}.{field} is required")
        for name, info in constraints.items():
            if info.table == tbl and info.columns == cols and info.kind in ("unique", "primary_key"):
                return _from_info(name, info, values)
        return DuplicateError(tbl, field, "unique", f"{tbl}.{field} is already taken")
    match = re.search(r"CHECK constraint failed: (\w+)", message)
    if match and match.group(1) in constraints:
        return _from_info(match.group(1), constraints[match.group(1)], values)
    if "FOREIGN KEY constraint failed" in message:
        # SQLite does not say which key; callers that know the row refine this.
        return MissingReferenceError(table or "?", "?", "foreign_key", f"{table or 'row'}: a referenced row does not exist")
    return ConstraintViolation(table or "?", "?", "?", message)
