"""Column types that are native on PostgreSQL and have text equivalents on SQLite.

PostgreSQL gets UUID, INET, JSONB, TEXT[] and NUMERIC; SQLite stores UUIDs as
32-hex text, IPs as text, JSON and arrays as JSON text and decimals as exact
decimal strings (SQLite's NUMERIC affinity would round money through float).
Timestamps are the data model's ``TIMESTAMP`` (no zone) holding UTC; Python
sees timezone-aware UTC datetimes.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String, Text, Uuid
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

UUID = Uuid(as_uuid=True)
JSONDoc = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """TIMESTAMP without zone storing UTC; accepts aware datetimes, returns aware UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from CURRENT_TIMESTAMP defaults
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


class IPAddress(TypeDecorator[str]):
    """INET on PostgreSQL, validated text elsewhere; always a ``str`` in Python."""

    impl = String(45)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.INET())
        return dialect.type_descriptor(String(45))

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError:
            raise ValueError(f"not an IP address: {value!r}") from None

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value)


class TextArray(TypeDecorator[list]):
    """TEXT[] on PostgreSQL, a JSON array elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(Text()))
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, (str, bytes)) or not all(isinstance(v, str) for v in value):
            raise TypeError("expected a list of strings")
        return list(value)

    def process_result_value(self, value: Any, dialect: Any) -> list[str] | None:
        return None if value is None else list(value)


class Money(TypeDecorator[Decimal]):
    """DECIMAL(p, s) on PostgreSQL; exact decimal text on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 8) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))
        return dialect.type_descriptor(String(self.precision + 2))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            value = repr(value)
        try:
            amount = Decimal(value).quantize(self._quantum)
        except Exception:
            raise ValueError(f"not a decimal amount: {value!r}") from None
        if len(amount.as_tuple().digits) > self.precision:
            raise ValueError(f"amount {value} exceeds DECIMAL({self.precision},{self.scale})")
        return amount if dialect.name == "postgresql" else str(amount)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(self._quantum)


class gen_random_uuid(FunctionElement[uuid.UUID]):
    """Server-side random UUID default: gen_random_uuid() or 32 random hex chars."""

    type = UUID
    inherit_cache = True


@compiles(gen_random_uuid, "postgresql")
def _pg_uuid(element: Any, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(gen_random_uuid)
def _text_uuid(element: Any, compiler: Any, **kw: Any) -> str:
    return "(lower(hex(randomblob(16))))"


def new_id() -> uuid.UUID:
    return uuid.uuid4()
