"""The one rule for tests that need a server (PostgreSQL, Redis, InfluxDB,
litecoind): on a developer machine without it they skip with the reason; in
CI (CHIMERA_REQUIRE_SERVICES=1) they fail, since CI must provide it.

Import it as ``from service_guard import require_service``: tests/ is on
sys.path in pytest's default import mode (the root conftest lives there).
"""

from __future__ import annotations

import os

import pytest


def require_service(name: str, reason: str) -> None:
    """Skip (developer machine) or fail (CI) when ``name`` is unavailable."""
    message = f"{name} unavailable: {reason}"
    if os.environ.get("CHIMERA_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CI must provide it: see .ci/services.d/)")
    pytest.skip(message)
