#!/usr/bin/env bash
# Section "Ingestion": trivial-endpoint ceiling, single-event ingest at 64 connections, batch ingest, latency at a
# fixed offered rate, and single-event ingest with 10 M events already stored — all against the same build, in one
# run. Prints Markdown on stdout; progress on stderr.
#
# Env: BENCH_DURATION (seconds per measurement, default 15), BENCH_WARMUP (default 15: C2 is still compiling the ingest path after ~10 s on 2 busy cores), BENCH_RATE (default 4000),
#      BENCH_RATE_WARMUP (s of the fixed rate sent before its measured window, default 10),
#      BENCH_SEED_ROWS (default 10000000), STORED_ROUNDS (default 2), plus BENCH_DB / BENCH_PORT from lib.sh.
# The 10 M-row database ${BENCH_DB}_10m is kept between runs and seeded only when it holds fewer rows.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_services
bench_build

D="${BENCH_DURATION:-15}"
WARM="${BENCH_WARMUP:-15}"
RATE="${BENCH_RATE:-4000}"
FR_WARMUP="${BENCH_RATE_WARMUP:-10}"
SEED_ROWS="${BENCH_SEED_ROWS:-10000000}"
EMPTY_DB="$BENCH_DB"
SEEDED_DB="${BENCH_DB}_10m"
# The limiter still runs (one Redis round trip per request) but must not be what caps the measurement.
SERVER_ENV=(RATE_LIMIT_ENTERPRISE=1000000000 "$@")
LUA="$BENCH_DIR/lua"
log() { echo "[ingest] $*" >&2; }

# wrk output -> "rps non2xx p50_ms p99_ms"
wrk_summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $5 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %d %.2f %.2f\n", rps, bad + 0, p50, p99 }' "$1"
}

run_wrk() { # name connections duration script path
  local name=$1 conns=$2 dur=$3 script=$4 path=$5 out="$RESULTS/wrk-$1.txt"
  log "wrk $name: $conns connections, ${dur}s"
  if [ -n "$script" ]; then
    BENCH_KEY="$KEY" wrk -t2 -c"$conns" -d"${dur}s" --latency -s "$script" "$BASE_URL$path" >"$out"
  else
    wrk -t2 -c"$conns" -d"${dur}s" --latency "$BASE_URL$path" >"$out"
  fi
  wrk_summary "$out"
}

ensure_db() { # name: create it if missing (never dropped here)
  if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" != 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $1" >/dev/null
  fi
}

