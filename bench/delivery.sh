#!/usr/bin/env bash
# Benchmark section "Push delivery": sustained deliveries/s to a fast local receiver, created -> receiver latency at
# 1,000 events/s ingested, and ingestion throughput with delivery running vs alone. Prints Markdown on stdout.
# Runs the test profile so the loopback receiver is an allowed target (prod refuses private addresses).
# Tunables: DELIVERY_EVENTS (30000), DELIVERY_WARMUP (10000), INGEST_SECONDS (10), INGEST_WARMUP (20), INGEST_ROUNDS (4), PACED_SECONDS (10),
# PACED_WARMUP (5),
# RECEIVER_PORT (18199); extra server settings as NAME=value words in DELIVERY_SERVER_ENV (for A/B runs).
# Throughput is measured after a warm-up backlog (JIT: the first tens of thousands of deliveries run partly
# interpreted while C2 compiles on the same 2 cores); the warm-up's own rate is reported too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_services
bench_build

EVENTS="${DELIVERY_EVENTS:-30000}"
WARMUP="${DELIVERY_WARMUP:-10000}"
INGEST_SECONDS="${INGEST_SECONDS:-10}"
# Same warm-up before "alone" and "with delivery": with delivery the JIT has more to compile (the web client, the
# engine), and a short warm-up leaves C2 busy through the measurement.
INGEST_WARMUP="${INGEST_WARMUP:-20}"
PACED_SECONDS="${PACED_SECONDS:-10}"
PACED_WARMUP="${PACED_WARMUP:-5}"
RECEIVER_PORT="${RECEIVER_PORT:-18199}"
RECEIVER="http://127.0.0.1:$RECEIVER_PORT"
RECEIVER_PID=
cleanup() {
  bench_stop_server || true
  [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

java "$BENCH_DIR/Receiver.java" "$RECEIVER_PORT" 2>"$RESULTS/receiver.log" &
RECEIVER_PID=$!
for _ in $(seq 1 100); do curl -fs "$RECEIVER/stats" >/dev/null 2>&1 && break; sleep 0.1; done

start_server() {
  bench_fresh_db
  HELIDON_CONFIG_PROFILE=test bench_start_server DELIVERY_ENABLED="$1" RATE_LIMIT_ENTERPRISE=1000000000 \
    REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}" LOG_LEVEL=WARNING ACCESS_LOG=false ${DELIVERY_SERVER_ENV:-}
}

configure_webhook() { # key
  curl -fs -X POST "$BASE_URL/api/webhook/config" -H 'Content-Type: application/json' -H "X-API-Key: $1" \
    -d "{\"webhook_url\":\"$RECEIVER/hook\"}" >/dev/null
}

org_id() { # key
  curl -fs "$BASE_URL/api/keys" -H "X-API-Key: $1" | json '["organization_id"]'
}

# 1. Throughput: a backlog of due events seeded with SQL, drained by the engine; first a warm-up backlog.
start_server true
KEY=$(bench_new_org enterprise)
configure_webhook "$KEY"
ORG=$(org_id "$KEY")
seed() { # count
  bench_psql -c "INSERT INTO events (id, org_id, type, payload, created_at, status, attempts, next_attempt_at)
    SELECT gen_random_uuid(), '$ORG', 'bench.seeded', jsonb_build_object('i', g, 'note', 'delivery benchmark payload'),
           now(), 0, 0, now() FROM generate_series(1, $1) g" >/dev/null
}
drain() { # count; prints deliveries/s as the receiver saw them
  local deadline=$((SECONDS + 120))
  while [ "$(curl -fs "$RECEIVER/stats" | json '["count"]')" -lt "$1" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  curl -fs "$RECEIVER/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(round(s["count"] * 1000 / max(1, s["last_ms"] - s["first_ms"])))'
}
cpu_ms() { sed 's/.*) //' "/proc/$1/stat" | awk '{print ($12 + $13) * 10}'; } # utime + stime of a process, ms
WARM_RATE="n/a"
if [ "$WARMUP" -gt 0 ]; then
  curl -fs -X POST "$RECEIVER/reset" >/dev/null
  seed "$WARMUP"
  WARM_RATE=$(drain "$WARMUP")
  sleep 1
fi
curl -fs -X POST "$RECEIVER/reset" >/dev/null
CPU0=$(cpu_ms "$SERVER_PID"); RCPU0=$(cpu_ms "$RECEIVER_PID")
seed "$EVENTS"
RATE=$(drain "$EVENTS")
CPU1=$(cpu_ms "$SERVER_PID"); RCPU1=$(cpu_ms "$RECEIVER_PID")
STATS=$(curl -fs "$RECEIVER/stats")
GOT=$(echo "$STATS" | json '["count"]')
DISTINCT=$(echo "$STATS" | json '["distinct"]')
CPU_US=$(( (CPU1 - CPU0) * 1000 / (GOT > 0 ? GOT : 1) ))
RCPU_US=$(( (RCPU1 - RCPU0) * 1000 / (GOT > 0 ? GOT : 1) ))
sleep 1
DELIVERED=$(bench_psql -c "SELECT count(*) FROM events WHERE status = 2")
ATTEMPTS=$(bench_psql -c "SELECT count(*) FROM delivery_attempts")
RSS=$(bench_rss_mb "$SERVER_PID")

# 2. Latency at 1,000 events/s ingested (needs POST /api/events).
INGEST_READY=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE_URL/api/events" -H 'Content-Type: application/json' \
  -H "X-API-Key: $KEY" -d '{"type":"bench.probe","payload":{}}')
PACED="not measured: POST /api/events answered $INGEST_READY (ingestion not merged yet)"
if [ "$INGEST_READY" = 201 ]; then
  sleep 1
  curl -fs -X POST "$RECEIVER/reset" >/dev/null
  # Open loop at 1,000/s over 16 keep-alive connections (the ingest section's generator) after a warm-up of
  # PACED_WARMUP s at the same rate. The receiver's lag statistics restart once the warm-up's pushes have arrived, as
  # the generator's own latency figures start after its warm-up: this server has not run the ingest path before (the
  # drain above seeded with SQL), and its first seconds under it are JIT compilation, not the steady state.
  ( for _ in $(seq 1 $((PACED_WARMUP * 10 + 300))); do # gives up 30 s after the warm-up should have ended
      [ "$(curl -fs "$RECEIVER/stats" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')" -ge $((PACED_WARMUP * 1000 - 200)) ] && break
      sleep 0.1
    done
    curl -fs -X POST "$RECEIVER/reset" >/dev/null ) &
  SENT=$(java "$BENCH_DIR/FixedRate.java" 127.0.0.1 "$BENCH_PORT" "$KEY" 1000 "$PACED_SECONDS" 16 "$PACED_WARMUP" | cut -d' ' -f1-4)
  wait $!
  sleep 2
  P=$(curl -fs "$RECEIVER/stats")
  PACED="$SENT; received $(echo "$P" | json '["count"]'); created → receiver p50 $(echo "$P" | json '["lag_p50_ms"]') ms, **p95 $(echo "$P" | json '["lag_p95_ms"]') ms**, p99 $(echo "$P" | json '["lag_p99_ms"]') ms, max $(echo "$P" | json '["lag_max_ms"]') ms"
fi
bench_stop_server || true

# 3. Ingestion alone vs with delivery running (wrk, 2 threads, 64 connections).
wrk_ingest() { # key [seconds]
  API_KEY="$1" wrk -t2 -c64 -d"${2:-$INGEST_SECONDS}s" -s "$BENCH_DIR/delivery-post.lua" "$BASE_URL" 2>&1 \
    | awk '/Requests\/sec/ {print int($2)} /Non-2xx/ {print "non2xx " $4 > "/dev/stderr"}'
}
# INGEST_ROUNDS pairs, alone then with, interleaved: a VM's speed drifts within an hour, and a single pair measured
# a minute apart carries that drift straight into the ratio. The ratio is of the sums.
INGEST_ROUNDS="${INGEST_ROUNDS:-4}"
INGEST_ALONE="n/a"; INGEST_WITH="n/a"; RATIO="n/a"
if [ "$INGEST_READY" = 201 ]; then
  ALONE_RUNS=(); WITH_RUNS=(); PUSHED_RUNS=()
  for ((round = 1; round <= INGEST_ROUNDS; round++)); do
    start_server false
    K=$(bench_new_org enterprise)
    wrk_ingest "$K" "$INGEST_WARMUP" >/dev/null # warm-up (JIT), discarded
    ALONE_RUNS+=("$(wrk_ingest "$K")")
    bench_stop_server || true
    start_server true
    K=$(bench_new_org enterprise)
    configure_webhook "$K"
    wrk_ingest "$K" "$INGEST_WARMUP" >/dev/null # warm-up (JIT, delivery included), discarded
    # Straight on, as "alone" does: a pause here lets the engine, no longer yielding, drain the warm-up's backlog at
    # full speed into the first moments of the measured run, which then measures the end of a catch-up, not
    # ingestion with delivery running.
    curl -fs -X POST "$RECEIVER/reset" >/dev/null
    WITH_RUNS+=("$(wrk_ingest "$K")")
    # Read at once: a second later the engine, no longer yielding, has drained part of the backlog at full speed.
    PUSHED_RUNS+=("$(curl -fs "$RECEIVER/stats" | json '["count"]')")
    bench_stop_server || true
  done
  RATIO=$(python3 -c "print(round(100 * $(bench_sum "${WITH_RUNS[@]}") / max(1, $(bench_sum "${ALONE_RUNS[@]}"))))")
  INGEST_ALONE="$(bench_joined "${ALONE_RUNS[@]}")"
  INGEST_WITH="$(bench_joined "${WITH_RUNS[@]}") (receiver got $(bench_joined "${PUSHED_RUNS[@]}") pushes during those ${INGEST_SECONDS} s)"
fi

cat <<MD
## Push delivery

Server with the \`test\` profile (loopback receivers allowed), delivery defaults (per-org concurrency 64, claim batch 64),
receiver \`bench/Receiver.java\` (JDK HttpServer on virtual threads, answers 204) on the same 2 cores.

| measurement | result | target |
|---|---|---|
| backlog of $EVENTS due events drained (seeded with SQL, one organization), after a warm-up backlog of $WARMUP (drained at $WARM_RATE/s) | **$RATE deliveries/s**; server CPU $CPU_US µs per delivery (receiver $RCPU_US µs); receiver got $GOT ($DISTINCT distinct ids); $DELIVERED marked delivered, $ATTEMPTS attempts recorded (warm-up included); server RSS $RSS MB | ≥ 3,000/s |
| 1,000 events/s ingested for ${PACED_SECONDS} s after ${PACED_WARMUP} s of warm-up (\`bench/FixedRate.java\`, open loop, 16 connections; lag of the pushes after those of the warm-up) | $PACED | p95 ≤ 100 ms |
| ingestion alone, wrk -t2 -c64 ${INGEST_SECONDS} s after ${INGEST_WARMUP} s of warm-up; ${INGEST_ROUNDS} rounds, each alone then with delivery | $INGEST_ALONE req/s | |
| ingestion with delivery to the receiver | $INGEST_WITH req/s → **$RATIO %** of alone (sum over the rounds) | ≥ 70 % |
MD
