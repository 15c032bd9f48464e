"""Time-series statistics: the data model's measurements as points.

Points of ``mining_stats``, ``pool_stats`` and ``system_metrics`` (tags and
typed fields exactly as in the data model) are validated, then either

* rolled up in SQL (default): per series and field, 1-minute and 1-hour
  buckets holding count/sum/min/max/last; retention keeps 1-minute buckets
  24 hours (the data model's "real-time data") and hourly ones 1 year; or
* written to InfluxDB 1.x with the line protocol when an InfluxDB URL is
  configured (retention there: raw points 24 h, a continuous query keeps
  hourly means for 52 weeks).

Both answer ``query()`` with the same bucket list.
"""

from __future__ import annotations

import json
import logging
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from chimera_algo.store.config import StoreConfig
from chimera_algo.store.errors import StoreUnavailableError
from chimera_algo.store.schema import ts_points_1h, ts_points_1m

log = logging.getLogger("chimera.store.timeseries")


@dataclass(frozen=True)
class Measurement:
    tags: tuple[str, ...]
    fields: Mapping[str, type]


MEASUREMENTS: dict[str, Measurement] = {
    "mining_stats": Measurement(
        ("pool_id", "miner_id", "cryptocurrency", "algorithm"),
        {"hashrate": int, "difficulty": int, "shares_accepted": int, "shares_rejected": int,
         "shares_per_minute": float, "efficiency_percentage": float},
    ),
    "pool_stats": Measurement(
        ("pool_id", "cryptocurrency", "algorithm"),
        {"total_hashrate": int, "active_miners": int, "total_shares": int, "blocks_found": int,
         "network_difficulty": int, "pool_luck_percentage": float},
    ),
    "system_metrics": Measurement(
        ("server_id", "component"),
        {"cpu_usage_percentage": float, "memory_usage_bytes": int, "network_connections": int,
         "response_time_ms": float, "error_rate": float},
    ),
}

RAW_RETENTION = timedelta(hours=24)
HOURLY_RETENTION = timedelta(days=365)
RESOLUTIONS = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1)}


@dataclass(frozen=True)
class Point:
    measurement: str
    tags: Mapping[str, str]
    fields: Mapping[str, int | float]
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        spec = MEASUREMENTS.get(self.measurement)
        if spec is None:
            raise ValueError(f"unknown measurement {self.measurement!r}; expected one of {', '.join(MEASUREMENTS)}")
        bad_tags = set(self.tags) - set(spec.tags)
        if bad_tags:
            raise ValueError(f"{self.measurement} has no tag(s) {', '.join(sorted(bad_tags))}; tags: {', '.join(spec.tags)}")
        for k, v in self.tags.items():
            if not isinstance(v, str) or not v:
                raise ValueError(f"{self.measurement} tag {k} must be a non-empty string")
        if not self.fields:
            raise ValueError(f"a {self.measurement} point needs at least one field")
        for name, value in self.fields.items():
            kind = spec.fields.get(name)
            if kind is None:
                raise ValueError(f"{self.measurement} has no field {name!r}; fields: {', '.join(spec.fields)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{self.measurement}.{name} must be a number, got {type(value).__name__}")
            if kind is int and not isinstance(value, int):
                raise TypeError(f"{self.measurement}.{name} is an integer field, got {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{self.measurement}.{name} must be finite, got {value}")
        if self.time.tzinfo is None:
            raise ValueError("point time must be timezone-aware (UTC)")

    @property
    def series(self) -> str:
        return ",".join(f"{k}={self.tags[k]}" for k in sorted(self.tags))


@dataclass(frozen=True)
class Bucket:
    start: datetime
    count: int
    mean: float
    min: float
    max: float
    last: float


