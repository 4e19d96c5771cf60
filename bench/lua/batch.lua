-- Batch ingest: POST /api/events/batch with BENCH_BATCH (default 100) unique events per request.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
local key = os.getenv("BENCH_KEY")
local size = tonumber(os.getenv("BENCH_BATCH") or "100")
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = key
end

function request()
  local items = {}
  for i = 1, size do
    counter = counter + 1
    items[i] = string.format('{"type":"order.created","payload":{"order_id":"%d-%d-%d","amount":%d,'
      .. '"currency":"EUR","customer":{"id":"c-%d","email":"user%d@example.com"},'
      .. '"items":[{"sku":"sku-1","qty":2},{"sku":"sku-2","qty":1}],"note":"bench event with a realistic size"}}',
      os.time(), tid, counter, counter % 10000, counter % 977, counter)
  end
  return wrk.format(nil, "/api/events/batch", nil, '{"events":[' .. table.concat(items, ",") .. ']}')
end
