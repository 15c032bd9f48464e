"""Migrating a live pool from one proof-of-work implementation or algorithm to
another: shadow comparison, gradual sticky rollout, scheduled switch, with
automatic rollback. See docs/migration.md."""

from chimera_algo.migration.clock import Clock, FakeClock, SystemClock
from chimera_algo.migration.controller import MigrationController
from chimera_algo.migration.errors import (
    AlgorithmNotInstalledError,
    InvalidCommandError,
    MigrationConflictError,
    MigrationError,
    MigrationNotFoundError,
    SameVersionError,
    ScheduleInPastError,
    StaleJobError,
    StaleRevisionError,
)
from chimera_algo.migration.executor import BackgroundExecutor, ComparisonExecutor, DeferredExecutor
from chimera_algo.migration.experiment import Share, SideResult, Verdict
from chimera_algo.migration.model import Migration, Phase, Status, Strategy, Thresholds

__all__ = [
    "AlgorithmNotInstalledError", "BackgroundExecutor", "Clock", "ComparisonExecutor",
    "DeferredExecutor", "FakeClock", "InvalidCommandError", "Migration", "MigrationConflictError",
    "MigrationController", "MigrationError", "MigrationNotFoundError", "Phase", "SameVersionError",
    "ScheduleInPastError", "Share", "SideResult", "StaleJobError", "StaleRevisionError", "Status",
    "Strategy", "SystemClock", "Thresholds", "Verdict",
]
