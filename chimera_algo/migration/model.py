"""The persisted state of one migration and the values it is made of."""

from __future__ import annotations

import dataclasses
import enum
import functools
from dataclasses import dataclass, field
from typing import Any, Optional


class Strategy(str, enum.Enum):
    IMMEDIATE = "immediate"
    GRADUAL = "gradual"
    SCHEDULED = "scheduled"


class Status(str, enum.Enum):
    """The data model's ``algorithm_migrations.status`` values."""

    PENDING = "pending"
    STAGING = "staging"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


# A pool may start a new migration only when its last one is in one of these.
FINISHED = frozenset({Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK})


class Phase:
    """``current_phase`` values. Rollout steps are ``rollout:<percent>``."""

    CREATED = "created"
    PREFLIGHT = "preflight"
    SHADOW = "shadow"
    ARMED = "armed"
    SWITCHED = "switched"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    ABORTED = "aborted"

    @staticmethod
    def rollout(percent: int) -> str:
        return f"rollout:{percent}"

    @staticmethod
    def rollout_percent(phase: Optional[str]) -> Optional[int]:
        if phase and phase.startswith("rollout:"):
            return int(phase.split(":", 1)[1])
        return None


DEFAULT_STEPS = (1, 5, 25, 50, 100)


def split_algorithm(spec: str) -> tuple[str, str]:
    """``"sha256d@2.0.0"`` -> ``("sha256d", "2.0.0")``, with a clear error."""
    if not isinstance(spec, str):
        raise TypeError(f"algorithm must be a string NAME@VERSION, got {type(spec).__name__}")
    name, sep, version = spec.partition("@")
    if not sep or not name or not version or "@" in version:
        raise ValueError(f"algorithm must be written NAME@VERSION (e.g. sha256d@1.0.0), got {spec!r}")
    return name, version


@dataclass(frozen=True)
class Thresholds:
    """Step analysis limits. A step passes when, over at least ``min_samples``
    compared shares, every measure is within its limit."""

    max_mismatch_rate: float = 0.0  # same PoW: one different digest is one too many
    max_error_rate: float = 0.001  # candidate exceptions + timeouts per compared share
    max_p99_latency_ratio: float = 3.0  # candidate p99 / control p99
    min_samples: int = 100

    def __post_init__(self) -> None:
        for name in ("max_mismatch_rate", "max_error_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if self.max_p99_latency_ratio <= 0:
            raise ValueError("max_p99_latency_ratio must be positive")
        if self.min_samples < 1:
            raise ValueError("min_samples must be at least 1")


@dataclass
class Migration:
    """One row of ``algorithm_migrations`` plus the plan the controller needs.

    Times are epoch seconds. ``revision`` grows by one with every persisted
    transition; a write with a stale revision is refused (optimistic locking
    between pool processes and the CLI).
    """

    id: str
    pool: str
    from_algorithm: str
    to_algorithm: str
    strategy: Strategy
    salt: str
    shadow_duration: int = 300
    phase_duration: int = 600
    rollback_on_error: bool = True
    steps: tuple[int, ...] = DEFAULT_STEPS
    sample_rate: float = 1.0
    grace_seconds: int = 120
    candidate_timeout: float = 2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    scheduled_at: Optional[float] = None
    scheduled_height: Optional[int] = None

    status: Status = Status.PENDING
    progress: int = 0
    current_phase: str = Phase.CREATED
    paused: bool = False
    paused_at: Optional[float] = None
    phase_started_at: Optional[float] = None
    switched_at: Optional[float] = None
    started_at: Optional[float] = None
    completed_at: Optional[float] = None
    error_message: Optional[str] = None
    performance_impact: Optional[float] = None
    rollback_reason: Optional[str] = None
    revision: int = 0
    created_at: Optional[float] = None
    updated_at: Optional[float] = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @functools.cached_property
    def algorithm_change(self) -> bool:
        """A different PoW (digests differ by design), not another implementation."""
        return split_algorithm(self.from_algorithm)[0] != split_algorithm(self.to_algorithm)[0]

    @property
    def rollout_percent(self) -> int:
        return Phase.rollout_percent(self.current_phase) or 0

    def plan(self) -> dict[str, Any]:
        """The settings that are not columns of the data model, as JSON values."""
        return {
            "from_algorithm": self.from_algorithm,
            "to_algorithm": self.to_algorithm,
            "salt": self.salt,
            "steps": list(self.steps),
            "sample_rate": self.sample_rate,
            "grace_seconds": self.grace_seconds,
            "candidate_timeout": self.candidate_timeout,
            "thresholds": dataclasses.asdict(self.thresholds),
            "scheduled_height": self.scheduled_height,
            "paused": self.paused,
            "paused_at": self.paused_at,
            "phase_started_at": self.phase_started_at,
            "switched_at": self.switched_at,
        }

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["strategy"] = self.strategy.value
        data["status"] = self.status.value
        data["steps"] = list(self.steps)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Migration":
        data = dict(data)
        data["strategy"] = Strategy(data["strategy"])
        data["status"] = Status(data["status"])
        data["steps"] = tuple(data.get("steps") or DEFAULT_STEPS)
        data["thresholds"] = Thresholds(**(data.get("thresholds") or {}))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
