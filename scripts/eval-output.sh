# Sourced by a set-up script whose stdout a caller reads to the end, with `$(...)` or
# execFileSync, for lines to `eval`. The script runs again with its stdout on stderr and
# writes those lines with `emit`; they are printed when it has finished. A daemon it starts
# so inherits stderr only: had it inherited the caller's stdout pipe, the caller would wait
# for the daemon's exit, not the script's.
if [[ -z ${SEATGRID_EVAL_OUT:-} ]]; then
  SEATGRID_EVAL_OUT=$(mktemp)
  export SEATGRID_EVAL_OUT
  rc=0
  bash "$0" "$@" >&2 || rc=$?
  cat "$SEATGRID_EVAL_OUT"
  rm -f "$SEATGRID_EVAL_OUT"
  exit "$rc"
fi
export -n SEATGRID_EVAL_OUT
emit() { printf '%s\n' "$@" >>"$SEATGRID_EVAL_OUT"; }
