#!/usr/bin/env bash
# Starts the jlink image built by jlink/build.sh (with its AOT cache when present) against the local PostgreSQL
# and Redis, and checks that it serves: /health and /health/ready answer 200, and — because the image lacks
# modules jdeps listed (java.desktop, java.compiler) — that keys, the database, Redis and /metrics work on it.
# Test profile; DB_URL / REDIS_URL point it elsewhere; port SMOKE_PORT (default 18098). Stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/env.sh
. .ci/services.sh
ensure_services

image=target/jlink/image
cache=target/jlink/triggers-api.aot
[ -x "$image/bin/java" ] || { echo "no image at $image; run jlink/build.sh first" >&2; exit 1; }
port=${SMOKE_PORT:-18098}
base=http://127.0.0.1:$port
log=target/jlink/smoke.log
opts=${JAVA_OPTS:-$(jlink/java-opts.sh)}
jvm_env=${JAVA_ENV-$(jlink/java-opts.sh --env)}
[ -f "$cache" ] && opts="$opts -XX:AOTCache=$cache"

start=$(date +%s%N)
(
  export HELIDON_CONFIG_PROFILE=test SERVER_PORT="$port"
  # shellcheck disable=SC2086
  [ -z "$jvm_env" ] || export $jvm_env
  # shellcheck disable=SC2086
  exec "$image/bin/java" $opts -jar target/triggers-api.jar
) >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

fail() { echo "smoke: $*; server log: $log" >&2; tail -20 "$log" >&2; exit 1; }
for _ in $(seq 1 300); do
  curl -fs "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "server exited during start-up"
  sleep 0.02
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))

expect() { # expect STATUS METHOD PATH [curl args...]
  local want=$1 method=$2 path=$3 got
  shift 3
  got=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "$base$path" "$@")
  [ "$got" = "$want" ] || fail "$method $path answered $got, expected $want"
}
expect 200 GET /health
expect 200 GET /health/ready
# Bodies are read whole before grep: grep -q stopping early would SIGPIPE curl and fail the pipeline.
ready=$(curl -fs "$base/health/ready")
[[ "$ready" != *'"redis":"down"'* ]] || fail "/health/ready reports Redis down: $ready"
key=$(curl -fs -X POST "$base/api/keys/generate" -H 'Content-Type: application/json' \
  -d '{"organization_name":"smoke","tier":"pro"}' | sed -nE 's/.*"api_key":"([^"]+)".*/\1/p')
[ -n "$key" ] || fail "POST /api/keys/generate returned no key"
expect 200 GET /api/keys -H "X-API-Key: $key"
expect 401 GET /api/keys
metrics=$(curl -fs "$base/metrics")
grep -q '^# TYPE' <<<"$metrics" || fail "/metrics is not Prometheus text"
grep -q 'Exception' "$log" && fail "exception in the server log"

kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
echo "smoke: jlink image OK (ready in ${ready_ms} ms$([ -f "$cache" ] && echo ', AOT cache'))" >&2
