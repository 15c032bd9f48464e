"""Errors an operator or the pool can get from the migration controller."""

from __future__ import annotations


class MigrationError(ValueError):
    """A migration request or command that cannot be carried out; nothing changed."""


class AlgorithmNotInstalledError(MigrationError):
    """The target ``name@version`` has no installed implementation."""


class SameVersionError(MigrationError):
    """The target is the implementation the pool already runs."""


class MigrationConflictError(MigrationError):
    """The pool already has a migration that is not finished."""


class ScheduleInPastError(MigrationError):
    """A scheduled switch at a time or height that has already passed."""


class InvalidCommandError(MigrationError):
    """An operator command that the migration's current phase does not allow."""


class MigrationNotFoundError(MigrationError, LookupError):
    """No migration with the given id."""


class StaleRevisionError(RuntimeError):
    """Another process changed the migration first; reload and retry."""


class StaleJobError(LookupError):
    """A share for a job issued under the old algorithm arrived after the grace window."""
