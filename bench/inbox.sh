#!/usr/bin/env bash
# Benchmark section "Inbox": first inbox page of 100 under load, and acks of 1,000 ids per request, on a table of
# INBOX_EVENTS events (default 10 M) spread over INBOX_ORGS organizations (default 1,000).
#
#   bench/run.sh inbox                       # the full run (10 M events; seeding takes minutes the first time)
#   INBOX_EVENTS=1000000 bench/run.sh inbox  # a smaller seed while developing
#
# The seed is kept in $BENCH_DB between runs and skipped when it already matches INBOX_EVENTS/INBOX_ORGS;
# organizations are created through the API (their keys stay valid: the bench pepper is fixed in lib.sh).
# Knobs: INBOX_DURATION (s of measured load, default 15), INBOX_WARMUP (s, default 15: C2 is still compiling 5 s in), INBOX_CONNECTIONS (16),
# ACK_REQUESTS (acks of 1,000 ids, default 200), ACK_WARMUP (acks sent first and not recorded, default 20).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_services
bench_build >&2
export PGOPTIONS="-c client_min_messages=warning"

INBOX_EVENTS="${INBOX_EVENTS:-10000000}"
INBOX_ORGS="${INBOX_ORGS:-1000}"
INBOX_DURATION="${INBOX_DURATION:-15}"
INBOX_WARMUP="${INBOX_WARMUP:-15}"
INBOX_CONNECTIONS="${INBOX_CONNECTIONS:-16}"
ACK_REQUESTS="${ACK_REQUESTS:-200}"
ACK_WARMUP="${ACK_WARMUP:-20}"
KEYS_FILE="$RESULTS/inbox-keys.txt"
# Its own database: the seed is kept between runs, and other sections recreate $BENCH_DB.
BENCH_DB="${BENCH_DB}_inbox"

log() { echo "[inbox] $*" >&2; }
# Stops at the first failing statement (sql alone would carry on past an error).
sql() { bench_psql -v ON_ERROR_STOP=1 "$@"; }

if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -qAtc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'")" != 1 ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $BENCH_DB" >/dev/null
fi

trap 'rc=$?; bench_stop_server || true; exit $rc' EXIT
bench_start_server
sql -c "CREATE TABLE IF NOT EXISTS bench_inbox_orgs (n serial PRIMARY KEY, org_id uuid NOT NULL, api_key text NOT NULL)" \
  -c "CREATE TABLE IF NOT EXISTS bench_inbox_seed (events bigint NOT NULL, orgs int NOT NULL, seeded_at timestamptz NOT NULL)"

# --- organizations, through the API ------------------------------------------------------------------------------
new_org_row() {
  local key id
  key=$(bench_new_org enterprise)
  id=$(curl -fs -H "X-API-Key: $key" "$BASE_URL/api/keys" | sed -n 's/.*"organization_id":"\([^"]*\)".*/\1/p')
  [ -n "$id" ] && printf '%s\t%s\n' "$id" "$key"
}
have=$(sql -c "SELECT count(*) FROM bench_inbox_orgs")
if [ "$have" -lt "$INBOX_ORGS" ]; then
  log "creating $((INBOX_ORGS - have)) organizations through the API"
  export -f bench_new_org new_org_row
  export BASE_URL ADMIN_TOKEN
  seq 1 $((INBOX_ORGS - have)) | xargs -P 4 -I{} bash -c new_org_row >"$RESULTS/inbox-orgs.tsv"
  sql -c "\\copy bench_inbox_orgs (org_id, api_key) FROM '$RESULTS/inbox-orgs.tsv'"
fi
sql -c "SELECT api_key FROM bench_inbox_orgs WHERE n <= $INBOX_ORGS ORDER BY n" >"$KEYS_FILE"
[ "$(wc -l <"$KEYS_FILE")" -ge "$INBOX_ORGS" ] || { log "could not create $INBOX_ORGS organizations"; exit 1; }
# A key that no longer works (e.g. another pepper) would turn the load test into a 401 benchmark.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $(head -1 "$KEYS_FILE")" "$BASE_URL/api/keys")" = 200 ] \
  || { log "the stored bench keys are rejected; drop $BENCH_DB and rerun"; exit 1; }

