"""Where installed packages and the trust store live: under the data
directory the store uses (``$CHIMERA_HOME``, see docs/store.md)."""

from __future__ import annotations

from pathlib import Path

from chimera_algo.store.config import chimera_home


def packages_dir() -> Path:
    return chimera_home() / "packages"


def trust_store_path() -> Path:
    return chimera_home() / "trust.json"
