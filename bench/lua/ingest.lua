-- Single-event ingest: POST /api/events with a unique ~300-byte payload per request.
-- BENCH_KEY: the API key.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
local key = os.getenv("BENCH_KEY")
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = key
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"order.created","payload":{"order_id":"%d-%d-%d","amount":%d,'
    .. '"currency":"EUR","customer":{"id":"c-%d","email":"user%d@example.com"},'
    .. '"items":[{"sku":"sku-1","qty":2},{"sku":"sku-2","qty":1}],"note":"bench event with a realistic size"}}',
    os.time(), tid, counter, counter % 10000, counter % 977, counter)
  return wrk.format(nil, "/api/events", nil, body)
end