# --- events, by SQL --------------------------------------------------------------------------------------------
# Rows arrive in created_at order with organizations interleaved, as real ingestion writes them; per organization
# 90 % are delivered (acknowledged) and 10 % undelivered (mostly pending, some failed), spread evenly over time.
seeded=$(sql -c "SELECT count(*) FROM bench_inbox_seed WHERE events = $INBOX_EVENTS AND orgs = $INBOX_ORGS")
if [ "$seeded" = 0 ]; then
  log "seeding $INBOX_EVENTS events over $INBOX_ORGS organizations (minutes for 10 M; progress below)"
  sql -c "TRUNCATE events, bench_inbox_seed"
  # Secondary indexes are rebuilt after the load (much faster than maintaining them row by row); their definitions
  # are taken from the migrated schema, so they cannot drift from it.
  sql -c "SELECT indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'" >"$RESULTS/inbox-indexes.sql"
  sql -c "SELECT 'DROP INDEX ' || indexname || ';' FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'" \
    | sql >/dev/null
  chunk=1000000
  for ((start = 0; start < INBOX_EVENTS; start += chunk)); do
    end=$((start + chunk < INBOX_EVENTS ? start + chunk : INBOX_EVENTS))
    sql <<SQL
INSERT INTO events (id, org_id, type, payload, dedup_id, created_at, status, attempts, delivered_at)
SELECT
  -- UUIDv7 layout: 48 bits of Unix milliseconds of created_at, version 7, variant 10, then bits of a hash of g.
  (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
  o.org_id,
  (ARRAY['order.created', 'order.paid', 'user.signup', 'invoice.sent'])[1 + (g / $INBOX_ORGS) % 4],
  ('{"order_id": ' || g || ', "amount": ' || (g % 100000) || ', "currency": "EUR", "customer": {"id": "cus_' || h
    || '", "email": "user' || g || '@example.com", "country": "DE"}, "items": [{"sku": "sku-' || (g % 500)
    || '", "qty": ' || (g % 5 + 1) || ', "price": 1999}], "note": "bench payload of realistic size, ~300 bytes"}')::jsonb,
  CASE WHEN g % 2 = 0 THEN 'dedup-' || g END,
  at,
  s.status,
  CASE s.status WHEN 2 THEN 1 WHEN 3 THEN 5 ELSE 0 END,
  CASE s.status WHEN 2 THEN at + interval '1 second' END
FROM generate_series($start, $((end - 1))) g
CROSS JOIN LATERAL (SELECT timestamptz '2026-10-01 00:00:00+00' + g * interval '250 milliseconds' AS at,
                           md5(g::text) AS h) t
-- Status from the organization's own row number (g / orgs), not from g, which would tie it to the organization.
CROSS JOIN LATERAL (SELECT CASE WHEN (g / $INBOX_ORGS) % 10 <> 0 THEN 2 WHEN (g / $INBOX_ORGS) % 70 = 0 THEN 3
                           ELSE 0 END AS status) s
JOIN bench_inbox_orgs o ON o.n = 1 + g % $INBOX_ORGS;
SQL
    log "  $end / $INBOX_EVENTS rows"
  done
  log "building indexes"
  { echo "SET maintenance_work_mem = '1GB';"; sed 's/$/;/' "$RESULTS/inbox-indexes.sql"; } | sql
  log "vacuum analyze"
  sql -c "VACUUM (ANALYZE) events"
  sql -c "INSERT INTO bench_inbox_seed VALUES ($INBOX_EVENTS, $INBOX_ORGS, now())"
else
  log "seed of $INBOX_EVENTS events over $INBOX_ORGS organizations present; skipping"
fi
total=$(sql -c "SELECT reltuples::bigint FROM pg_class WHERE relname = 'events'")
undelivered=$(sql -c "SELECT count(*) FROM events WHERE status <> 2")

# --- first inbox page under load -----------------------------------------------------------------------------
run_wrk() {
  KEYS_FILE="$KEYS_FILE" wrk -t2 -c"$INBOX_CONNECTIONS" -d"$1"s --latency -s "$BENCH_DIR/inbox.lua" "$BASE_URL"
}
log "warm-up ${INBOX_WARMUP}s"
run_wrk "$INBOX_WARMUP" >/dev/null
log "inbox first page: ${INBOX_DURATION}s at $INBOX_CONNECTIONS connections"
run_wrk "$INBOX_DURATION" >"$RESULTS/inbox-wrk.txt"
eval "$(grep '^RESULT ' "$RESULTS/inbox-wrk.txt" | cut -d' ' -f2-)"
[ "$non2xx" = 0 ] && [ "$errors" = 0 ] || log "WARNING: $non2xx non-2xx responses, $errors socket errors"

# --- acks of 1,000 ids -----------------------------------------------------------------------------------------
# Fresh pending events (1,000 per organization for ACK_WARMUP + ACK_REQUESTS organizations), written interleaved
# like real arrivals, so each ack touches rows spread over many heap pages; the previous run's are removed first and
# vacuumed away, so the new rows and the acks' new row versions land in reused pages, as on a database whose
# autovacuum recycles acknowledged rows — and so every run measures the same layout (without that VACUUM, runs on one
# seed would alternate between appending to the table and reusing the space the run before freed).
# The first ACK_WARMUP acks are not recorded: the page load warmed the server's page path, not its ack path, and the
# first acks of a fresh JVM (interpreted JSON parsing, statements not yet prepared) would alone make the p99.
ack_orgs=$((ACK_WARMUP + ACK_REQUESTS))
[ "$ack_orgs" -le "$INBOX_ORGS" ] || { log "ACK_WARMUP + ACK_REQUESTS must not exceed INBOX_ORGS"; exit 1; }
log "ack: preparing $ack_orgs x 1,000 fresh events"
sql -c "DELETE FROM events WHERE type = 'bench.ack'" >/dev/null
sql -c "VACUUM events" >/dev/null
sql <<SQL >/dev/null
INSERT INTO events (id, org_id, type, payload, created_at, status, attempts)
-- UUIDv7 ids in arrival order, as the server assigns them (Ids.uuidV7), 100 µs apart.
SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp() + g * interval '100 microseconds') * 1000)::bigint), 12, '0')
        || '7' || substr(md5(g::text), 1, 3) || '8' || substr(md5(g::text), 4, 15))::uuid,
       o.org_id, 'bench.ack', '{"n": 1}', now() + g * interval '1 microsecond', 0, 0