def _floor(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(timezone.utc)
    seconds = int(moment.timestamp()) // int(step.total_seconds()) * int(step.total_seconds())
    return datetime.fromtimestamp(seconds, timezone.utc)


class TimeSeries(ABC):
    @abstractmethod
    def write(self, points: Iterable[Point]) -> None: ...

    def record(self, measurement: str, tags: Mapping[str, str], fields: Mapping[str, int | float],
               time: datetime | None = None) -> None:
        self.write([Point(measurement, dict(tags), dict(fields), time or datetime.now(timezone.utc))])

    @abstractmethod
    def query(self, measurement: str, field: str, start: datetime, end: datetime, resolution: str = "1m",
              tags: Mapping[str, str] | None = None) -> list[Bucket]:
        """Buckets of ``field`` in [start, end) at ``resolution`` ("1m" or "1h"), oldest first."""

    @abstractmethod
    def apply_retention(self, now: datetime | None = None) -> dict[str, int]: ...

    def close(self) -> None:
        pass


def _check_query(measurement: str, field_name: str, resolution: str, tags: Mapping[str, str] | None) -> None:
    spec = MEASUREMENTS.get(measurement)
    if spec is None or field_name not in spec.fields:
        raise ValueError(f"unknown measurement/field {measurement}.{field_name}")
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}, got {resolution!r}")
    if tags and set(tags) - set(spec.tags):
        raise ValueError(f"{measurement} has no tag(s) {', '.join(sorted(set(tags) - set(spec.tags)))}")


