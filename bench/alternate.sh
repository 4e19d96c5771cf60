#!/usr/bin/env bash
# A/B of two server settings, measured side by side: both servers run at once on one database, both are warmed up,
# then the load is switched between them in short slices, so the machine's drift between neighbouring minutes hits
# both sides alike: sequential runs of one server at a time cannot separate a 10 % effect from that drift.
#
#   AB_A="INBOX_MAX_CONCURRENT_PAGES=2" AB_B="INBOX_MAX_CONCURRENT_PAGES=3" bench/alternate.sh
#   AB_LOAD=ingest AB_B="CONFIG_DIR=/tmp/config-b" bench/alternate.sh
#   AB_A="BENCH_JAR=/tmp/wt-old/target/triggers-api.jar" bench/alternate.sh   # two builds (a worktree's for A)
#
# AB_A / AB_B: environment for each side's server (VAR=value ..., e.g. CONFIG_DIR=/path for a changed config).
# AB_LOAD: inbox (default; first pages at 16 connections on the seed of bench/inbox.sh, which bench/run.sh inbox
# makes) or ingest (single events at 64 connections into a fresh database, as bench/ab.sh).
# Knobs: AB_ROUNDS (pairs of slices, default 8), AB_SLICE (s per slice, 6), AB_WARMUP (s per server, 15).
# Prints one line per slice: side, then rps, p50_ms, p99_ms (for inbox, all of wrk's RESULT fields).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
load_kind=${AB_LOAD:-inbox}
KEYS_FILE="$RESULTS/inbox-keys.txt"
case "$load_kind" in
  inbox)
    BENCH_DB="${BENCH_DB}_inbox"
    [ -s "$KEYS_FILE" ] || { echo "no inbox seed here: run bench/run.sh inbox first" >&2; exit 1; } ;;
  ingest) BENCH_DB="${BENCH_DB}_ab" ;;
  *) echo "AB_LOAD is inbox or ingest, not $load_kind" >&2; exit 1 ;;
esac
ensure_services
bench_build
[ "$load_kind" = ingest ] && bench_fresh_db
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
start_side "$port_a" RATE_LIMIT_ENTERPRISE=1000000000 ${AB_A:-}
# shellcheck disable=SC2086
start_side "$port_b" RATE_LIMIT_ENTERPRISE=1000000000 ${AB_B:-}
[ "$load_kind" = ingest ] && KEY=$(BASE_URL="http://127.0.0.1:$port_a" bench_new_org enterprise)

load() { # port seconds
  if [ "$load_kind" = inbox ]; then
    KEYS_FILE="$KEYS_FILE" wrk -t2 -c16 -d"$2"s --latency -s bench/inbox.lua "http://127.0.0.1:$1" \
      | grep '^RESULT' | cut -d' ' -f2-
  else
    # wrk's own summary: "Requests/sec: N" and the latency distribution's "50% 1.23ms" lines.
    BENCH_KEY="$KEY" wrk -t2 -c64 -d"$2"s --latency -s bench/lua/ingest.lua "http://127.0.0.1:$1/api/events" \
      | awk '/Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
             END {printf "rps=%s p50=%s p99=%s\n", rps, p50, p99}'
  fi
}
load "$port_a" "$warmup" >/dev/null
load "$port_b" "$warmup" >/dev/null
slices=$(mktemp)
for ((i = 1; i <= rounds; i++)); do
  # Each side goes first in every other round, so neither always runs right after the other.
  if ((i % 2)); then
    echo "A $(load "$port_a" "$slice")"
    echo "B $(load "$port_b" "$slice")"
  else
    echo "B $(load "$port_b" "$slice")"
    echo "A $(load "$port_a" "$slice")"
  fi
done | tee "$slices"
# Per side: mean rps and mean p99 over the slices; and in how many rounds B beat A (rps higher, p99 lower).
awk '{ for (f = 2; f <= NF; f++) { split($f, kv, "="); v = kv[2] + 0
         if (kv[2] ~ /us$/) v /= 1000; else if (kv[2] ~ /[0-9]s$/ && kv[2] !~ /ms$/) v *= 1000
         if (kv[1] == "rps") rps[$1, ++n[$1]] = v; if (kv[1] ~ /^p99/) p99[$1, n[$1]] = v } }
     END { for (i = 1; i <= n["A"]; i++) { ra += rps["A", i]; rb += rps["B", i]; pa += p99["A", i]; pb += p99["B", i]
             if (rps["B", i] > rps["A", i]) brps++; if (p99["B", i] < p99["A", i]) bp99++ }
           k = n["A"]
           printf "mean A: rps %.0f p99 %.2f ms | B: rps %.0f p99 %.2f ms | B/A rps %.3f | B ahead in rps %d/%d, p99 %d/%d\n",
             ra / k, pa / k, rb / k, pb / k, rb / ra, brps, k, bp99, k }' "$slices"
rm -f "$slices"
