"""``chimera migrate`` end to end on a real SQLite store.

The migration resolver sees a registry with a second sha256d implementation
(version 2.0.0, the built-in kernel under another version) behind
``get_hasher(name, version=)``, the signature installed packages use. Only the
resolver's view is replaced: other modules keep the real registry."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from chimera_algo import registry
from chimera_algo.cli import main
from chimera_algo.cli.migrate import progress_bar, watch
from chimera_algo.migration import FakeClock, MigrationController, resolver
from chimera_algo.migration.store_adapter import StoreMigrationRepository
from chimera_algo.store import open_store

from .helpers import BUILTIN, CONTROL, WrappedHasher


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path))
    for var in ("CHIMERA_DATABASE_URL", "CHIMERA_REDIS_URL", "CHIMERA_INFLUX_URL", "CHIMERA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    installed = {BUILTIN.version: BUILTIN, "2.0.0": WrappedHasher("2.0.0", FakeClock())}

    def get_hasher(name, version=None):
        if name != "sha256d" or (version or BUILTIN.version) not in installed:
            raise registry.UnknownAlgorithmError(f"{name}@{version}", ["sha256d"])
        return installed[version or BUILTIN.version]

    monkeypatch.setattr(resolver, "registry", SimpleNamespace(get_hasher=get_hasher))
    return f"sqlite:///{tmp_path}/chimera.db"


def run(db, capsys, *argv):
    code = main(["migrate", "--database", db, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def start_args(*extra):
    return ["start", "--pool", "pool-a", "--from", CONTROL, "--to", "sha256d@2.0.0", *extra]


def test_lifecycle(db, capsys):
    code, out, err = run(db, capsys, *start_args("--strategy", "gradual", "--steps", "10,100",
                                                 "--max-latency-ratio", "40", "--json"))
    assert code == 0, err
    started = json.loads(out)
    mid = started["id"]
    assert (started["status"], started["current_phase"], started["progress"]) == ("in_progress", "shadow", 0)
    assert started["from_algorithm"] == CONTROL and started["steps"] == [10, 100]
    assert started["thresholds"]["max_p99_latency_ratio"] == 40

    code, out, _ = run(db, capsys, "status", mid)
    assert code == 0 and "sha256d@0.1.0 -> sha256d@2.0.0  (gradual)" in out
    assert progress_bar(0) in out and "in_progress" in out and "shadow" in out

    code, out, _ = run(db, capsys, "list")
    assert code == 0 and mid in out and "pool-a" in out

    assert run(db, capsys, "pause", mid)[0] == 0
    code, out, _ = run(db, capsys, "status", "--pool", "pool-a", "--json")
    assert json.loads(out)["paused"] is True
    assert run(db, capsys, "resume", mid)[0] == 0
    code, out, _ = run(db, capsys, "promote", mid, "--json")
    assert (json.loads(out)["status"], json.loads(out)["progress"]) == ("completed", 100)
    code, out, _ = run(db, capsys, "rollback", mid, "--reason", "drill", "--json")
    assert json.loads(out)["rollback_reason"] == "rolled back by operator: drill"

    # history decides the pool's current implementation; no --from needed now
    code, out, err = run(db, capsys, "start", "--pool", "pool-a", "--to", "sha256d@2.0.0",
                         "--strategy", "immediate", "--json")
    assert code == 0, err
    assert json.loads(out)["from_algorithm"] == CONTROL and json.loads(out)["status"] == "completed"

    with open_store(db) as store:
        actions = [e.action for e in store.audit.list(subject=mid)]
        assert sorted(actions) == sorted(["migration.start", "migration.pause", "migration.resume",
                                          "migration.promote", "migration.rollback"])


@pytest.mark.parametrize("argv, words", [
    (["start", "--pool", "p", "--from", CONTROL, "--to", "sha256d@9.9.9", "--strategy", "gradual"],
     "sha256d@9.9.9 is not installed"),
    (["start", "--pool", "p", "--from", CONTROL, "--to", CONTROL, "--strategy", "gradual"], "already runs"),
    (start_args("--strategy", "scheduled", "--at", "2001-01-01T00:00:00Z"), "in the past"),
    (start_args("--strategy", "scheduled", "--height", "5", "--current-height", "9"), "not above the current"),
    (start_args("--strategy", "gradual", "--steps", "50,10"), "rise strictly"),
    (start_args("--strategy", "gradual", "--max-error-rate", "2"), "max_error_rate must be in [0, 1]"),
    (["start", "--pool", "fresh", "--to", "sha256d@2.0.0", "--strategy", "gradual"], "--from NAME@VERSION"),
    (["status", "0badc0de-0000-0000-0000-000000000000"], "no migration with id"),
    (["pause", "not-an-id"], "is not a migration id"),
])
def test_bad_input_is_one_clear_line_and_changes_nothing(db, capsys, argv, words):
    code, out, err = run(db, capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("chimera: error: ") and words in err and err.count("\n") == 1
    assert run(db, capsys, "list", "--json")[1].strip() == "[]"


def test_second_migration_of_a_pool_is_refused(db, capsys):
    code, out, _ = run(db, capsys, *start_args("--strategy", "gradual", "--json"))
    first = json.loads(out)["id"]
    code, out, err = run(db, capsys, *start_args("--strategy", "immediate"))
    assert code == 2 and first in err and "abort or finish it first" in err
    assert len(json.loads(run(db, capsys, "list", "--json")[1])) == 1


def test_watch_shows_each_change_until_finished(db, capsys):
    assert run(db, capsys, *start_args("--strategy", "gradual", "--steps", "50,100"))[0] == 0
    with open_store(db) as store:
        repository = StoreMigrationRepository(store)
        pool = MigrationController("pool-a", repository)  # the pool process, driven by the watcher's waits
        script = iter([pool.pause, pool.resume, pool.promote])
        out = io.StringIO()
        final = watch(lambda: repository.latest_for_pool("pool-a"), out, as_json_lines=False,
                      wait=lambda: next(script)())
    lines = out.getvalue().splitlines()
    assert lines == [
        f"{progress_bar(0)}  in_progress  shadow",
        f"{progress_bar(0)}  in_progress  shadow (paused)",
        f"{progress_bar(0)}  in_progress  shadow",
        f"{progress_bar(100)}  completed    completed",
    ]
    assert final.status.value == "completed"
