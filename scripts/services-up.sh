#!/usr/bin/env bash
# Make sure a Redis >= 7 and a PostgreSQL >= 15 are reachable for SeatGrid's
# tests and benchmarks, starting them from Debian packages (without systemd)
# when nothing usable is already running.
#
#   out="$(bash scripts/services-up.sh)" && eval "$out"
#
# STDOUT: exactly two lines meant for `eval`:
#           export REDIS_URL='...'
#           export DATABASE_URL='...'
# STDERR: short progress messages prefixed with [services].
#
# Environment:
#   REDIS_URL, DATABASE_URL   reused as-is when they answer (PING / SELECT 1)
#   SEATGRID_REDIS_PORT       local Redis port to probe / start   (default 6379)
#   SEATGRID_PG_PORT          local PostgreSQL port to probe / start (default 5432)
#
# Servers this script starts itself:
#   Redis:      daemonized, 127.0.0.1 only, no persistence; dir + log in
#               .services/redis-<port>/ (stop: redis-cli -p <port> shutdown nosave)
#   PostgreSQL: the Debian cluster on that port (created if none), started with
#               pg_ctlcluster --skip-systemctl-redirect; user postgres/postgres,
#               database seatgrid, pg_stat_statements preloaded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="$ROOT/.services"
REDIS_PORT="${SEATGRID_REDIS_PORT:-6379}"
PG_PORT="${SEATGRID_PG_PORT:-5432}"
PG_DB=seatgrid
REDIS_WAIT=20
PG_WAIT=30

# Stdout carries only the lines for `eval` (emit); everything else goes to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/eval-output.sh"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }
# Hide passwords in URLs before logging them.
redact() { sed -E 's#(://[^:/@]*:)[^@/]*@#\1***@#' <<<"$1"; }
# POSIX single-quoting, safe for eval in sh/bash/zsh.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
is_root() { [[ $(id -u) -eq 0 ]]; }