# Rows with UUIDv7-shaped ids and created_at spread over the past 30 days, 1,000 organizations, ~300-byte
# payloads, 90 % delivered: what a busy installation looks like. Chunks of 1 M keep transactions bounded.
seed() {
  local have
  have=$(bench_psql -c "SELECT count(*) FROM events")
  if [ "$have" -ge "$SEED_ROWS" ]; then
    log "$SEEDED_DB already holds $have events; not seeding"
    return
  fi
  log "seeding $SEED_ROWS events into $SEEDED_DB (once; kept for later runs)"
  bench_psql -c "TRUNCATE events, event_dedup"
  local chunk=1000000 from=0
  while [ "$from" -lt "$SEED_ROWS" ]; do
    local to=$(( from + chunk < SEED_ROWS ? from + chunk : SEED_ROWS ))
    bench_psql <<SQL
SET synchronous_commit = off;
INSERT INTO events (id, org_id, type, payload, dedup_id, created_at, status, attempts, delivered_at)
SELECT overlay(overlay(md5(g::text || random()::text) PLACING lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') FROM 1 FOR 12) PLACING '7' FROM 13 FOR 1)::uuid,
       ('00000000-0000-4000-8000-' || lpad(to_hex(g % 1000), 12, '0'))::uuid,
       'order.created',
       jsonb_build_object('order_id', 'seed-' || g, 'amount', g % 10000, 'currency', 'EUR',
                          'customer', jsonb_build_object('id', 'c-' || (g % 977), 'email', 'user' || g || '@example.com'),
                          'items', jsonb_build_array(jsonb_build_object('sku', 'sku-1', 'qty', 2), jsonb_build_object('sku', 'sku-2', 'qty', 1))),
       CASE WHEN g % 10 = 0 THEN 'seed-' || g END,
       ts,
       CASE WHEN g % 10 = 0 THEN 0 ELSE 2 END,
       CASE WHEN g % 10 = 0 THEN 0 ELSE 1 END,
       CASE WHEN g % 10 = 0 THEN NULL ELSE ts END
FROM (SELECT g, now() - interval '30 days' + g * (interval '30 days' / $SEED_ROWS) AS ts
      FROM generate_series($from + 1, $to) AS g) s;
SQL
    from=$to
    log "  $from rows"
  done
  bench_psql -c "VACUUM ANALYZE events"
}

# Flushes what earlier phases (a seed, the batch run) left dirty, so a measurement does not pay for a checkpoint
# of the previous phase's writes; its own writes still checkpoint as they would in production.
settle_db() {
  bench_psql -c "CHECKPOINT"
}

single_ingest() { # label -> "rps non2xx p50 p99"
  run_wrk "single-warmup-$1" 64 "$WARM" "$LUA/ingest.lua" /api/events >/dev/null
  settle_db
  run_wrk "single-$1" 64 "$D" "$LUA/ingest.lua" /api/events
}

# CPU ticks per server thread group (carriers, JIT, writers, ...) and of this database's PostgreSQL backends.
cpu_snapshot() {
  for t in /proc/"$SERVER_PID"/task/*; do
    echo "$(sed 's/[-# ].*//' "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done 2>/dev/null
  for p in $(bench_psql -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
    echo "postgres $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"
  done
}

# "name µs-per-event" lines, largest first, from two snapshots and an event count.
cpu_per_event() {
  awk -v n="$3" -v hz="$(getconf CLK_TCK)" 'FNR == NR { a[$1] += $2; next } { b[$1] += $2 }
    END { for (k in b) { d = b[k] - a[k]; if (d > 0) printf "%s %.0f\n", k, d * 1e6 / hz / n } }' "$1" "$2" | sort -k2 -rn
}

# ---- empty table: ceiling, single, batch, fixed rate ----
bench_fresh_db
bench_start_server "${SERVER_ENV[@]}"
KEY=$(bench_new_org enterprise)
run_wrk ceiling-warmup 64 "$WARM" "" /health/live >/dev/null
read -r CEIL_RPS _ CEIL_P50 CEIL_P99 < <(run_wrk ceiling 64 "$D" "" /health/live)
run_wrk "single-warmup-empty" 64 "$WARM" "$LUA/ingest.lua" /api/events >/dev/null
settle_db
cpu_snapshot >"$RESULTS/cpu-before.txt"
read -r S_RPS S_BAD S_P50 S_P99 < <(run_wrk "single-empty" 64 "$D" "$LUA/ingest.lua" /api/events)
cpu_snapshot >"$RESULTS/cpu-after.txt"
CPU_SPLIT=$(cpu_per_event "$RESULTS/cpu-before.txt" "$RESULTS/cpu-after.txt" "$(( S_RPS * D ))" | awk '{printf "%s%s %s µs", sep, $1, $2; sep = ", "}')
read -r B_RPS B_BAD B_P50 B_P99 < <(BENCH_BATCH=100 run_wrk batch 8 "$D" "$LUA/batch.lua" /api/events/batch)
log "fixed rate $RATE/s for ${D}s"
settle_db
# FR_WARMUP s of the rate are sent first and not measured: long enough for the generator's own JVM to be compiled,
# so its cold start is not inside the measured window (the timeline file shows each second).
FR=$(FIXED_RATE_TIMELINE="$RESULTS/fixed-rate-timeline.txt" java "$BENCH_DIR/FixedRate.java" 127.0.0.1 "$BENCH_PORT" \
  "$KEY" "$RATE" "$D" 64 "$FR_WARMUP")
STORED_EMPTY=$(bench_psql -c "SELECT count(*) FROM events")
RSS=$(bench_rss_mb "$SERVER_PID" 2>/dev/null || echo "?")
bench_stop_server || true  # wait reports the server's exit status (143)

# ---- 10 M events already stored, against an empty table, in interleaved rounds ----
# STORED_ROUNDS pairs (default 2), each an empty table then the 10 M one, each on a freshly started server with its
# own warm-up; the ratio is of the sums: a single pair measured minutes apart carries the VM's drift straight into
# the ratio.
STORED_ROUNDS="${STORED_ROUNDS:-2}"
ensure_db "$SEEDED_DB"
BENCH_DB="$SEEDED_DB"
bench_start_server "${SERVER_ENV[@]}"   # migrates the schema on first use
seed
bench_stop_server || true  # wait reports the server's exit status (143)
E_RUNS=(); M_RUNS=(); M_P99S=(); M_BAD=0
for ((round = 1; round <= STORED_ROUNDS; round++)); do
  BENCH_DB="$EMPTY_DB"
  bench_fresh_db
  bench_start_server "${SERVER_ENV[@]}"
  KEY=$(bench_new_org enterprise)
  read -r rps _ _ _ < <(single_ingest "empty-$round")
  E_RUNS+=("$rps")
  bench_stop_server || true
  BENCH_DB="$SEEDED_DB"
  bench_start_server "${SERVER_ENV[@]}"
  KEY=$(bench_new_org enterprise)
  read -r rps bad _ p99 < <(single_ingest "10m-$round")
  M_RUNS+=("$rps"); M_P99S+=("$p99"); M_BAD=$(( M_BAD + bad ))
  M_STORED=$(bench_psql -c "SELECT count(*) FROM events")
  bench_stop_server || true
done
BENCH_DB="$EMPTY_DB"
E_SUM=$(bench_sum "${E_RUNS[@]}"); M_SUM=$(bench_sum "${M_RUNS[@]}")

fr() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$FR"; }
B_EVENTS=$(( B_RPS * 100 ))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="${3:-ge}" 'BEGIN { ok = (dir == "ge") ? v >= t : v <= t; print ok ? "met" : "**missed**" }'; }

cat <<MD
## Ingestion

\`bench/ingest.sh\`: wrk (2 threads) with Lua scripts in \`bench/lua/\` posting unique ~330-byte events; one
enterprise organization; \`RATE_LIMIT_ENTERPRISE=1000000000\` so the limiter (still one Redis round trip per request)
never caps the load. ${D} s per measurement after a ${WARM} s warm-up; every 201 is a committed transaction
(a \`CHECKPOINT\` before each measured phase, so none pays for the dirty pages of the one before;
group commit: writers=\`${INGEST_WRITERS:-4}\`, up to \`${INGEST_MAX_BATCH_ROWS:-500}\` rows per transaction, pool \`${DB_POOL_SIZE:-16}\`).

| measurement | result | target | |
|---|---|---|---|
| trivial endpoint ceiling (GET /health/live, 64 conns) | ${CEIL_RPS} req/s (p50 ${CEIL_P50} ms, p99 ${CEIL_P99} ms) | – | |
| single-event ingest, 64 conns, empty table | **${S_RPS} events/s** = $(ratio "$S_RPS" "$CEIL_RPS") of the ceiling (p50 ${S_P50} ms, p99 ${S_P99} ms, non-201: ${S_BAD}) | ≥ 8,000 | $(verdict "$S_RPS" 8000) |
| batch ingest, 100 events per request, 8 conns | **${B_EVENTS} events/s** (${B_RPS} req/s, p99 ${B_P99} ms, non-200: ${B_BAD}) | ≥ 15,000 | $(verdict "$B_EVENTS" 15000) |
| fixed offered rate ${RATE} events/s, open loop, from intended send time, ${D} s after ${FR_WARMUP} s of the rate unmeasured (\`bench/FixedRate.java\`, 64 conns) | p50 **$(fr p50_ms) ms**, p90 $(fr p90_ms) ms, p99 **$(fr p99_ms) ms**, p99.9 $(fr p999_ms) ms, max $(fr max_ms) ms (errors: $(fr errors)) | p50 ≤ 3, p99 ≤ 15 | $(verdict "$(fr p50_ms)" 3 le) / $(verdict "$(fr p99_ms)" 15 le) |
| single-event ingest with ${M_STORED} events stored, ${STORED_ROUNDS} rounds each after an empty table | **$(bench_joined "${M_RUNS[@]}") events/s** against $(bench_joined "${E_RUNS[@]}") on an empty table = $(ratio "$M_SUM" "$E_SUM") (ratio of the sums; p99 $(bench_joined "${M_P99S[@]}") ms, non-201: ${M_BAD}) | ≥ 90 % | $(verdict "$(( M_SUM * 100 ))" "$(( E_SUM * 90 ))") |

Server RSS after the empty-table runs: ${RSS} MB; events stored by those runs: ${STORED_EMPTY}.

CPU per event during the single-event run (server threads by kind, then this database's PostgreSQL backends;
\`ForkJoinPool\` = virtual-thread carriers doing HTTP, JSON, auth and the rate-limit hand-off, \`C2\` = JIT still
compiling, \`event\` = group-commit writers, \`rate\` = the Redis dispatcher): ${CPU_SPLIT}.

Load average when the run ended: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores). Anything well above 2 means other
work shared the CPU and every figure above is depressed; compare runs by their ratios to the ceiling.
MD
