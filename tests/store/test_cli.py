"""``chimera db ...`` end to end."""

from __future__ import annotations

from chimera_algo.cli import main


def test_init_status_upgrade_retention(backend, fresh_url, capsys):
    assert main(["db", "--url", fresh_url, "status"]) == 1
    assert "run `chimera db init`" in capsys.readouterr().out
    assert main(["db", "--url", fresh_url, "init"]) == 0
    out = capsys.readouterr().out
    assert "schema empty -> 0003" in out
    assert main(["db", "--url", fresh_url, "upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["db", "--url", fresh_url, "status"]) == 0
    out = capsys.readouterr().out
    assert "current" in out and "supported_cryptocurrencies" in out
    assert main(["db", "--url", fresh_url, "retention", "--months", "3"]) == 0
    assert "shares before" in capsys.readouterr().out


def test_default_sqlite_under_chimera_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CHIMERA_DATABASE_URL", raising=False)
    assert main(["db", "init"]) == 0
    assert (tmp_path / "home" / "chimera.db").exists()
    assert "chimera.db" in capsys.readouterr().out


def test_config_file_chooses_the_database(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(f'[database]\nurl = "sqlite:///{tmp_path}/from-config.db"\n')
    monkeypatch.setenv("CHIMERA_HOME", str(home))
    monkeypatch.delenv("CHIMERA_DATABASE_URL", raising=False)
    assert main(["db", "init"]) == 0
    assert (tmp_path / "from-config.db").exists()


def test_operator_errors_are_one_line(tmp_path, monkeypatch, capsys):
    assert main(["db", "--url", "mysql://x/y", "init"]) == 2
    assert "unsupported database URL" in capsys.readouterr().err
    assert main(["db", "--url", "postgresql://nobody:x@127.0.0.1:1/nothing", "init"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chimera: error: cannot initialize") and err.count("\n") == 1
    monkeypatch.setenv("CHIMERA_CONFIG", str(tmp_path / "missing.toml"))
    assert main(["db", "status"]) == 2
    assert "does not exist" in capsys.readouterr().err