[[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "SEATGRID_REDIS_PORT must be a number (got '$REDIS_PORT')"
[[ $PG_PORT =~ ^[0-9]+$ ]] || die "SEATGRID_PG_PORT must be a number (got '$PG_PORT')"

as_root() {
  if is_root; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root or sudo to run: $* (or use: docker compose up -d)"
  fi
}

# Run a command as the OS user owning a PostgreSQL cluster (peer auth over the socket).
as_user() {
  local user=$1; shift
  if is_root; then (cd / && runuser -u "$user" -- "$@")
  elif [[ $(id -un) == "$user" ]]; then (cd / && "$@")
  elif command -v sudo >/dev/null 2>&1; then (cd / && sudo -u "$user" "$@")
  else die "need root or sudo to run as $user: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* yourself (or use: docker compose up -d)"
  if ! is_root && ! command -v sudo >/dev/null 2>&1; then
    die "installing $* needs root or sudo, and neither is available (or use: docker compose up -d)"
  fi
  mkdir -p "$SERVICES_DIR"
  local aptlog="$SERVICES_DIR/apt.log"
  local envs=(DEBIAN_FRONTEND=noninteractive)
  # Without a UTF-8 locale, a cluster created by the postgresql package would be SQL_ASCII.
  if [[ $(locale charmap 2>/dev/null || true) != UTF-8 ]]; then envs+=(LANG=C.UTF-8 LC_ALL=C.UTF-8); fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    as_root env "${envs[@]}" apt-get update -qq >>"$aptlog" 2>&1 \
      || { tail -n 20 "$aptlog" >&2; die "apt-get update failed (log: $aptlog)"; }
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env "${envs[@]}" apt-get install -y -qq --no-install-recommends "$@" >>"$aptlog" 2>&1 \
    || { tail -n 20 "$aptlog" >&2; die "apt-get install $* failed (log: $aptlog)"; }
}

# Something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Wait until "$@" succeeds, or die with $2-message after $1 seconds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not come up within ${secs}s"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- client tools
missing=()
if ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then missing+=(redis-tools); fi
if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then missing+=(postgresql-client); fi
if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
hash -r

# ------------------------------------------------------------------------ Redis
rcli() { timeout 5 redis-cli --no-auth-warning "$@"; }
redis_ping() { [[ $(rcli -u "$1" ping 2>/dev/null) == PONG ]]; }
major_of() { local v=${1%%.*}; if [[ $v =~ ^[0-9]+$ ]]; then echo "$v"; else echo 0; fi; }

start_redis() {
  local url=$1
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
    hash -r
    # The package's init script / systemd unit may have started its own server.
    if redis_ping "$url"; then log "redis: the redis-server package started a server on 127.0.0.1:$REDIS_PORT; using it"; return; fi
  fi
  local v
  v=$(redis-server --version | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')
  (($(major_of "$v") >= 7)) || die "redis-server ${v:-?} is too old (need >= 7)"
  local dir="$SERVICES_DIR/redis-$REDIS_PORT"
  mkdir -p "$dir"
  log "redis: starting redis-server $v on 127.0.0.1:$REDIS_PORT (no persistence, log: ${dir#"$ROOT"/}/redis.log)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" \
    || die "redis-server failed to start (log: $dir/redis.log)"
  wait_for "$REDIS_WAIT" "redis on 127.0.0.1:$REDIS_PORT (log: $dir/redis.log)" redis_ping "$url"
}

redis_url=""
if [[ -n ${REDIS_URL:-} ]]; then
  if redis_ping "$REDIS_URL"; then
    redis_url=$REDIS_URL
    log "redis: reusing REDIS_URL $(redact "$REDIS_URL")"
  else
    log "redis: REDIS_URL $(redact "$REDIS_URL") does not answer PING; ignoring it"
  fi
fi
if [[ -z $redis_url ]]; then
  local_redis="redis://127.0.0.1:$REDIS_PORT"
  if redis_ping "$local_redis"; then
    log "redis: reusing server on 127.0.0.1:$REDIS_PORT"
  elif port_open "$REDIS_PORT"; then
    die "127.0.0.1:$REDIS_PORT is in use but does not answer PING (password?); set REDIS_URL or SEATGRID_REDIS_PORT"
  else
    start_redis "$local_redis"
  fi
  redis_url=$local_redis
fi
# The cluster test starts redis-server nodes of its own: the binary must be here even
# when the Redis in use runs elsewhere.
if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; hash -r; fi
redis_version=$(rcli -u "$redis_url" info server 2>/dev/null | tr -d '\r' | sed -n 's/^redis_version://p')
(($(major_of "$redis_version") >= 7)) || die "redis at $(redact "$redis_url") is version ${redis_version:-unknown}; need >= 7"

# ------------------------------------------------------------------- PostgreSQL
pq() { PGCONNECT_TIMEOUT=5 psql -X -w -q -v ON_ERROR_STOP=1 -At "$@"; }
pg_ok() { pq "$1" -c 'select 1' >/dev/null 2>&1; }
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

# Print the base URL (without database) that logs in as postgres on the local port.
pg_local_base() {
  local base db
  for base in "postgres://postgres@127.0.0.1:$PG_PORT" "postgres://postgres:postgres@127.0.0.1:$PG_PORT"; do
    for db in "$PG_DB" postgres; do
      if pg_ok "$base/$db"; then echo "$base"; return 0; fi
    done
  done
  return 1
}

ensure_db() {
  local base=$1
  if [[ $(pq "$base/postgres" -c "select 1 from pg_database where datname = '$PG_DB'") != 1 ]]; then
    log "postgres: creating database $PG_DB"
    pq "$base/postgres" -c "create database $PG_DB" 2>/dev/null \
      || [[ $(pq "$base/postgres" -c "select 1 from pg_database where datname = '$PG_DB'") == 1 ]] \
      || die "could not create database $PG_DB on 127.0.0.1:$PG_PORT"
  fi
}

# "a, 'b',c" -> "a,b,c" plus pg_stat_statements if absent.
with_pss() {
  local v=${1//[\'\" ]/}
  if [[ ,$v, == *,pg_stat_statements,* ]]; then echo "$v"; else echo "${v:+$v,}pg_stat_statements"; fi
}

# pg_ctlcluster, leaving clusters that systemd already supervises to systemd.
pgctl() { # version cluster action [pg_ctlcluster options...]
  local ver=$1 name=$2 action=$3; shift 3
  if [[ -d /run/systemd/system ]] && systemctl is-active --quiet "postgresql@$ver-$name" 2>/dev/null; then
    as_root pg_ctlcluster "$ver" "$name" "$action"
  else
    local rc=0
    as_root pg_ctlcluster --skip-systemctl-redirect "$@" "$ver" "$name" "$action" || rc=$?
    # 2 = already running (e.g. a concurrent run started it)
    [[ $rc -eq 0 || ($action == start && $rc -eq 2) ]] || die "pg_ctlcluster $ver $name $action failed (rc=$rc)"
  fi
}

newest_pg() { # newest installed server version >= 15, or nothing
  local d v best=0
  for d in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x $d ]] || continue
    v=${d#/usr/lib/postgresql/}; v=${v%%/*}
    [[ $v =~ ^[0-9]+$ ]] && ((v >= 15 && v > best)) && best=$v
  done
  if ((best > 0)); then echo "$best"; fi
}

start_pg() {
  local installed=0 ver out
  if ! is_root && ! command -v sudo >/dev/null 2>&1; then
    die "nothing on 127.0.0.1:$PG_PORT, and starting PostgreSQL needs root or sudo; set DATABASE_URL (or use: docker compose up -d)"
  fi
  ver=$(newest_pg)
  if [[ -z $ver ]]; then
    apt_install postgresql
    hash -r
    installed=1
    ver=$(newest_pg)
    [[ -n $ver ]] || die "no PostgreSQL >= 15 server found after installing the postgresql package"
  fi
  command -v pg_lsclusters >/dev/null 2>&1 || die "pg_lsclusters not found (package postgresql-common)"

  local line cver name status owner owned=0
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4, $5; exit }')
  if [[ -n $line ]]; then
    read -r cver name status owner <<<"$line"
    (($(major_of "$cver") >= 15)) || die "cluster $cver/$name on port $PG_PORT is PostgreSQL $cver (need >= 15); pick another SEATGRID_PG_PORT"
    # A cluster the postgresql package created during this run is ours to configure.
    ((installed)) && owned=1
  else
    cver=$ver owner=postgres status=down
    name=main
    if [[ -d /etc/postgresql/$cver/main ]]; then name="seatgrid$PG_PORT"; fi
    log "postgres: creating cluster $cver/$name on port $PG_PORT"
    out=$(as_root pg_createcluster --locale=C.UTF-8 -p "$PG_PORT" \
      -o listen_addresses=localhost -o shared_preload_libraries=pg_stat_statements \
      "$cver" "$name" 2>&1) || { printf '%s\n' "$out" >&2; die "pg_createcluster $cver $name failed"; }
    owned=1
  fi

  local spl opts=() need_restart=0
  spl=$(pg_conftool -s "$cver" "$name" show shared_preload_libraries 2>/dev/null || true)
  if ((owned)); then
    if [[ $(with_pss "$spl") != "${spl//[\'\" ]/}" ]]; then
      as_root pg_conftool "$cver" "$name" set shared_preload_libraries "$(with_pss "$spl")"
      need_restart=1
    fi
  else
    # Not ours: don't touch its config, only pass options for this start.
    opts+=(-o "-c shared_preload_libraries=$(with_pss "$spl")")
    local la
    la=$(pg_conftool -s "$cver" "$name" show listen_addresses 2>/dev/null || echo localhost)
    la=${la//[\'\" ]/}
    if [[ ! ,$la, =~ ,(localhost|127\.0\.0\.1|\*|0\.0\.0\.0), ]]; then
      opts+=(-o "-c listen_addresses=${la:+$la,}127.0.0.1")
    fi
  fi

  if [[ $status == online* ]]; then
    if ((owned && need_restart)); then
      log "postgres: restarting freshly installed cluster $cver/$name to preload pg_stat_statements"
      pgctl "$cver" "$name" restart
    elif ! pg_ready; then
      die "cluster $cver/$name is running but not reachable on 127.0.0.1:$PG_PORT (check listen_addresses)"
    fi
  else
    log "postgres: starting cluster $cver/$name on 127.0.0.1:$PG_PORT"
    pgctl "$cver" "$name" start "${opts[@]}"
  fi
  wait_for "$PG_WAIT" "postgres on 127.0.0.1:$PG_PORT (log: /var/log/postgresql/postgresql-$cver-$name.log)" pg_ready

  if ! pg_ok "postgres://postgres:postgres@127.0.0.1:$PG_PORT/postgres"; then
    log "postgres: setting password of role postgres"
    as_user "$owner" psql -X -q -w -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 \
      -c "alter role postgres with login password 'postgres'" >/dev/null \
      || die "could not set the password of role postgres"
  fi
}

pg_url=""
if [[ -n ${DATABASE_URL:-} ]]; then
  if pg_ok "$DATABASE_URL"; then
    pg_url=$DATABASE_URL
    log "postgres: reusing DATABASE_URL $(redact "$DATABASE_URL")"
  else
    log "postgres: DATABASE_URL $(redact "$DATABASE_URL") does not answer SELECT 1; ignoring it"
  fi
fi
if [[ -z $pg_url ]]; then
  rc=0; pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2 || rc=$?
  if [[ $rc -eq 1 ]]; then
    log "postgres: server on 127.0.0.1:$PG_PORT is starting up; waiting"
    wait_for "$PG_WAIT" "postgres on 127.0.0.1:$PG_PORT" pg_ready
    rc=0
  fi
  if [[ $rc -eq 0 ]]; then
    base=$(pg_local_base) || die "127.0.0.1:$PG_PORT accepts connections but neither postgres (no password) nor postgres/postgres can log in; set DATABASE_URL"
    log "postgres: reusing server on 127.0.0.1:$PG_PORT"
  elif port_open "$PG_PORT"; then
    die "127.0.0.1:$PG_PORT is in use but does not speak PostgreSQL; set DATABASE_URL or SEATGRID_PG_PORT"
  else
    start_pg
    base=$(pg_local_base) || die "cannot log in to the PostgreSQL started on 127.0.0.1:$PG_PORT (check pg_hba.conf)"
  fi
  ensure_db "$base"
  pg_url="$base/$PG_DB"
fi

pg_version=$(pq "$pg_url" -c 'show server_version_num') || die "cannot query $(redact "$pg_url")"
((pg_version >= 150000)) || die "PostgreSQL at $(redact "$pg_url") is version $pg_version; need >= 15"

if [[ $(pq "$pg_url" -c "show shared_preload_libraries") != *pg_stat_statements* ]]; then
  log "postgres: pg_stat_statements is not preloaded; the bench will fall back to pg_stat_database"
elif [[ $(pq "$pg_url" -c "select 1 from pg_extension where extname = 'pg_stat_statements'") != 1 ]]; then
  if pq "$pg_url" -c 'create extension if not exists pg_stat_statements' 2>/dev/null; then
    log "postgres: enabled pg_stat_statements"
  else
    log "postgres: could not create extension pg_stat_statements (not superuser?); the bench will fall back to pg_stat_database"
  fi
fi

log "ready: redis $redis_version at $(redact "$redis_url"), postgres $pg_version at $(redact "$pg_url")"
emit "export REDIS_URL=$(shq "$redis_url")" "export DATABASE_URL=$(shq "$pg_url")"
