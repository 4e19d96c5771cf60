package dev.triggers.platform.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Runs around every request: sets {@code X-Request-Id}, records the per-route latency histogram, and writes
 * the access log line (structured by the JSON log formatter; no headers, so no keys).
 */
public final class RequestObservation implements Filter {
    private static final Logger ACCESS = Logger.getLogger("access");
    private static final java.time.Duration[] BUCKETS = {
            ms(0.5), ms(1), ms(2), ms(3), ms(5), ms(10), ms(15), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000),
            ms(2500), ms(5000), ms(10000)};

    private final boolean accessLog;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public RequestObservation(boolean accessLog) {
        this.accessLog = accessLog;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        res.header(RequestIds.HEADER, RequestIds.of(req));
        try {
            chain.proceed();
        } finally {
            long nanos = System.nanoTime() - start;
            String route = req.matchingPattern().orElse("unmatched");
            String method = req.prologue().method().text();
            int status = res.status().code();
            timer(method, route, status).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (accessLog && ACCESS.isLoggable(Level.INFO)) {
                Map<String, Object> fields = new java.util.LinkedHashMap<>();
                fields.put("method", method);
                fields.put("path", req.prologue().uriPath().path());
                fields.put("route", route);
                fields.put("status", status);
                fields.put("duration_us", nanos / 1000);
                fields.put("request_id", RequestIds.of(req));
                ACCESS.log(Level.INFO, "request", new Object[] {fields});
            }
        }
    }

    private Timer timer(String method, String route, int status) {
        String key = method + ' ' + route + ' ' + status;
        Timer t = timers.get(key);
        if (t == null) {
            // Bounded: routes are the registered patterns (or "unmatched"), statuses a small set.
            // The registry is looked up here, not at construction: the metrics feature installs it while the server is built.
            t = timers.computeIfAbsent(key, k -> Metrics.globalRegistry().getOrCreate(Timer.builder("http.server.requests")
                    .tags(java.util.List.of(Tag.create("method", method), Tag.create("route", route),
                            Tag.create("status", Integer.toString(status))))
                    .buckets(BUCKETS)));
        }
        return t;
    }

    private static java.time.Duration ms(double millis) {
        return java.time.Duration.ofNanos((long) (millis * 1_000_000));
    }

}
