#!/usr/bin/env bash
# Footprint section: jlink image size and modules, AOT cache size, start-to-ready with and without the AOT cache,
# RSS idle and at ingest saturation — all on the jlink image with the JAVA_OPTS the Dockerfile ships
# (BENCH_JAVA_OPTS overrides them; then the AOT cache is retrained with those flags) and the environment it sets
# for the JVM (MALLOC_ARENA_MAX; BENCH_JAVA_ENV overrides it, empty for none).
# Prints one Markdown section. Knobs: FOOTPRINT_RUNS (start-ups per variant, default 5), FOOTPRINT_SECONDS (wrk
# duration, default 10), FOOTPRINT_CONNECTIONS (default 64).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

runs=${FOOTPRINT_RUNS:-5}
seconds=${FOOTPRINT_SECONDS:-10}
connections=${FOOTPRINT_CONNECTIONS:-64}
opts=${BENCH_JAVA_OPTS:-$(jlink/java-opts.sh)}
jvm_env=${BENCH_JAVA_ENV-$(jlink/java-opts.sh --env)}
image=target/jlink/image
cache=target/jlink/triggers-api.aot

trap "bench_stop_server || true" EXIT
bench_build
bench_fresh_db
# The training run (test profile) goes to the bench database too, on the bench port.
JAVA_OPTS="$opts" JAVA_ENV="$jvm_env" DB_URL="jdbc:postgresql://127.0.0.1:5432/$BENCH_DB" TRAIN_PORT="$BENCH_PORT" \
  jlink/build.sh --no-package 2>"$RESULTS/footprint-build.log"

# Starts the image with the prod profile (as the container does) and extra JVM flags; sets SERVER_PID and
# READY_MS (process start to the first 200 from /health/ready). Polls through bash's /dev/tcp, not curl, so the
# poller costs no exec per attempt on the two shared cores.
footprint_start() {
  local log="$RESULTS/footprint-server.log" start
  start=$(date +%s%N)
  (
    export HELIDON_CONFIG_PROFILE=prod SERVER_PORT="$BENCH_PORT"
    export DB_URL="jdbc:postgresql://127.0.0.1:5432/$BENCH_DB"
    export ADMIN_TOKEN="${ADMIN_TOKEN:-bench-admin-token-0123456789abcdef0123}"
    export KEYS_PEPPER="${KEYS_PEPPER:-bench-pepper-0123456789abcdef0123456789}"
    # Saturation must measure ingestion, not 429s.
    export RATE_LIMIT_ENTERPRISE=1000000000
    # shellcheck disable=SC2086
    [ -z "$jvm_env" ] || export $jvm_env
    # shellcheck disable=SC2086
    exec "$image/bin/java" $opts "$@" -jar target/triggers-api.jar
  ) >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 3000); do
    if ready_probe; then
      READY_MS=$(( ($(date +%s%N) - start) / 1000000 ))
      # CPU the JVM spent to get there (user + system, all threads): unlike wall time, barely disturbed by
      # other load on the shared cores.
      READY_CPU_MS=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$SERVER_PID/stat")
      # Of it, the JIT compiler threads' (they live as long as the JVM, so their counters are all there).
      READY_JIT_MS=$(jit_cpu_ms "$SERVER_PID")
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died; see $log" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.005
  done
  echo "server not ready after 15 s; see $log" >&2
  exit 1
}

