#!/usr/bin/env bash
# Prometheus from Debian's package, scraping a SeatGrid API, for machines without Docker.
#
#   bash scripts/prometheus-up.sh [API_ADDRESS] [--port N] [--scrape-interval 5s]
#   bash scripts/prometheus-up.sh --install-only      # just make sure prometheus and promtool exist
#
# API_ADDRESS is host:port (default 127.0.0.1:3000, where `npm run stress -- --keep-api`
# leaves an API). Installs the `prometheus` package when missing (apt-get, as root or with
# sudo), writes a config scraping the API's /metrics with ops/prometheus/alerts.yml loaded,
# starts Prometheus on 127.0.0.1 on a spare port (from 9090 up, or --port) with its data in a
# temp dir, waits until it is ready, and prints on STDOUT:
#   PROMETHEUS_URL=http://127.0.0.1:<port>
#   PROMETHEUS_PID=<pid>
#   PROMETHEUS_DIR=<temp dir>
# Stop it: kill <pid> (then rm -rf <temp dir>). Progress goes to STDERR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RULES="$ROOT/ops/prometheus/alerts.yml"
target=127.0.0.1:3000
port=""
interval=5s
install_only=false

log() { printf '[prometheus] %s\n' "$*" >&2; }
die() { printf '[prometheus] error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "installing needs root or sudo: run as root, or install Debian's prometheus package yourself"
  fi
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --install-only) install_only=true ;;
    --port) port="${2:?--port needs a number}"; shift ;;
    --scrape-interval) interval="${2:?--scrape-interval needs a duration like 5s}"; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) target="$1" ;;
  esac
  shift
done
[[ $target =~ ^[A-Za-z0-9._-]+:[0-9]+$ ]] || die "API_ADDRESS must be host:port (got '$target')"
[[ -z $port || $port =~ ^[0-9]+$ ]] || die "--port must be a number (got '$port')"
[[ $interval =~ ^[0-9]+(ms|s|m)$ ]] || die "--scrape-interval must be a duration like 5s (got '$interval')"

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  log "installing Debian's prometheus package (prometheus, promtool)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends prometheus >&2 \
    || { as_root apt-get update >&2 && as_root apt-get install -y --no-install-recommends prometheus >&2; }
fi
command -v promtool >/dev/null 2>&1 || die "promtool is still missing after the install"
if $install_only; then
  log "ready: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi

# A loopback port nobody answers on.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [[ -z $port ]]; then
  port=9090
  until port_free "$port"; do
    port=$((port + 1))
    [[ $port -lt 9190 ]] || die "no free port in 9090-9189: pass --port"
  done
else
  port_free "$port" || die "port $port is taken"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/seatgrid-prometheus.XXXXXX")"
cat >"$dir/prometheus.yml" <<EOF
# Written by scripts/prometheus-up.sh: scrapes the SeatGrid API at $target.
global:
  scrape_interval: $interval
  evaluation_interval: $interval
rule_files:
  - $RULES
scrape_configs:
  - job_name: seatgrid-api
    metrics_path: /metrics
    static_configs:
      - targets: ["$target"]
EOF
promtool check config "$dir/prometheus.yml" >&2

log "starting on 127.0.0.1:$port, scraping http://$target/metrics every $interval, data in $dir"
nohup prometheus \
  --config.file="$dir/prometheus.yml" \
  --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" \
  --web.console.libraries=/usr/share/prometheus/console_libraries \
  --web.console.templates=/usr/share/prometheus/consoles \
  >"$dir/prometheus.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/prometheus.pid"

for _ in $(seq 1 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -20 "$dir/prometheus.log" >&2
    die "prometheus exited at start (log above, in $dir/prometheus.log)"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
    && [[ "$(curl -fsS "http://127.0.0.1:$port/-/ready" 2>/dev/null || true)" == *Ready* ]]; then
    log "ready: http://127.0.0.1:$port (graph: http://127.0.0.1:$port/graph); stop: kill $pid && rm -rf $dir"
    echo "PROMETHEUS_URL=http://127.0.0.1:$port"
    echo "PROMETHEUS_PID=$pid"
    echo "PROMETHEUS_DIR=$dir"
    exit 0
  fi
  sleep 0.2
done
kill "$pid" 2>/dev/null || true
die "prometheus was not ready within 30 s (log: $dir/prometheus.log)"
