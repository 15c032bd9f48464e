"""Shared test configuration.

Tests that need a server (PostgreSQL, Redis, InfluxDB, litecoind) call
``require_service(name, reason)``: on a developer machine without the server
they skip with the reason; in CI (CHIMERA_REQUIRE_SERVICES=1) they fail.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def require_service(name: str, reason: str) -> None:
    """Skip (developer machine) or fail (CI) when ``name`` is unavailable."""
    message = f"{name} unavailable: {reason}"
    if os.environ.get("CHIMERA_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CI must provide it: see .ci/services.d/)")
    pytest.skip(message)
