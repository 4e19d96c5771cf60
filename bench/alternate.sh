#!/usr/bin/env bash
# A/B of two server settings on the inbox page load, measured side by side: both servers run at once on the seeded
# inbox database, both are warmed up, then the load is switched between them in short slices, so the machine's
# drift (on this machine kind up to 40 % between neighbouring minutes) hits both sides alike. Sequential runs of
# one server at a time could not separate a 10 % effect from that drift (bench/notes/inbox.md, session 6).
#
#   AB_A="INBOX_MAX_CONCURRENT_PAGES=2" AB_B="INBOX_MAX_CONCURRENT_PAGES=3" bench/alternate.sh
#
# AB_A / AB_B: environment for each side's server (VAR=value ..., e.g. CONFIG_DIR=/path for a changed config).
# Knobs: AB_ROUNDS (pairs of slices, default 8), AB_SLICE (s per slice, 6), AB_WARMUP (s per server, 15).
# Needs the seed of bench/inbox.sh (bench/run.sh inbox). Prints one line per slice: side, then wrk's RESULT fields.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BENCH_DB="${BENCH_DB}_inbox"
KEYS_FILE="$RESULTS/inbox-keys.txt"
[ -s "$KEYS_FILE" ] || { echo "no inbox seed here: run bench/run.sh inbox first" >&2; exit 1; }
ensure_services
bench_build
rounds=${AB_ROUNDS:-8}
slice=${AB_SLICE:-6}
warmup=${AB_WARMUP:-15}
port_a=$BENCH_PORT
port_b=$((BENCH_PORT + 1))

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start_side() { # port env...
  BENCH_PORT=$1 BASE_URL="http://127.0.0.1:$1"
  shift
  bench_start_server "$@"
  pids+=("$SERVER_PID")
}
# shellcheck disable=SC2086
start_side "$port_a" ${AB_A:-}
# shellcheck disable=SC2086
start_side "$port_b" ${AB_B:-}

load() { # port seconds
  KEYS_FILE="$KEYS_FILE" wrk -t2 -c16 -d"$2"s --latency -s bench/inbox.lua "http://127.0.0.1:$1" \
    | grep '^RESULT' | cut -d' ' -f2-
}
load "$port_a" "$warmup" >/dev/null
load "$port_b" "$warmup" >/dev/null
for ((i = 1; i <= rounds; i++)); do
  # Each side goes first in every other round, so neither always runs right after the other.
  if ((i % 2)); then
    echo "A $(load "$port_a" "$slice")"
    echo "B $(load "$port_b" "$slice")"
  else
    echo "B $(load "$port_b" "$slice")"
    echo "A $(load "$port_a" "$slice")"
  fi
done