FROM generate_series(0, $ack_orgs * 1000 - 1) g
JOIN bench_inbox_orgs o ON o.n = 1 + g % $ack_orgs;
SQL
sql -c "VACUUM (ANALYZE) events" >/dev/null
sql -c "SELECT o.api_key || ' ' || string_agg(e.id::text, ',') FROM events e JOIN bench_inbox_orgs o USING (org_id)
               WHERE e.type = 'bench.ack' GROUP BY o.api_key" >"$RESULTS/inbox-acks.txt"
# The plan of one such ack, taken before the run (and rolled back): the statement InboxStore.ACK runs, ids sorted.
ack_org=$(sql -c "SELECT org_id FROM bench_inbox_orgs WHERE n = 1")
ack_ids=$(sql -c "SELECT string_agg(quote_literal(id), ',' ORDER BY id) FROM events WHERE org_id = '$ack_org' AND type = 'bench.ack'")
plan_ack=$(sql <<SQL
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE events e SET status = 2,
  delivered_at = coalesce(e.delivered_at, now()), next_attempt_at = NULL FROM unnest(ARRAY[$ack_ids]::uuid[]) AS a(id)
  WHERE e.id = a.id AND e.org_id IS NOT DISTINCT FROM '$ack_org';
ROLLBACK;
SQL
)
plan_ack=$(sed -E "s/'\\{[^}]*\\}'/'{…the ids…}'/g" <<<"$plan_ack")
# As bench/ingest.sh's settle_db: the preparation above (a delete, two vacuums and 220,000 inserts over a 10 M-row
# table) leaves dirty pages and WAL that a checkpoint during the acks would otherwise bill to them; the acks' own
# writes still checkpoint as they would in production.
sql -c "CHECKPOINT" >/dev/null
log "ack: $ACK_WARMUP warm-up acks, then $ACK_REQUESTS requests of 1,000 ids, one at a time"
python3 "$BENCH_DIR/inbox_ack.py" "$BASE_URL" "$RESULTS/inbox-acks.txt" "$ACK_WARMUP" >"$RESULTS/inbox-ack.txt"
eval "$(grep '^RESULT ' "$RESULTS/inbox-ack.txt" | cut -d' ' -f2-)"

