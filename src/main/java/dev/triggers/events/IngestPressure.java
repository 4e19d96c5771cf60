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
 * average number of ingest requests in progress over windows of {@code window}, raised at {@code threshold} and
 * lowered below half of it. An average, because the instantaneous count swings with every group commit (all its
 * requests are answered at once); hysteresis, so a client's slow window does not flip it. The hot path pays two
 * clock reads and a few adds; the window arithmetic runs only when {@link #raised()} is asked.
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
