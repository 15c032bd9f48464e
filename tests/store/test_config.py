"""Configuration resolution and the SQLite connection settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chimera_algo.store import ConfigError, open_store
from chimera_algo.store.config import load_config


def test_precedence_argument_env_file_default(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CHIMERA_HOME", str(home))
    monkeypatch.delenv("CHIMERA_DATABASE_URL", raising=False)
    assert load_config().database_url == f"sqlite:///{home / 'chimera.db'}"
    (home / "config.toml").write_text('[database]\nurl = "postgresql://u:p@db/x"\n[retention]\nshares_months = 6\n'
                                      '[redis]\nurl = "redis://127.0.0.1:6379/2"\n')
    config = load_config()
    assert config.database_url == "postgresql+psycopg://u:p@db/x" and config.shares_retention_months == 6
    assert config.redis_url == "redis://127.0.0.1:6379/2"
    monkeypatch.setenv("CHIMERA_DATABASE_URL", "sqlite:////tmp/from-env.db")
    assert load_config().database_url == "sqlite:////tmp/from-env.db"
    assert load_config("sqlite:////tmp/arg.db").database_url == "sqlite:////tmp/arg.db"


def test_bad_configuration_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIMERA_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("[retention]\nshares_months = 0\n")
    with pytest.raises(ConfigError, match="shares_months"):
        load_config()
    (tmp_path / "config.toml").write_text("not = [valid")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config()
    (tmp_path / "config.toml").unlink()
    with pytest.raises(ConfigError, match="in-memory"):
        open_store("sqlite://")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'x.db'}") as store:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
