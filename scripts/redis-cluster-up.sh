#!/usr/bin/env bash
# Make sure a local Redis Cluster answers: M masters (default 3) on consecutive ports from
# the base port (default 7001), each with R replicas (default 0) on the ports after the
# masters. A cluster already up on those ports with that many nodes is reused.
#
#   out="$(bash scripts/redis-cluster-up.sh)" && eval "$out"
#   bash scripts/redis-cluster-up.sh --base-port 7101 --replicas 1   # 3 masters + 3 replicas
#   bash scripts/redis-cluster-up.sh --down [--base-port 7101 ...]    # stop those nodes
#
# STDOUT: one line for `eval`: export REDIS_CLUSTER_NODES='127.0.0.1:7001,...'
# STDERR: progress messages prefixed with [cluster].
#
# Nodes: daemonized redis-server, 127.0.0.1 only, no persistence, cluster-node-timeout
# 2000 ms (a replica takes over a dead master in a few seconds); dir, nodes.conf and log in
# .services/redis-cluster-<port>/. Needs redis-server and redis-cli >= 7 (scripts/services-up.sh
# installs them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE=7001
MASTERS=3
REPLICAS=0
DOWN=0
NODE_TIMEOUT_MS=2000
WAIT_S=30

# Stdout carries only the lines for `eval` (emit); everything else goes to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/eval-output.sh"
log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --base-port) BASE=$2; shift 2 ;;
    --masters) MASTERS=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --down) DOWN=1; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done
for n in "$BASE" "$MASTERS" "$REPLICAS"; do [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"; done
((MASTERS >= 3)) || die "a Redis Cluster needs at least 3 masters"

total=$((MASTERS * (1 + REPLICAS)))
ports=()
for ((i = 0; i < total; i++)); do ports+=($((BASE + i))); done
dir_of() { echo "$ROOT/.services/redis-cluster-$1"; }
ping_port() { [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]]; }
cluster_info() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

if ((DOWN)); then
  for port in "${ports[@]}"; do
    if ping_port "$port"; then redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; fi
    rm -rf "$(dir_of "$port")"
  done
  log "stopped the nodes on ${ports[0]}-${ports[-1]}"
  exit 0
fi

command -v redis-server >/dev/null && command -v redis-cli >/dev/null || die "redis-server and redis-cli are needed (bash scripts/services-up.sh installs them)"

nodes=$(printf '127.0.0.1:%s,' "${ports[@]}")
nodes=${nodes%,}

if ping_port "${ports[0]}" && [[ $(cluster_info "${ports[0]}" cluster_state) == ok ]] &&
  [[ $(cluster_info "${ports[0]}" cluster_known_nodes) == "$total" ]]; then
  log "reusing the cluster on ${ports[0]}-${ports[-1]}"
  emit "export REDIS_CLUSTER_NODES='$nodes'"
  exit 0
fi

for port in "${ports[@]}"; do
  if ping_port "$port"; then die "127.0.0.1:$port answers but is not part of a healthy $total-node cluster; stop it or pick --base-port"; fi
done

log "starting $MASTERS masters and $((MASTERS * REPLICAS)) replicas on 127.0.0.1:${ports[0]}-${ports[-1]}"
for port in "${ports[@]}"; do
  dir=$(dir_of "$port")
  rm -rf "$dir" && mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save "" --appendonly no \
    --repl-diskless-sync-delay 0 --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout "$NODE_TIMEOUT_MS" \
    --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" ||
    die "redis-server failed on $port (log: $dir/redis.log)"
done
for ((s = 0; s < WAIT_S * 10; s++)); do
  all=1
  for port in "${ports[@]}"; do ping_port "$port" || all=0; done
  ((all)) && break
  sleep 0.1
done
((all)) || die "the nodes did not answer within ${WAIT_S}s"

# shellcheck disable=SC2046
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas "$REPLICAS" --cluster-yes >/dev/null ||
  die "redis-cli --cluster create failed"
for ((s = 0; s < WAIT_S * 10; s++)); do
  ok=1
  for port in "${ports[@]}"; do
    [[ $(cluster_info "$port" cluster_state) == ok && $(cluster_info "$port" cluster_known_nodes) == "$total" ]] || ok=0
  done
  ((ok)) && break
  sleep 0.1
done
((ok)) || die "the cluster did not settle within ${WAIT_S}s"
# A replica that never synced refuses to take over from its master: wait for every link.
if ((REPLICAS > 0)); then
  for ((s = 0; s < WAIT_S * 10; s++)); do
    synced=1
    for port in "${ports[@]}"; do
      info=$(redis-cli -p "$port" info replication 2>/dev/null | tr -d '\r')
      if grep -q '^role:slave' <<<"$info" && ! grep -q '^master_link_status:up' <<<"$info"; then synced=0; fi
    done
    ((synced)) && break
    sleep 0.1
  done
  ((synced)) || die "the replicas did not sync within ${WAIT_S}s"
fi
log "cluster ok: $nodes"
emit "export REDIS_CLUSTER_NODES='$nodes'"
