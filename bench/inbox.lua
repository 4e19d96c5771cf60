-- wrk script for bench/inbox.sh: GET /api/inbox (first page, default view, limit 100), each request with the next
-- organization's key from $KEYS_FILE (one key a line), so the load spreads over many organizations' index ranges.
local keys = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("KEYS_FILE")) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  -- Threads start at different places in the rotation.
  i = math.random(#keys)
end

function request()
  i = i % #keys + 1
  return wrk.format("GET", "/api/inbox?limit=100", { ["X-API-Key"] = keys[i] })
end

-- One machine-readable line for the section script (milliseconds, requests per second).
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, errors))
end
