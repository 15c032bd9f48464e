#!/usr/bin/env bash
# Install PostgreSQL from Debian and start two throwaway clusters on 127.0.0.1
# without an init system:
#   :5432  the shared test server (CHIMERA_TEST_POSTGRES_URL)
#   :5433  a private server that the store's fault test restarts under load
#          (CHIMERA_TEST_POSTGRES_FAULT_URL + CHIMERA_TEST_POSTGRES_RESTART), so
#          restarting it never disturbs other tests using :5432.
# Idempotent: a cluster that already answers is reused.
set -euo pipefail
: "${CHIMERA_CI_ENV:?set CHIMERA_CI_ENV to the file that collects test variables}"
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get install -y -qq postgresql >/dev/null
fi
# Debian's package creates a "main" cluster on 5432; where an init system
# started it, stop it so our own cluster can take the port.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header | awk '$4 == "online" && $2 == "main" {print $1}' | while read -r version; do
    pg_ctlcluster "$version" main stop || true
  done
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
ROOT=${CHIMERA_CI_STATE:-/var/lib/chimera-ci}/postgres
mkdir -p "$ROOT"
chown postgres:postgres "$ROOT"

as_pg() { runuser -u postgres -- "$@"; }

start_cluster() {  # name port
  local name=$1 port=$2 data="$ROOT/$1"
  if [ -S "$data/.s.PGSQL.$port" ] && as_pg "$BIN/pg_isready" -q -h "$data" -p "$port"; then
    echo "postgres $name: already answering on 127.0.0.1:$port"
    return
  fi
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "postgres $name: port $port is taken by another PostgreSQL server; stop it first" >&2
    exit 1
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  fi
  # Sockets in the data dir: /var/run/postgresql may not exist without the init scripts.
  as_pg "$BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  for _ in $(seq 1 60); do
    as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  as_pg "$BIN/pg_isready" -h 127.0.0.1 -p "$port"
  echo "postgres $name: started on 127.0.0.1:$port ($data)"
}

make_db() {  # name port
  local data="$ROOT/$1" port=$2
  local psql=("$BIN/psql" -h "$data" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt)
  if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='chimera'")" != 1 ]; then
    as_pg "${psql[@]}" -c "CREATE ROLE chimera LOGIN PASSWORD 'chimera' CREATEDB"
  fi
  if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='chimera_test'")" != 1 ]; then
    as_pg "${psql[@]}" -c "CREATE DATABASE chimera_test OWNER chimera"
  fi
}

start_cluster main 5432
make_db main 5432
start_cluster fault 5433
make_db fault 5433

RESTART="$ROOT/restart-fault"
cat > "$RESTART" <<SH
#!/usr/bin/env bash
# Restart the private fault-test PostgreSQL (127.0.0.1:5433) in fast mode,
# staying down \${1:-0} seconds in between (so clients see a real outage).
set -e
runuser -u postgres -- "$BIN/pg_ctl" -D "$ROOT/fault" -m fast -w -t 60 stop >/dev/null
sleep "\${1:-0}"
exec runuser -u postgres -- "$BIN/pg_ctl" -D "$ROOT/fault" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p 5433 -k $ROOT/fault -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  -l "$ROOT/fault/server.log" >/dev/null
SH
chmod +x "$RESTART"

cat >> "$CHIMERA_CI_ENV" <<ENV
CHIMERA_TEST_POSTGRES_URL=postgresql://chimera:chimera@127.0.0.1:5432/chimera_test
CHIMERA_TEST_POSTGRES_FAULT_URL=postgresql://chimera:chimera@127.0.0.1:5433/chimera_test
CHIMERA_TEST_POSTGRES_RESTART=$RESTART
ENV