jit_cpu_ms() { # user + system time of the C1/C2 compiler threads of process $1, in ms
  local hz total=0 task stat
  hz=$(getconf CLK_TCK)
  for task in /proc/"$1"/task/*; do
    [[ "$(cat "$task/comm" 2>/dev/null)" == C[12]\ CompilerThre* ]] || continue
    stat=$(cat "$task/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    # Fields after the command: utime and stime are the 12th and 13th.
    total=$((total + $(awk '{print $12 + $13}' <<<"$stat")))
  done
  echo $((total * 1000 / hz))
}

ready_probe() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$BENCH_PORT" && printf 'GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 \
      && read -r -t 2 line <&3 && [[ "$line" == *" 200 "* ]] ) 2>/dev/null
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : int((v[NR/2] + v[NR/2+1]) / 2)}'; }

startup_series() { # startup_series [extra JVM flags...] -> "median wall ms (min, max; runs) | median CPU ms | median JIT CPU ms"
  local all=() cpu=() jit=()
  for _ in $(seq 1 "$runs"); do
    footprint_start "$@"
    all+=("$READY_MS")
    cpu+=("$READY_CPU_MS")
    jit+=("$READY_JIT_MS")
    bench_stop_server || true
  done
  local sorted
  sorted=$(printf '%s\n' "${all[@]}" | sort -n)
  echo "$(printf '%s\n' "${all[@]}" | median) ms (min $(head -1 <<<"$sorted"), max $(tail -1 <<<"$sorted"); runs: ${all[*]}) | $(printf '%s\n' "${cpu[@]}" | median) ms | $(printf '%s\n' "${jit[@]}" | median) ms"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
with_aot=$(startup_series -XX:AOTCache="$cache")
without_aot=$(startup_series)

# Idle: started with the AOT cache, a few requests of every kind, then a pause so start-up garbage is collected.
footprint_start -XX:AOTCache="$cache"
key=$(bench_new_org enterprise)
for _ in $(seq 1 20); do
  curl -fs "$BASE_URL/api/keys" -H "X-API-Key: $key" >/dev/null
  curl -fs "$BASE_URL/metrics" >/dev/null
  curl -fs "$BASE_URL/health/ready" >/dev/null
done
sleep 5
rss_idle=$(bench_rss_mb "$SERVER_PID")

# Saturation: POST /api/events when this build has ingestion, else the authenticated GET /api/keys.
probe=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE_URL/api/events" -H "X-API-Key: $key" \
  -H 'Content-Type: application/json' -d '{"type":"footprint.probe","payload":{"n":0}}')
lua="$RESULTS/footprint-wrk.lua"
path=/api/events
if [ "$probe" = 201 ]; then
  target="POST /api/events (~100 B payload)"
  cat >"$lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "$key"
wrk.body = '{"type":"order.created","payload":{"order_id":12345,"amount":99.5,"currency":"EUR","items":[1,2,3]}}'
EOF
else
  target="GET /api/keys (no ingestion route in this build: POST /api/events answered $probe)"
  cat >"$lua" <<EOF
wrk.headers["X-API-Key"] = "$key"
EOF
  path=/api/keys
fi
rss_max=0
wrk -t2 -c"$connections" -d"${seconds}s" -s "$lua" "$BASE_URL$path" >"$RESULTS/footprint-wrk.txt" 2>&1 &
wrk_pid=$!
while kill -0 "$wrk_pid" 2>/dev/null; do
  rss=$(bench_rss_mb "$SERVER_PID")
  [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  sleep 0.5
done
wait "$wrk_pid"
rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$RESULTS/footprint-wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$RESULTS/footprint-wrk.txt")
sleep 2
rss_after=$(bench_rss_mb "$SERVER_PID")
bench_stop_server || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

image_mb=$(du -sm "$image" | cut -f1)
cache_mb=$(du -sm "$cache" | cut -f1)
app_mb=$(du -cm target/triggers-api.jar target/libs | tail -1 | cut -f1)
verdict() { [ "$1" -le "$2" ] && echo "met" || echo "**missed**"; }
aot_ms=${with_aot%% *}
IFS='|' read -r with_aot_wall with_aot_cpu with_aot_jit <<<"$with_aot"
IFS='|' read -r without_aot_wall without_aot_cpu without_aot_jit <<<"$without_aot"
trim() { local v="${1#"${1%%[![:space:]]*}"}"; echo "${v%"${v##*[![:space:]]}"}"; }
with_aot_wall=$(trim "$with_aot_wall") with_aot_cpu=$(trim "$with_aot_cpu") with_aot_jit=$(trim "$with_aot_jit")
without_aot_wall=$(trim "$without_aot_wall") without_aot_cpu=$(trim "$without_aot_cpu") without_aot_jit=$(trim "$without_aot_jit")

cat <<EOF
## Footprint

Measured by \`bench/footprint.sh\` on the jlink image (\`jlink/build.sh\`), prod profile, JAVA_OPTS
\`$opts\`, environment \`${jvm_env:-none}\`. Start-up runs: $runs per variant; saturation: wrk -t2 -c$connections -d${seconds}s on the same cores.
Load average (1/5/15 min) on the $(nproc) cores: $load_before before, $load_after after — wall-clock start-up
times are only meaningful when it is well below $(nproc); the CPU column (JVM user + system time until ready) is
barely affected by other load.

| what | measured | target |
|---|---|---|
| jlink image (\`target/jlink/image\`) | $image_mb MB | ≤ 60 MB — $(verdict "$image_mb" 60) |
| AOT cache (\`target/jlink/triggers-api.aot\`) | $cache_mb MB | — |
| app jar + libs | $app_mb MB | — |
| container payload (image + cache + app) | $((image_mb + cache_mb + app_mb)) MB | — |
| start to first 200 on /health/ready, with AOT cache (median wall) | $with_aot_wall | ≤ 600 ms — $(verdict "$aot_ms" 600) |
| same, without AOT cache | $without_aot_wall | — |
| CPU spent until ready (median), with / without AOT cache | $with_aot_cpu / $without_aot_cpu | — |
| of it, the JIT compiler threads (C1 + C2, median), with / without AOT cache | $with_aot_jit / $without_aot_jit | — |
| RSS idle (after start-up traffic + 5 s) | $rss_idle MB | ≤ 100 MB — $(verdict "$rss_idle" 100) |
| RSS at saturation (max, sampled every 0.5 s) | $rss_max MB | ≤ 200 MB — $(verdict "$rss_max" 200) |
| RSS 2 s after the load | $rss_after MB | — |
| load during the RSS run | $target: $rps req/s, non-2xx: ${non2xx:-0} | — |

Modules linked: \`$(paste -sd, target/jlink/modules.txt)\`.
EOF
