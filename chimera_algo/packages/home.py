"""Where installed packages and the trust store live: ``$CHIMERA_HOME``
(default ``~/.chimera``)."""

from __future__ import annotations

import os
from pathlib import Path


def chimera_home() -> Path:
    return Path(os.environ.get("CHIMERA_HOME") or Path.home() / ".chimera")


def packages_dir() -> Path:
    return chimera_home() / "packages"


def trust_store_path() -> Path:
    return chimera_home() / "trust.json"
