-- wrk script for the delivery benchmark: POST /api/events with the key in API_KEY.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("API_KEY")
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/events", nil, '{"type":"bench.load","payload":{"i":' .. n .. ',"note":"delivery benchmark payload"}}')
end
