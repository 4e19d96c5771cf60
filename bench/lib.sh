# Shared by the benchmark sections (sourced). Every section is a script bench/<name>.sh that starts what it
# needs with these functions and prints one Markdown section on stdout; bench/run.sh assembles them.
# shellcheck shell=bash
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
. "$ROOT/.ci/env.sh"
. "$ROOT/.ci/services.sh"
BENCH_DB="${BENCH_DB:-triggers_bench}"
BENCH_PORT="${BENCH_PORT:-18080}"
BASE_URL="http://127.0.0.1:$BENCH_PORT"
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

# wrk comes from Debian's packages; a fresh machine of this kind does not have it yet.
if ! command -v wrk >/dev/null 2>&1; then
  echo "[bench] installing wrk (apt-get)" >&2
  { apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }; } >&2
fi

# Builds the jar once per run (skipped when BENCH_NO_BUILD=1).
bench_build() {
  if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && mvn -B -q package -DskipTests)
  fi
}

# Recreates the benchmark database (empty). Only ever touches $BENCH_DB.
bench_fresh_db() {
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $BENCH_DB" >/dev/null
}

bench_psql() {
  psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -qAt "$@"
}

# Starts the server (shipped prod profile unless HELIDON_CONFIG_PROFILE is set) with extra env given as
# arguments (VAR=value ...); sets SERVER_PID. JAVA_OPTS defaults to what the Dockerfile ships; BENCH_JAR runs another
# build (e.g. a git worktree's target/triggers-api.jar, its libs beside it) instead of this checkout's.
bench_start_server() {
  local log="$RESULTS/server-$BENCH_PORT.log"
  (
    cd "$ROOT"
    export HELIDON_CONFIG_PROFILE="${HELIDON_CONFIG_PROFILE:-prod}"
    export DB_URL="jdbc:postgresql://127.0.0.1:5432/$BENCH_DB" SERVER_PORT="$BENCH_PORT"
    export ADMIN_TOKEN="${ADMIN_TOKEN:-bench-admin-token-0123456789abcdef0123}"
    export KEYS_PEPPER="${KEYS_PEPPER:-bench-pepper-0123456789abcdef0123456789}"
    export SIGNUP_OPEN="${SIGNUP_OPEN:-false}"
    for kv in "$@"; do export "${kv?}"; done
    exec java ${BENCH_JAVA_OPTS:-${JAVA_OPTS:-$("$ROOT/jlink/java-opts.sh")}} -jar "${BENCH_JAR:-target/triggers-api.jar}"
  ) >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fs "$BASE_URL/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died; see $log" >&2; tail -5 "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "server not ready after 15 s; see $log" >&2
  return 1
}

bench_stop_server() {
  # The server's exit status after SIGTERM (143) is not a failure of the benchmark.
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
  return 0
}

# Creates an organization through the admin-token signup and prints its API key.
bench_new_org() {
  local tier="${1:-enterprise}"
  curl -fs -X POST "$BASE_URL/api/keys/generate" -H 'Content-Type: application/json' \
    -H "X-Admin-Token: ${ADMIN_TOKEN:-bench-admin-token-0123456789abcdef0123}" \
    -d "{\"organization_name\":\"bench\",\"tier\":\"$tier\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])'
}

# Sum of integer arguments, and the arguments joined as "a / b / c": the interleaved rounds' figures and their ratio.
bench_sum() {
  local t=0 v
  for v in "$@"; do t=$((t + v)); done
  echo "$t"
}
bench_joined() {
  local IFS=/
  echo "$*" | sed 's#/# / #g'
}

# Resident set size of a process in MB.
bench_rss_mb() {
  awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"
}