class SqlTimeSeries(TimeSeries):
    """1-minute and 1-hour rollups in the store's own database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pg = engine.dialect.name == "postgresql"

    def _upsert(self, table, rows: list[dict]) -> None:
        insert = (postgresql.insert if self._pg else sqlite.insert)(table)
        least, greatest = (func.least, func.greatest) if self._pg else (func.min, func.max)
        x = insert.excluded
        stmt = insert.on_conflict_do_update(
            index_elements=["measurement", "series", "field", "bucket"],
            set_={"count": table.c.count + x["count"], "sum": table.c.sum + x["sum"],
                  "min": least(table.c.min, x["min"]), "max": greatest(table.c.max, x["max"]), "last": x["last"]},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def write(self, points: Iterable[Point]) -> None:
        ordered = sorted(points, key=lambda p: p.time)  # so "last" is the latest value
        for table, step in ((ts_points_1m, RESOLUTIONS["1m"]), (ts_points_1h, RESOLUTIONS["1h"])):
            merged: dict[tuple, dict] = {}
            for p in ordered:
                bucket = _floor(p.time, step)
                for name, value in p.fields.items():
                    key = (p.measurement, p.series, name, bucket)
                    v = float(value)
                    row = merged.get(key)
                    if row is None:
                        merged[key] = {"measurement": p.measurement, "series": p.series, "field": name,
                                       "bucket": bucket, "tags": dict(p.tags), "count": 1, "sum": v, "min": v,
                                       "max": v, "last": v}
                    else:
                        row.update(count=row["count"] + 1, sum=row["sum"] + v, min=min(row["min"], v),
                                   max=max(row["max"], v), last=v)
            if merged:
                self._upsert(table, list(merged.values()))

    def query(self, measurement: str, field: str, start: datetime, end: datetime, resolution: str = "1m",
              tags: Mapping[str, str] | None = None) -> list[Bucket]:
        _check_query(measurement, field, resolution, tags)
        t = ts_points_1m if resolution == "1m" else ts_points_1h
        query = select(t.c.bucket, t.c.count, t.c.sum, t.c.min, t.c.max, t.c.last, t.c.tags).where(
            t.c.measurement == measurement, t.c.field == field, t.c.bucket >= _floor(start, RESOLUTIONS[resolution]),
            t.c.bucket < end).order_by(t.c.bucket)
        merged: dict[datetime, list[float]] = {}
        with self.engine.connect() as conn:
            for bucket, count, total, lo, hi, last, row_tags in conn.execute(query):
                if tags and any(row_tags.get(k) != v for k, v in tags.items()):
                    continue
                m = merged.get(bucket)
                if m is None:
                    merged[bucket] = [count, total, lo, hi, last]
                else:
                    merged[bucket] = [m[0] + count, m[1] + total, min(m[2], lo), max(m[3], hi), last]
        return [Bucket(b, int(c), s / c, lo, hi, last) for b, (c, s, lo, hi, last) in sorted(merged.items())]

    def apply_retention(self, now: datetime | None = None) -> dict[str, int]:
        now = now or datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            raw = conn.execute(delete(ts_points_1m).where(ts_points_1m.c.bucket < now - RAW_RETENTION)).rowcount
            hourly = conn.execute(delete(ts_points_1h).where(ts_points_1h.c.bucket < now - HOURLY_RETENTION)).rowcount
        return {"ts_points_1m": raw, "ts_points_1h": hourly}


_ESCAPE_KEY = re.compile(r"([,= ])")


def _escape(text: str) -> str:
    return _ESCAPE_KEY.sub(r"\\\1", text)


def line_protocol(p: Point) -> str:
    """One InfluxDB line: ``measurement,tag=v field=1i,other=0.5 <ns>``; integers get ``i``."""
    spec = MEASUREMENTS[p.measurement]
    tags = "".join(f",{_escape(k)}={_escape(p.tags[k])}" for k in sorted(p.tags))
    fields = ",".join(
        f"{_escape(k)}={v}i" if spec.fields[k] is int else f"{_escape(k)}={float(v)!r}"
        for k, v in p.fields.items()
    )
    ns = int(p.time.timestamp()) * 1_000_000_000 + p.time.microsecond * 1000
    return f"{p.measurement}{tags} {fields} {ns}"


class InfluxTimeSeries(TimeSeries):
    """InfluxDB 1.x over HTTP (/write line protocol, /query InfluxQL)."""

    def __init__(self, url: str, database: str, timeout: float = 5.0) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_]+", database):
            raise ValueError(f"InfluxDB database name must be [A-Za-z0-9_]+, got {database!r}")
        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._setup()

    def _request(self, path: str, params: dict[str, str], body: bytes | None = None) -> bytes:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip()
            raise StoreUnavailableError(f"InfluxDB {path} failed: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreUnavailableError(f"InfluxDB at {self.url} unreachable: {exc}") from None

    def _influxql(self, statement: str, write: bool = False) -> dict:
        params = {"q": statement, "db": self.database, "epoch": "ns"}
        raw = self._request("/query", params, body=b"" if write else None)
        result = json.loads(raw)
        for r in result.get("results", []):
            if "error" in r:
                raise StoreUnavailableError(f"InfluxDB rejected {statement!r}: {r['error']}")
        return result

    def _setup(self) -> None:
        db = self.database
        self._influxql(f'CREATE DATABASE "{db}"', write=True)
        self._influxql(f'CREATE RETENTION POLICY "raw" ON "{db}" DURATION 24h REPLICATION 1 DEFAULT', write=True)
        self._influxql(f'CREATE RETENTION POLICY "hourly" ON "{db}" DURATION 52w REPLICATION 1', write=True)
        for m in MEASUREMENTS:
            self._influxql(
                f'CREATE CONTINUOUS QUERY "cq_{m}_1h" ON "{db}" BEGIN SELECT mean(*) INTO "{db}"."hourly"."{m}" '
                f'FROM "{db}"."raw"."{m}" GROUP BY time(1h), * END', write=True)

    def write(self, points: Iterable[Point]) -> None:
        body = "\n".join(line_protocol(p) for p in points)
        if body:
            self._request("/write", {"db": self.database, "rp": "raw", "precision": "ns"}, body.encode())

    def query(self, measurement: str, field: str, start: datetime, end: datetime, resolution: str = "1m",
              tags: Mapping[str, str] | None = None) -> list[Bucket]:
        _check_query(measurement, field, resolution, tags)
        where = [f"time >= {int(_floor(start, RESOLUTIONS[resolution]).timestamp())}s",
                 f"time < {int(end.timestamp() * 1e6)}u"]
        for k, v in (tags or {}).items():
            quoted = v.replace("\\", "\\\\").replace("'", "\\'")
            where.append(f""""{k}" = '{quoted}'""")
        statement = (f'SELECT count("{field}"), mean("{field}"), min("{field}"), max("{field}"), last("{field}") '
                     f'FROM "{self.database}"."raw"."{measurement}" WHERE {" AND ".join(where)} '
                     f'GROUP BY time({resolution}) fill(none)')
        result = self._influxql(statement)
        buckets = []
        for series in result["results"][0].get("series", []):
            for ns, count, mean, lo, hi, last in series["values"]:
                start_at = datetime.fromtimestamp(ns / 1e9, timezone.utc)
                buckets.append(Bucket(start_at, int(count), float(mean), float(lo), float(hi), float(last)))
        return buckets

    def apply_retention(self, now: datetime | None = None) -> dict[str, int]:
        return {}  # InfluxDB enforces its retention policies itself

    def close(self) -> None:
        pass


def open_timeseries(config: StoreConfig, engine: Engine) -> TimeSeries:
    if config.influx_url:
        return InfluxTimeSeries(config.influx_url, config.influx_database)
    return SqlTimeSeries(engine)
