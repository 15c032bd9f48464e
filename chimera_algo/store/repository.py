"""Shared plumbing of the repositories: typed inserts, lookups and updates."""

from __future__ import annotations

from typing import Any, Iterable, TypeVar
from uuid import UUID

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.types import TypeDecorator
from sqlalchemy.sql import ColumnElement

from chimera_algo.store.errors import (
    ConstraintInfo,
    InvalidValueError,
    MissingReferenceError,
    NotFoundError,
    StoreError,
    translate_integrity_error,
)
from chimera_algo.store.records import Record
from chimera_algo.store.schema import utcnow

R = TypeVar("R", bound=Record)


def as_uuid(value: UUID | str, what: str = "id") -> UUID:
    """Accept a UUID or its string form; raise a ValueError naming ``what`` otherwise."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise ValueError(f"{what} must be a UUID, got {value!r}") from None


class Repository:
    """Base class: an engine, the constraint index, and helpers that map errors."""

    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo]) -> None:
        self.engine = engine
        self._constraints = constraints

    # -- errors ---------------------------------------------------------------
    def _translate(self, exc: IntegrityError, table: Table, values: dict[str, Any], conn: Connection | None) -> StoreError:
        error = translate_integrity_error(exc, self._constraints, table.name, values)
        if isinstance(error, MissingReferenceError) and error.field == "?":
            error = self._find_missing_reference(table, values) or error
        return error

    def _bad_value(self, exc: StatementError, table: Table, values: dict[str, Any]) -> Exception:
        # A column type refused a Python value (e.g. an invalid IP): name the column.
        if not isinstance(exc.orig, (ValueError, TypeError)):
            return exc
        for key, value in values.items():
            column_type = table.c[key].type if key in table.c else None
            if isinstance(column_type, TypeDecorator):
                try:
                    column_type.process_bind_param(value, self.engine.dialect)
                except (ValueError, TypeError) as error:
                    return InvalidValueError(table.name, key, "type", f"{table.name}.{key}: {error}")
        return InvalidValueError(table.name, "?", "type", f"{table.name}: {exc.orig}")

    def _find_missing_reference(self, table: Table, values: dict[str, Any]) -> StoreError | None:
        # SQLite does not say which foreign key failed: look each one up.
        with self.engine.connect() as conn:
            for fk in table.foreign_keys:
                column = fk.parent.name
                value = values.get(column)
                if value is None:
                    continue
                target = fk.column
                found = conn.execute(select(target).where(target == value)).first()
                if found is None:
                    return MissingReferenceError(
                        table.name, column, fk.constraint.name or "foreign_key",
                        f"{table.name}.{column} ({value}) refers to a {target.table.name} row that does not exist",
                    )
        return None

    # -- helpers --------------------------------------------------------------
    def _insert(self, record: type[R], values: dict[str, Any], conn: Connection | None = None) -> R:
        table = record.__table__
        try:
            if conn is not None:
                row = conn.execute(table.insert().values(**values).returning(*table.c)).one()
            else:
                with self.engine.begin() as own:
                    row = own.execute(table.insert().values(**values).returning(*table.c)).one()
        except IntegrityError as exc:
            raise self._translate(exc, table, values, conn) from None
        except StatementError as exc:
            raise self._bad_value(exc, table, values) from None
        return record.from_row(row)

    def _one(self, record: type[R], *where: ColumnElement[bool], what: str = "", conn: Connection | None = None) -> R:
        found = self._first(record, *where, conn=conn)
        if found is None:
            raise NotFoundError(f"no {record.__table__.name} row {what}".rstrip())
        return found

    def _first(self, record: type[R], *where: ColumnElement[bool], conn: Connection | None = None) -> R | None:
        query = select(record.__table__).where(*where)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        return None if row is None else record.from_row(row)

    def _all(self, record: type[R], *where: ColumnElement[bool], order_by: Iterable[Any] = (), limit: int | None = None) -> list[R]:
        query = select(record.__table__).where(*where).order_by(*order_by)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [record.from_row(r) for r in conn.execute(query)]

    def _update(
        self, record: type[R], row_id: UUID, values: dict[str, Any], conn: Connection | None = None, touch: bool = True
    ) -> R:
        table = record.__table__
        if touch and "updated_at" in table.c:
            values = {**values, "updated_at": utcnow()}
        unknown = set(values) - set(table.c.keys())
        if unknown:
            raise TypeError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
        query = table.update().where(table.c.id == row_id).values(**values).returning(*table.c)
        try:
            if conn is not None:
                row = conn.execute(query).first()
            else:
                with self.engine.begin() as own:
                    row = own.execute(query).first()
        except IntegrityError as exc:
            raise self._translate(exc, table, values, conn) from None
        except StatementError as exc:
            raise self._bad_value(exc, table, values) from None
        if row is None:
            raise NotFoundError(f"no {table.name} row with id {row_id}")
        return record.from_row(row)


def check_columns(table: Table, values: dict[str, Any], forbidden: Iterable[str] = ("id",)) -> None:
    """Reject unknown or protected column names passed as keyword arguments."""
    unknown = set(values) - set(table.c.keys())
    if unknown:
        raise TypeError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
    protected = set(values) & set(forbidden)
    if protected:
        raise TypeError(f"{table.name}.{', '.join(sorted(protected))} cannot be set here")
