"""The operator commands end to end: keygen, package, trust, algo."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chimera_algo import packages
from chimera_algo.cli import main
from .helpers import PLUGINS


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "home"))
    for var in ("CHIMERA_DATABASE_URL", "CHIMERA_CONFIG", "CHIMERA_REDIS_URL"):
        monkeypatch.delenv(var, raising=False)
    packages.set_manager(None)
    yield tmp_path
    if packages._manager is not None:
        packages._manager.records.store.close()
    packages.set_manager(None)


def _without_store_config(environ) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k not in ("CHIMERA_DATABASE_URL", "CHIMERA_CONFIG", "CHIMERA_REDIS_URL")}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_operator_workflow(home, capsys, wasm_toolchain):
    alice = home / "alice.key"
    code, out, _ = run(capsys, "keygen", str(alice), "--comment", "alice")
    assert code == 0 and "key id:" in out
    assert oct(alice.stat().st_mode & 0o777) == "0o600"
    code, _, err = run(capsys, "keygen", str(alice))
    assert code == 2 and "refusing to overwrite" in err

    assert run(capsys, "trust", "add", f"{alice}.pub")[0] == 0
    code, out, _ = run(capsys, "trust", "list", "--json")
    (key,) = json.loads(out)
    assert key["name"] == "alice" and not key["revoked"]

    code, out, _ = run(capsys, "package", "build", str(PLUGINS / "sha256d-wasm"), "--key", str(alice), "--out", str(home))
    assert code == 0
    pkg = out.strip()
    assert pkg.endswith("sha256d-wasm-1.0.0.chimera")

    code, out, _ = run(capsys, "package", "inspect", pkg, "--json")
    assert json.loads(out)["manifest"]["algorithm"] == "sha256d"
    code, out, _ = run(capsys, "package", "verify", pkg)
    assert code == 0 and "OK" in out and "sha256d@1.0.0" in out

    code, out, _ = run(capsys, "algo", "install", pkg, "--json")
    assert code == 0 and json.loads(out)["status"] == "installed"
    code, _, err = run(capsys, "algo", "install", pkg)
    assert code == 2 and "refused at the rollback check" in err and "already recorded" in err
    code, _, err = run(capsys, "algo", "install", pkg, "--force")
    assert code == 2 and "--reason" in err

    code, _, err = run(capsys, "algo", "activate", "sha256d@1.0.0")
    assert code == 0, err
    code, out, _ = run(capsys, "algo", "list")
    assert "sha256d" in out and "active" in out and "wasm" in out
    code, out, _ = run(capsys, "algo", "info", "sha256d@1.0.0", "--json")
    assert json.loads(out)[0]["signed_by"] == [key["key_id"]]
    code, _, err = run(capsys, "algo", "activate", "sha256d")
    assert code == 2 and "NAME@VERSION" in err

    code, out, _ = run(capsys, "trust", "policy", "--native", "3", "--json")
    assert json.loads(out)["thresholds"] == {"native": 3, "wasm": 1}

    assert run(capsys, "trust", "revoke", "alice", "--reason", "rotated")[0] == 0
    code, _, err = run(capsys, "package", "verify", pkg)
    assert code == 2 and "signature check" in err and "revoked" in err

    code, _, err = run(capsys, "algo", "remove", "sha256d@1.0.0")
    assert code == 2 and "state check" in err and "activate another version first" in err


def test_k_of_n_signing_with_package_sign(home, capsys, wasm_toolchain):
    keys = []
    for name in ("a", "b"):
        path = home / f"{name}.key"
        run(capsys, "keygen", str(path))
        run(capsys, "trust", "add", f"{path}.pub", "--name", name)
        keys.append(path)
    run(capsys, "trust", "policy", "--wasm", "2")
    _, out, _ = run(capsys, "package", "build", str(PLUGINS / "blake3-wasm"), "--key", str(keys[0]), "--out", str(home))
    pkg = out.strip()
    code, _, err = run(capsys, "algo", "install", pkg)
    assert code == 2 and "1 of 2 required signatures" in err
    assert run(capsys, "package", "sign", pkg, "--key", str(keys[1]))[0] == 0
    code, _, err = run(capsys, "package", "sign", pkg, "--key", str(keys[1]))
    assert code == 2 and "already signed" in err
    assert run(capsys, "algo", "install", pkg)[0] == 0

    assert run(capsys, "algo", "remove", "blake3@1.0.0", "--operator", "ops")[0] == 0
    code, out, _ = run(capsys, "algo", "list", "--json")
    listed = {(p["label"], p["kind"]): p["status"] for p in json.loads(out)}
    assert listed[("blake3@1.0.0", "wasm")] == "deprecated"
    assert any(kind == "builtin" for _, kind in listed)
    code, out, _ = run(capsys, "algo", "list")
    assert "built-in" in out and "deprecated" in out


def test_console_script_runs_in_a_fresh_process(home):
    # cwd outside the source tree (see test_crash.py)
    proc = subprocess.run([sys.executable, "-m", "chimera_algo", "algo", "list"], capture_output=True, text=True,
                          env={**_without_store_config(os.environ), "CHIMERA_HOME": str(home / "fresh")}, cwd=home, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "no packages installed" in proc.stdout


def test_passphrase_protected_key_and_bad_key_files(home, capsys, monkeypatch, wasm_toolchain):
    key = home / "secret.key"
    monkeypatch.setenv("KEY_PASS", "correct horse")
    assert run(capsys, "keygen", str(key), "--passphrase-env", "KEY_PASS")[0] == 0
    assert "ENCRYPTED" in key.read_text()
    code, _, err = run(capsys, "package", "build", str(PLUGINS / "blake3-wasm"), "--key", str(key), "--out", str(home))
    assert code == 2 and "passphrase is wrong" in err
    code, out, _ = run(capsys, "package", "build", str(PLUGINS / "blake3-wasm"), "--key", str(key),
                       "--out", str(home), "--passphrase-env", "KEY_PASS")
    assert code == 0 and out.strip().endswith(".chimera")
    code, _, err = run(capsys, "keygen", str(home / "k2"), "--passphrase-env", "UNSET_VAR_FOR_TEST")
    assert code == 2 and "UNSET_VAR_FOR_TEST" in err

    junk = home / "junk.pub"
    junk.write_text("chimera-ed25519 nothex\n")
    code, _, err = run(capsys, "trust", "add", str(junk))
    assert code == 2 and "64 hex digits" in err
    code, _, err = run(capsys, "trust", "revoke", "nobody", "--reason", "x")
    assert code == 2 and "no trusted key matches 'nobody'" in err
    code, _, err = run(capsys, "trust", "policy", "--wasm", "0")
    assert code == 2 and "at least 1" in err
