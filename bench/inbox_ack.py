"""Ack latency for bench/inbox.sh: one POST /api/inbox/ack of 1,000 ids per line of the input file
("<api key> <id>,<id>,..."), sent one after another over one keep-alive connection; prints percentiles.
An optional third argument N sends the first N lines as warm-up: checked, not timed."""
import http.client
import json
import sys
import time
from urllib.parse import urlparse

base, path = sys.argv[1], sys.argv[2]
warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 0
url = urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
latencies, short = [], 0
with open(path) as f:
    for n, line in enumerate(f):
        key, ids = line.split()
        body = json.dumps({"event_ids": ids.split(",")})
        start = time.perf_counter()
        conn.request("POST", "/api/inbox/ack", body, {"Content-Type": "application/json", "X-API-Key": key})
        reply = conn.getresponse()
        data = reply.read()
        if n >= warmup:
            latencies.append((time.perf_counter() - start) * 1000)
        if reply.status != 200 or json.loads(data)["acknowledged"] != len(ids.split(",")):
            short += 1
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * len(latencies) + 0.5)) - 1)]


print("RESULT ack_p50=%.1f ack_p95=%.1f ack_p99=%.1f ack_max=%.1f ack_short=%d ack_requests=%d"
      % (pct(50), pct(95), pct(99), latencies[-1], short, len(latencies)))
