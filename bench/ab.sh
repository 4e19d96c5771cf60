#!/usr/bin/env bash
# A/B of server settings on single-event ingest: fresh database, 15 s warm-up, 15 s measured, wrk -t2 -c64.
# Usage: BENCH_JAVA_OPTS="..." AB_ENV="INGEST_WRITERS=2" bench/ab.sh   (defaults: the Dockerfile's JAVA_OPTS)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BENCH_DB="${BENCH_DB}_ab"
bench_build
bench_fresh_db
# shellcheck disable=SC2086
bench_start_server RATE_LIMIT_ENTERPRISE=1000000000 ${AB_ENV:-}
KEY=$(bench_new_org enterprise)
BENCH_KEY="$KEY" wrk -t2 -c64 -d15s -s bench/lua/ingest.lua "$BASE_URL/api/events" >/dev/null
BENCH_KEY="$KEY" wrk -t2 -c64 -d15s --latency -s bench/lua/ingest.lua "$BASE_URL/api/events" | grep -E "Requests/sec|50%|99%|Non-2xx" || true
echo "RSS $(bench_rss_mb "$SERVER_PID") MB"
bench_stop_server
