"""Shared test configuration: hypothesis profiles.

Tests that need a server use ``service_guard.require_service``.
"""

from __future__ import annotations

import os

from hypothesis import settings

# Subprocesses started by tests (the CLI, crash runners) must import the
# installed chimera_algo, with its compiled _core, not the source tree that a
# working directory at the repository root would put first on sys.path.
os.environ["PYTHONSAFEPATH"] = "1"

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

