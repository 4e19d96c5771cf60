package dev.triggers.ratelimit;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process limiter: exact for one instance. Used when Redis is not configured or not reachable; with N
 * instances an organization may then get up to N times its limit, which beats refusing ingestion.
 */
public final class LocalRateLimiter implements RateLimiter {
    private static final int MAX_WINDOWS = 100_000;

    private static final class Window {
        long endsAtNanos;
        int used;
    }

    private final long windowNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public LocalRateLimiter(long windowMillis) {
        this.windowNanos = windowMillis * 1_000_000L;
    }

    @Override
    public Decision acquire(String key, int limit, int permits) {
        long now = System.nanoTime();
        if (windows.size() > MAX_WINDOWS) {
            // Memory stays bounded however many organizations show up; expired windows carry no information.
            windows.values().removeIf(w -> now - w.endsAtNanos >= 0);
        }
        Window w = windows.computeIfAbsent(key, k -> new Window());
        synchronized (w) {
            if (w.endsAtNanos == 0 || now - w.endsAtNanos >= 0) {
                w.endsAtNanos = now + windowNanos;
                w.used = 0;
            }
            long resetMillis = (w.endsAtNanos - now) / 1_000_000L;
            if (w.used + (long) permits > limit) {
                return new Decision(false, limit, Math.max(0, limit - w.used), resetMillis);
            }
            w.used += permits;
            return new Decision(true, limit, limit - w.used, resetMillis);
        }
    }
}
