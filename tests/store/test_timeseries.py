"""Time series: SQL rollups on both backends, and InfluxDB 1.x over the line protocol."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chimera_algo.store.timeseries import InfluxTimeSeries, Point, line_protocol
from .conftest import require_service

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _points(pool: str = "p1"):
    # Minute 0: 100, 300 ; minute 1: 200 ; minute 61: 50
    for offset, value in ((5, 100), (40, 300), (70, 200), (61 * 60 + 1, 50)):
        yield Point("pool_stats", {"pool_id": pool, "algorithm": "sha256d"},
                    {"total_hashrate": value, "pool_luck_percentage": value / 10}, T0 + timedelta(seconds=offset))


def test_sql_rollups(store):
    ts = store.timeseries
    ts.write(list(_points()))
    ts.write(list(_points("p2")))
    minutes = ts.query("pool_stats", "total_hashrate", T0, T0 + timedelta(hours=2), "1m", tags={"pool_id": "p1"})
    assert [(b.start, b.count, b.mean, b.min, b.max, b.last) for b in minutes] == [
        (T0, 2, 200.0, 100.0, 300.0, 300.0),
        (T0 + timedelta(minutes=1), 1, 200.0, 200.0, 200.0, 200.0),
        (T0 + timedelta(minutes=61), 1, 50.0, 50.0, 50.0, 50.0),
    ]
    hours = ts.query("pool_stats", "total_hashrate", T0, T0 + timedelta(hours=2), "1h", tags={"pool_id": "p1"})
    assert [(b.count, b.mean, b.last) for b in hours] == [(3, 200.0, 200.0), (1, 50.0, 50.0)]
    both = ts.query("pool_stats", "total_hashrate", T0, T0 + timedelta(minutes=1), "1m")
    assert both[0].count == 4  # both pools' series merge when no tag filter is given
    ts.write([next(_points())])  # a later write into an existing bucket accumulates
    assert ts.query("pool_stats", "total_hashrate", T0, T0 + timedelta(minutes=1), "1m",
                    tags={"pool_id": "p1"})[0].count == 3


def test_sql_retention(store):
    ts = store.timeseries
    now = datetime.now(timezone.utc)
    for age in (timedelta(hours=25), timedelta(days=400), timedelta(minutes=5)):
        ts.record("system_metrics", {"server_id": "s1", "component": "stratum_server"},
                  {"cpu_usage_percentage": 12.5}, now - age)
    deleted = ts.apply_retention(now)
    assert deleted == {"ts_points_1m": 2, "ts_points_1h": 1}
    assert len(ts.query("system_metrics", "cpu_usage_percentage", now - timedelta(days=500), now, "1h")) == 2
    assert len(ts.query("system_metrics", "cpu_usage_percentage", now - timedelta(days=500), now, "1m")) == 1


def test_points_follow_the_data_model():
    with pytest.raises(ValueError, match="unknown measurement"):
        Point("cpu", {}, {"x": 1})
    with pytest.raises(ValueError, match="no tag"):
        Point("pool_stats", {"miner_id": "m"}, {"total_hashrate": 1})
    with pytest.raises(TypeError, match="integer field"):
        Point("pool_stats", {}, {"total_hashrate": 1.5})
    with pytest.raises(ValueError, match="no field"):
        Point("mining_stats", {}, {"luck": 1.0})
    with pytest.raises(ValueError, match="finite"):
        Point("mining_stats", {}, {"efficiency_percentage": float("nan")})
    with pytest.raises(ValueError, match="timezone-aware"):
        Point("mining_stats", {}, {"hashrate": 1}, datetime(2026, 1, 1))


def test_line_protocol():
    p = Point("mining_stats", {"pool_id": "a b", "miner_id": "x,y=z"},
              {"hashrate": 12, "efficiency_percentage": 99.5}, datetime(2026, 1, 1, 0, 0, 1, 5, tzinfo=timezone.utc))
    assert line_protocol(p) == (r"mining_stats,miner_id=x\,y\=z,pool_id=a\ b hashrate=12i,efficiency_percentage=99.5 "
                                "1767225601000005000")


@pytest.fixture
def influx_url() -> str:
    url = os.environ.get("CHIMERA_TEST_INFLUX_URL")
    if not url:
        require_service("InfluxDB", "CHIMERA_TEST_INFLUX_URL is not set")
    try:
        urllib.request.urlopen(f"{url}/ping", timeout=2)
    except OSError as exc:
        require_service("InfluxDB", f"cannot reach {url}: {exc}")
    return url  # type: ignore[return-value]


def test_influxdb_round_trip(influx_url):
    database = f"chimera_test_{uuid.uuid4().hex[:8]}"
    ts = InfluxTimeSeries(influx_url, database)
    try:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=5)
        points = [Point("mining_stats", {"pool_id": "p1", "miner_id": "m1"},
                        {"hashrate": h, "shares_per_minute": h / 100}, now + timedelta(seconds=s))
                  for s, h in ((1, 1000), (30, 3000), (65, 2000))]
        points.append(Point("mining_stats", {"pool_id": "p2", "miner_id": "m9"}, {"hashrate": 7}, now))
        ts.write(points)
        buckets = ts.query("mining_stats", "hashrate", now, now + timedelta(minutes=3), "1m", tags={"pool_id": "p1"})
        assert [(b.start, b.count, b.mean, b.min, b.max, b.last) for b in buckets] == [
            (now, 2, 2000.0, 1000.0, 3000.0, 3000.0),
            (now + timedelta(minutes=1), 1, 2000.0, 2000.0, 2000.0, 2000.0),
        ]
        policies = json.loads(urllib.request.urlopen(
            f"{influx_url}/query?" + urllib.parse.urlencode({"q": f'SHOW RETENTION POLICIES ON "{database}"'}),
            timeout=5).read())["results"][0]["series"][0]["values"]
        durations = {row[0]: row[1] for row in policies}
        assert durations["raw"] == "24h0m0s" and durations["hourly"] == "8736h0m0s"
    finally:
        request = urllib.request.Request(
            f"{influx_url}/query?" + urllib.parse.urlencode({"q": f'DROP DATABASE "{database}"'}), data=b"")
        urllib.request.urlopen(request, timeout=5)
