#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the API's browser test
# (packages/api/test/page.browser.test.ts drives it with playwright-core). A browser
# download from anywhere else fails on this project's machines, so it comes from apt.
#
#   bash scripts/browser-up.sh
#
# Installs the `chromium` package when /usr/bin/chromium is missing (root, or sudo when
# not root); prints short progress lines prefixed with [browser] on stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM=/usr/bin/chromium

log() { printf '[browser] %s\n' "$*" >&2; }
die() { printf '[browser] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root or sudo to run: $*"
  fi
}

if [[ -x $CHROMIUM ]]; then
  log "reusing $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install Chromium at $CHROMIUM yourself"
mkdir -p "$ROOT/.services"
aptlog="$ROOT/.services/apt-browser.log"
log "apt-get install chromium (log: $aptlog)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$aptlog" 2>&1 \
  || { tail -n 20 "$aptlog" >&2; die "apt-get update failed"; }
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >>"$aptlog" 2>&1 \
  || { tail -n 20 "$aptlog" >&2; die "apt-get install chromium failed"; }
[[ -x $CHROMIUM ]] || die "chromium installed, but $CHROMIUM is missing"
log "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
