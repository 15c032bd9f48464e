#!/usr/bin/env bash
# Install InfluxDB 1.x from Debian and start influxd in the background with a
# config that binds only 127.0.0.1 (HTTP :8086, RPC :8088), without an init
# system. Idempotent: a server that already answers /ping is reused.
set -euo pipefail
: "${CHIMERA_CI_ENV:?set CHIMERA_CI_ENV to the file that collects test variables}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v influxd >/dev/null || ! command -v curl >/dev/null; then
  apt-get install -y -qq influxdb curl >/dev/null
fi
URL=http://127.0.0.1:8086
answering() { curl -sf -o /dev/null "$URL/ping"; }
if ! answering; then
  DIR=${CHIMERA_CI_STATE:-/var/lib/chimera-ci}/influxdb
  mkdir -p "$DIR"
  cat > "$DIR/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:8088"
[meta]
  dir = "$DIR/meta"
[data]
  dir = "$DIR/data"
  wal-dir = "$DIR/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:8086"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
  setsid nohup influxd -config "$DIR/influxdb.conf" >"$DIR/influxd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do
    answering && break
    sleep 0.25
  done
fi
answering
curl -sf -o /dev/null -XPOST "$URL/query" --data-urlencode "q=CREATE DATABASE chimera_test"
echo "influxdb: answering on $URL"
echo "CHIMERA_TEST_INFLUX_URL=$URL" >> "$CHIMERA_CI_ENV"