# --- the plans the targets rely on ------------------------------------------------------------------------------
org=$(sql -c "SELECT org_id FROM bench_inbox_orgs WHERE n = 7")
cursor_at=$(sql -c "SELECT created_at || ' ' || id FROM events WHERE org_id = '$org' AND status <> 2
                            ORDER BY created_at DESC, id DESC OFFSET 49 LIMIT 1")
plan() { sql -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $1"; }
cols="SELECT id, type, payload, dedup_id, created_at, status, attempts FROM events WHERE org_id = '$org'"
plan_first=$(plan "$cols AND status <> 2 ORDER BY created_at DESC, id DESC LIMIT 101")
plan_next=$(plan "$cols AND status <> 2 AND (created_at, id) < ('${cursor_at% *}', '${cursor_at##* }')
                  ORDER BY created_at DESC, id DESC LIMIT 101")
plan_all=$(plan "$cols AND TRUE ORDER BY created_at, id LIMIT 101")

pass() { awk -v v="$1" -v t="$2" -v d="$3" 'BEGIN { ok = (d == "le") ? v <= t : v >= t; print ok ? "yes" : "**no**" }'; }
cat <<EOF
## Inbox (pull delivery)

$(printf "%'d" "$total") stored events over $INBOX_ORGS organizations ($(printf "%'d" "$undelivered") undelivered, the
rest acknowledged), ~300-byte payloads. Server: \`prod\` profile. Load: wrk, 2 threads, $INBOX_CONNECTIONS connections,
each request with the next of the $INBOX_ORGS organizations' keys (\`bench/inbox.lua\`), ${INBOX_WARMUP} s warm-up,
then ${INBOX_DURATION} s measured. Acks: \`bench/inbox_ack.py\`, one connection, $ACK_REQUESTS requests one after
another (after $ACK_WARMUP unrecorded warm-up acks and a \`CHECKPOINT\` of their preparation's writes), each
acknowledging 1,000 fresh pending events of one organization.

| measure | target | measured | met |
|---|---|---|---|
| first inbox page (\`GET /api/inbox\`, default view, 100 events), pages/s | ≥ 2,000 | $(printf "%'.0f" "$rps") | $(pass "$rps" 2000 ge) |
| same, latency p50 / p99 | p99 ≤ 10 ms | ${p50_ms} ms / ${p99_ms} ms | $(pass "$p99_ms" 10 le) |
| \`POST /api/inbox/ack\` with 1,000 ids, latency p50 / p95 / p99 / max | p99 ≤ 50 ms | ${ack_p50} / ${ack_p95} / ${ack_p99} / ${ack_max} ms | $(pass "$ack_p99" 50 le) |

Non-2xx responses during the page load: $non2xx; socket errors: $errors. Acks that did not acknowledge all 1,000
ids: $ack_short.

### Plans the targets rely on (EXPLAIN ANALYZE, BUFFERS; organization 7)

First page of the default view: the partial index \`events_org_undelivered\`, read in order, stopped by the LIMIT.

\`\`\`
$plan_first
\`\`\`

Next page: the cursor is part of the index condition, so page N costs what page 1 costs.

\`\`\`
$plan_next
\`\`\`

\`status=all&order=asc\`: the full index \`events_org_created\`, scanned backward.

\`\`\`
$plan_all
\`\`\`

Ack of 1,000 fresh ids of one organization (before the timed run, rolled back): one statement, one primary-key
lookup per id; WAL shows the full-page images that dominate its cost.

\`\`\`
$plan_ack
\`\`\`
EOF
