#!/usr/bin/env bash
# What the README's two commands run, from a machine with only Node and npm:
#   bash scripts/run.sh test     every check and test, then the short stress run
#   bash scripts/run.sh stress   the main job (extra arguments go to it)
#   bash scripts/run.sh soak     steady mixed load for --minutes M, memory and drift over time
#   bash scripts/run.sh chaos    seeded faults for --minutes M (--seed N replays a run), audited
#   bash scripts/run.sh scale    the API at 1 and 2 processes on a Redis Cluster and two PostgreSQL shards, audited
# Each sets itself up: pnpm, the dependencies (among them the Node 24 the project runs on),
# then Redis and PostgreSQL (reused when already up, else installed and started).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
job="${1:-}"
shift || true

echo "[setup] dependencies (pnpm install)" >&2
npx --yes pnpm@12.21.0 install --frozen-lockfile --reporter=append-only >&2
# From here on `node` is the project's Node 24 and `pnpm` its pinned pnpm.
export PATH="$root/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
# Every test file, API child and worker is a fresh Node process compiling the same modules:
# cached, each starts about a third faster (keyed by file content, so never stale).
export NODE_COMPILE_CACHE="$root/node_modules/.cache/node-compile-cache"
services="$(bash scripts/services-up.sh)"
eval "$services"
export REDIS_URL DATABASE_URL

case "$job" in
  test)
    # A database of the run's own, made afresh: the background jobs serve every event of their
    # database, and what earlier runs left there would only make them slower, run after run.
    DATABASE_URL="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/seatgrid_test"; console.log(u.toString())' "$DATABASE_URL")"
    psql -X -q -v ON_ERROR_STOP=1 "${DATABASE_URL%/seatgrid_test*}/postgres${DATABASE_URL#*/seatgrid_test}" \
      -c 'drop database if exists seatgrid_test with (force)' -c 'create database seatgrid_test' >&2
    export DATABASE_URL
    # The style first: the Lua scripts' contracts, then the formatter and linter (biome.json).
    node scripts/lint-lua.ts
    biome check .
    turbo run build --output-logs=errors-only
    pnpm --silent run typecheck
    # The API's page is tested in a real browser: Debian's Chromium (installed when missing).
    bash scripts/browser-up.sh
    # Each package's tests in turn, timed; every suite runs even after a failure, and the
    # times and verdicts are printed together at the end. A suite is stopped after 15 minutes
    # (its process group, test files and servers with it): a hang fails the run in time.
    verdict_of() { if (($1 == 124)); then echo 'FAILED (stopped at 15 min)'; else echo FAILED; fi; }
    # Each suite also writes TAP to bench-results/ci-logs/: a failed one's failures are
    # printed again at the very end, where a log cut to its tail still shows them.
    logs="$root/bench-results/ci-logs"
    rm -rf "$logs" && mkdir -p "$logs"
    failed=0
    timings=()
    failures=()
    for dir in packages/admission/test packages/api/test packages/chaos/test packages/bench/test examples/test; do
      started=$SECONDS
      verdict=ok
      tap="$logs/$(basename "${dir%/test}").tap"
      timeout --kill-after=10 900 node --test --test-concurrency=1 --test-timeout=180000 \
        --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$tap" \
        "$dir"/*.test.ts || { verdict=$(verdict_of $?); failed=1; failures+=("$tap"); }
      timings+=("$(printf '%-26s %4d s  %s' "${dir%/test}" $((SECONDS - started)) "$verdict")")
    done
    # The short stress run: exits 1 when a correct strategy breaks an invariant or owes goodput.
    started=$SECONDS
    verdict=ok
    timeout --kill-after=10 900 pnpm --filter @seatgrid/bench --silent run stress --quick --out "$root/bench-results/ci-quick" || { verdict=$(verdict_of $?); failed=1; }
    timings+=("$(printf '%-26s %4d s  %s' 'stress --quick' $((SECONDS - started)) "$verdict")")
    for tap in ${failures[@]+"${failures[@]}"}; do
      printf '\n[test] what failed in %s (each failure, first lines)\n' "$tap" >&2
      awk '/^ *not ok /{n=30} /^ *stack: /{n = n < 5 ? n : 5} n>0{print; n--} /^ *\.\.\.$/{n=0}' "$tap" | head -200 >&2
    done
    printf '\n[test] time per suite\n' >&2
    printf '  %s\n' "${timings[@]}" >&2
    printf '  %-26s %4d s\n' 'whole run' "$SECONDS" >&2
    exit "$failed"
    ;;
  stress)
    turbo run build --output-logs=errors-only
    pnpm --filter @seatgrid/bench --silent run stress "$@"
    ;;
  soak)
    turbo run build --output-logs=errors-only
    pnpm --filter @seatgrid/bench --silent run soak "$@"
    ;;
  chaos)
    turbo run build --output-logs=errors-only
    pnpm --filter @seatgrid/chaos --silent run chaos "$@"
    ;;
  scale)
    # A local 3-master Redis Cluster on 127.0.0.1:7001-7003 (reused when up); the shards are
    # scratch databases the run makes on DATABASE_URL's server.
    cluster="$(bash scripts/redis-cluster-up.sh)"
    eval "$cluster"
    export REDIS_CLUSTER_NODES
    turbo run build --output-logs=errors-only
    pnpm --filter @seatgrid/bench --silent run scale "$@"
    ;;
  *)
    echo "usage: scripts/run.sh test|stress|soak|chaos|scale [arguments]" >&2
    exit 2
    ;;
esac
