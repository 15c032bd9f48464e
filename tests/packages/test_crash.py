"""A process killed in the middle of an install leaves no half-installed row,
and installing again afterwards works."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# Runs the real pipeline in a child process and kills it (os._exit, no
# cleanup, no rollback handler) inside the recording transaction, after the
# algorithms row was inserted and before the commit.
CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from chimera_algo.packages.manager import PackageManager
    from chimera_algo.packages.records import StoreRecords
    from chimera_algo.packages.trust import TrustStore
    from chimera_algo.store import open_store

    home = Path(os.environ["CHIMERA_HOME"])
    records = StoreRecords(open_store(f"sqlite:///{home}/chimera.db"))

    def crash(conn, event):
        os._exit(9)

    records._audit = crash
    manager = PackageManager(records, TrustStore.load(home / "trust.json"), home / "packages")
    manager.install(Path(sys.argv[1]))
    sys.exit(0)  # never reached
""")


def test_crash_mid_install_leaves_no_row_and_reinstall_works(env, built):
    # cwd outside the source tree: "-c" puts the cwd first on sys.path, and the
    # source tree's chimera_algo has no compiled _core in a non-editable install.
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(built["sha256d"])],
        env={**os.environ, "CHIMERA_HOME": str(env.home)}, cwd=env.home, capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == 9, child.stderr
    assert env.records.all() == []
    assert env.records.audit_entries() == []
    # the files had been moved into place before the crash: an orphan without a row
    assert (env.home / "packages" / "sha256d" / "1.0.0" / "manifest.json").exists()

    package = env.manager.install(built["sha256d"])
    assert package.status == "installed"
    assert [p.label for p in env.records.all()] == ["sha256d@1.0.0"]
    assert env.manager.load("sha256d", "1.0.0").hash(b"abc").hex().startswith("4f8b42c2")
