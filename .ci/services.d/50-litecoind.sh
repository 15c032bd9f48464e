#!/usr/bin/env bash
# Install Debian's litecoind (0.21) and start TWO regtest nodes on 127.0.0.1,
# peered with each other (a node without a peer refuses getblocktemplate),
# with a wallet "pool" on node 1 and at least 101 blocks (one mature coinbase).
# Idempotent: nodes that already answer are reused.
set -euo pipefail
: "${CHIMERA_CI_ENV:?set CHIMERA_CI_ENV to the file that collects test variables}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v litecoind >/dev/null; then
  apt-get install -y -qq litecoind >/dev/null
fi
STATE=${CHIMERA_CI_STATE:-/var/lib/chimera-ci}/litecoind
USER=chimera
PASS=chimera-regtest
declare -A RPC=([1]=19443 [2]=19543)
declare -A P2P=([1]=19444 [2]=19544)

cli() {  # cli NODE ARGS...
  local node=$1; shift
  litecoin-cli -regtest -rpcconnect=127.0.0.1 -rpcport="${RPC[$node]}" -rpcuser=$USER -rpcpassword=$PASS "$@"
}

for node in 1 2; do
  if ! cli "$node" getblockcount >/dev/null 2>&1; then
    mkdir -p "$STATE/node$node"
    litecoind -regtest -daemon -datadir="$STATE/node$node" \
      -server -rpcuser=$USER -rpcpassword=$PASS -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="${RPC[$node]}" \
      -bind=127.0.0.1 -port="${P2P[$node]}" -connect=0 -dnsseed=0 -listenonion=0 -discover=0 -upnp=0 \
      -fallbackfee=0.0001 -txindex=1
    for _ in $(seq 1 120); do
      cli "$node" getblockcount >/dev/null 2>&1 && break
      sleep 0.5
    done
  fi
  cli "$node" getblockcount >/dev/null
done

cli 1 addnode "127.0.0.1:${P2P[2]}" add 2>/dev/null || true  # "already added" on a rerun
for _ in $(seq 1 60); do
  [ "$(cli 1 getconnectioncount)" -ge 1 ] && break
  sleep 0.5
done
[ "$(cli 1 getconnectioncount)" -ge 1 ]

if ! cli 1 listwallets | grep -q '"pool"'; then
  cli 1 loadwallet pool >/dev/null 2>&1 || cli 1 createwallet pool >/dev/null
fi
HEIGHT=$(cli 1 getblockcount)
if [ "$HEIGHT" -lt 101 ]; then
  ADDRESS=$(cli 1 -rpcwallet=pool getnewaddress)
  cli 1 generatetoaddress $((101 - HEIGHT)) "$ADDRESS" >/dev/null
fi
for _ in $(seq 1 60); do
  [ "$(cli 2 getblockcount)" = "$(cli 1 getblockcount)" ] && break
  sleep 0.5
done
echo "litecoind: regtest nodes on 127.0.0.1:${RPC[1]} and :${RPC[2]}, height $(cli 1 getblockcount)"
{
  echo "CHIMERA_LITECOIND_RPC_URL=http://127.0.0.1:${RPC[1]}"
  echo "CHIMERA_LITECOIND_RPC_URL2=http://127.0.0.1:${RPC[2]}"
  echo "CHIMERA_LITECOIND_RPC_USER=$USER"
  echo "CHIMERA_LITECOIND_RPC_PASSWORD=$PASS"
  echo "CHIMERA_LITECOIND_WALLET=pool"
} >> "$CHIMERA_CI_ENV"
