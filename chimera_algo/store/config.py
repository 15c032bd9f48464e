"""Where the store lives: database URL, Redis, InfluxDB and retention settings.

Resolution order for each setting: explicit argument, environment variable,
config file, default. The config file is ``$CHIMERA_CONFIG`` or
``$CHIMERA_HOME/config.toml``::

    [database]
    url = "postgresql://chimera:secret@127.0.0.1/chimera"
    [redis]
    url = "redis://127.0.0.1:6379/0"
    [influxdb]
    url = "http://127.0.0.1:8086"
    database = "chimera"
    [retention]
    shares_months = 3

``CHIMERA_HOME`` defaults to ``$XDG_DATA_HOME/chimera`` (``~/.local/share/chimera``);
the default database is ``sqlite:///$CHIMERA_HOME/chimera.db``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chimera_algo.store.errors import ConfigError


def chimera_home() -> Path:
    """The data directory: ``$CHIMERA_HOME`` or the XDG data dir."""
    home = os.environ.get("CHIMERA_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "chimera"


def config_path() -> Path:
    explicit = os.environ.get("CHIMERA_CONFIG")
    return Path(explicit).expanduser() if explicit else chimera_home() / "config.toml"


def _load_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        if os.environ.get("CHIMERA_CONFIG"):
            raise ConfigError(f"config file {path} (from CHIMERA_CONFIG) does not exist")
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None


@dataclass(frozen=True)
class StoreConfig:
    database_url: str
    redis_url: str | None = None
    influx_url: str | None = None
    influx_database: str = "chimera"
    shares_retention_months: int = 3

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"


def normalize_database_url(url: str) -> str:
    """Accept ``sqlite:///PATH`` and ``postgresql://...``; pick the psycopg 3 driver."""
    if not isinstance(url, str) or not url:
        raise ConfigError("database URL must be a non-empty string")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return url
    raise ConfigError(
        f"unsupported database URL {url.split('://')[0]!r}://...: use sqlite:///PATH or postgresql://USER:PASS@HOST/DB"
    )


def load_config(
    database_url: str | None = None,
    redis_url: str | None = None,
    influx_url: str | None = None,
) -> StoreConfig:
    """Resolve the configuration (arguments > environment > config file > defaults)."""
    file = _load_file(config_path())
    db = file.get("database", {})
    redis = file.get("redis", {})
    influx = file.get("influxdb", {})
    retention = file.get("retention", {})
    url = database_url or os.environ.get("CHIMERA_DATABASE_URL") or db.get("url")
    if not url:
        url = f"sqlite:///{chimera_home() / 'chimera.db'}"
    months = retention.get("shares_months", 3)
    if not isinstance(months, int) or months < 1:
        raise ConfigError(f"retention.shares_months must be a positive integer, got {months!r}")
    return StoreConfig(
        database_url=normalize_database_url(url),
        redis_url=redis_url or os.environ.get("CHIMERA_REDIS_URL") or redis.get("url"),
        influx_url=influx_url or os.environ.get("CHIMERA_INFLUX_URL") or influx.get("url"),
        influx_database=os.environ.get("CHIMERA_INFLUX_DATABASE") or influx.get("database", "chimera"),
        shares_retention_months=months,
    )
