#!/usr/bin/env bash
# Install Redis from Debian and start it on 127.0.0.1:6379 (no persistence),
# without an init system. Idempotent: a server that already answers is reused.
set -euo pipefail
: "${CHIMERA_CI_ENV:?set CHIMERA_CI_ENV to the file that collects test variables}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v redis-server >/dev/null; then
  apt-get install -y -qq redis-server >/dev/null
fi
if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" != PONG ]; then
  DIR=${CHIMERA_CI_STATE:-/var/lib/chimera-ci}/redis
  mkdir -p "$DIR"
  redis-server --bind 127.0.0.1 --port 6379 --protected-mode yes --daemonize yes \
    --save '' --appendonly no --dir "$DIR" --logfile "$DIR/redis.log"
  for _ in $(seq 1 60); do
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] && break
    sleep 0.25
  done
fi
[ "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG ]
echo "redis: answering on 127.0.0.1:6379"
echo "CHIMERA_TEST_REDIS_URL=redis://127.0.0.1:6379/0" >> "$CHIMERA_CI_ENV"
