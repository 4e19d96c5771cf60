package dev.triggers.events;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/**
 * How hard ingestion is pushed on this instance, for background work that gives way to it (push delivery): the
 * average number of ingest requests in progress ({@code POST /api/events} and {@code /batch}, from handler start
 * to answer) over windows of {@code window}.
 *
 * <p>By Little's law that average is throughput × latency: a closed-loop load keeps about one request in progress
 * per connection (64 under {@code wrk -c64}), traffic the server keeps up with only a few (1,000 events/s at a few
 * ms each). Pressure is raised when a window's average reaches {@code threshold} and lowered when one falls below
 * half of it: an average, not the instantaneous count, because the count swings from near zero to the number of
 * connections with every group commit (all waiting requests are answered at once), and the hysteresis keeps a
 * slow window of a client (its own CPU starved) from switching back and forth.
 *
 * <p>The hot path pays two clock reads, two adds and an atomic increment and decrement per request; the window
 * arithmetic runs only when {@link #raised()} is asked (by the delivery engine, at most a few times per window).
 */
public final class IngestPressure {
    private final int threshold;
    private final long windowNanos;
    private final long origin = System.nanoTime();
    private final AtomicInteger inProgress = new AtomicInteger();
    /** Sums of start and end times (ns since origin; they wrap, their differences do not). */
    private final LongAdder started = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private long windowStart; // guarded by this, like the three below
    private long areaAtWindowStart;
    private boolean raised;

    /** {@code threshold} ≤ 0: never raised. */
    public IngestPressure(int threshold, long windowMillis) {
        this.threshold = threshold;
        this.windowNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, windowMillis));
        // Replaces the gauge of an earlier instance in the process (tests start several applications).
        MeterRegistry registry = Metrics.globalRegistry();
        registry.remove("events.in_progress", List.of());
        registry.getOrCreate(Gauge.builder("events.in_progress", inProgress, AtomicInteger::doubleValue)
                .description("Ingest requests in progress on this instance (delivery yields when their average "
                        + "reaches delivery.yield.ingest-threshold)"));
    }

    /** An ingest request started. Every call is paired with one {@link #exit()}. */
    public void enter() {
        started.add(System.nanoTime() - origin);
        inProgress.incrementAndGet();
    }

    /** An ingest request was answered (or failed). */
    public void exit() {
        inProgress.decrementAndGet();
        ended.add(System.nanoTime() - origin);
    }

    public int inProgress() {
        return inProgress.get();
    }

    /**
     * Whether ingestion is under pressure: the last complete window's average reached the threshold, or it did
     * earlier and no window since fell below half of it.
     */
    public synchronized boolean raised() {
        if (threshold <= 0) {
            return false;
        }
        long now = System.nanoTime() - origin;
        if (now - windowStart >= windowNanos) {
            // Time integral of the requests in progress since origin: every finished request counts end - start,
            // every open one now - start. Reads race with requests by at most a request's age: negligible.
            long area = ended.sum() - started.sum() + inProgress.get() * now;
            double average = (double) (area - areaAtWindowStart) / (now - windowStart);
            raised = average >= threshold || (raised && average >= threshold / 2.0);
            windowStart = now;
            areaAtWindowStart = area;
        }
        return raised;
    }
}
