package dev.triggers.platform.http;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Bounds the memory request bodies in progress may hold: a request reserves its body's size from
 * {@code limits.body-memory-bytes} before its handler reads it and gives it back when its response is done; past the
 * budget it waits up to {@code limits.body-memory-wait-ms}, then gets 503 + Retry-After. Without it a few concurrent
 * 16 MiB batches exhaust a small heap; with it they take turns. A chunked body reserves the largest body any route
 * accepts; bodies under {@value #SMALL_BODY} bytes skip the bookkeeping.
 */
public final class BodyMemoryBudget implements Filter {
    static final long SMALL_BODY = 64 * 1024;
    private static final long UNIT = 1024; // permits are KiB, so the whole budget fits an int

    private final Semaphore kib;
    private final int totalKib;
    private final long largestBody;
    private final long waitMillis;

    public BodyMemoryBudget(Config limits) {
        long budget = limits.get("body-memory-bytes").asLong().orElse(24L << 20);
        this.largestBody = Math.max(limits.get("single-body-bytes").asLong().orElse(1L << 20),
                limits.get("batch-body-bytes").asLong().orElse(16L << 20));
        this.waitMillis = limits.get("body-memory-wait-ms").asLong().orElse(2000L);
        this.totalKib = (int) Math.min(Integer.MAX_VALUE, Math.max(1, budget / UNIT));
        this.kib = new Semaphore(totalKib);
        Metrics.globalRegistry().getOrCreate(Gauge.builder("http.body_memory.reserved", this, BodyMemoryBudget::reservedBytes)
                .description("bytes of limits.body-memory-bytes reserved by request bodies in progress"));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long size = bodySize(req.headers());
        if (size < SMALL_BODY) {
            chain.proceed();
            return;
        }
        // A body larger than the whole budget (a misconfiguration) still runs, alone.
        int permits = (int) Math.min(totalKib, (size + UNIT - 1) / UNIT);
        boolean reserved;
        try {
            reserved = kib.tryAcquire(permits, waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reserved = false;
        }
        if (!reserved) {
            throw ApiException.unavailable("too many large request bodies are in progress; retry shortly", 1);
        }
        try {
            chain.proceed();
        } finally {
            kib.release(permits);
        }
    }

    /** The bytes the body will take: its Content-Length, or the largest accepted body when it is chunked. */
    private long bodySize(Headers headers) {
        if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            return largestBody;
        }
        // A declared length over the route's limit is refused unread by the handler; reserve no more than that.
        return Math.min(headers.contentLength().orElse(0L), largestBody);
    }

    long reservedBytes() {
        return (long) (totalKib - kib.availablePermits()) * UNIT;
    }
}
