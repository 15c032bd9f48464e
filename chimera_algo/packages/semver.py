"""Semantic versions (semver.org 2.0.0): parse and order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> "Version":
        if not isinstance(text, str):
            raise ValueError(f"version must be a string like '1.2.3', not {type(text).__name__}")
        m = _SEMVER.match(text)
        if not m:
            raise ValueError(f"{text!r} is not a semantic version (expected MAJOR.MINOR.PATCH)")
        pre = tuple(m.group(4).split(".")) if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, text)

    def _key(self) -> tuple:
        # A pre-release sorts before its release; numeric identifiers before
        # alphanumeric ones (semver 11.4). Build metadata is ignored.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: "Version") -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


def engine_version() -> Version:
    """This Chimera's version (``minimum_engine_version`` is checked against it)."""
    from chimera_algo import __version__

    base = __version__.split("+", 1)[0]
    try:
        return Version.parse(base)
    except ValueError:
        return Version.parse("0.0.0")
