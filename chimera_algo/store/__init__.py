"""Persistence for Chimera: the data model on SQLite or PostgreSQL, Redis cache
and pub/sub, time-series statistics. Start with :func:`open_store`; see
docs/store.md."""

from chimera_algo.store.errors import (
    AuthenticationError,
    ConfigError,
    ConstraintViolation,
    DuplicateError,
    InvalidValueError,
    MissingReferenceError,
    NotFoundError,
    RequiredFieldError,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
    StoreError,
    StoreUnavailableError,
)
from chimera_algo.store.events import MIGRATION_CHANGED, NEW_JOB
from chimera_algo.store.shares import NewShare
from chimera_algo.store.store import Store, open_store

__all__ = [
    "AuthenticationError", "ConfigError", "ConstraintViolation", "DuplicateError", "InvalidValueError",
    "MissingReferenceError", "NotFoundError", "RequiredFieldError", "SchemaError", "SchemaOutdatedError",
    "SchemaTooNewError", "StoreError", "StoreUnavailableError", "MIGRATION_CHANGED", "NEW_JOB", "NewShare",
    "Store", "open_store",
]
