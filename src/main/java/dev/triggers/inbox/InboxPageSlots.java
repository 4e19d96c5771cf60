package dev.triggers.inbox;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.triggers.platform.http.ApiException;
import io.helidon.config.Config;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/**
 * A bulkhead for inbox page queries: at most {@code inbox.max-concurrent-pages} run against PostgreSQL at once;
 * the others queue in arrival order for up to {@code inbox.page-wait-ms}, then get 503 + Retry-After.
 *
 * <p>Why: a page query is pure CPU on a PostgreSQL backend (no I/O or lock waits were seen under load), so more
 * queries at once than the database has cores add no throughput, only scheduling. Sixteen page queries on two cores
 * were sixteen runnable backends time-sliced with the JVM: p99 146 ms at 2,072 pages/s, while a database pool of four
 * gave the same throughput at a p99 of 36–56 ms (docs/INBOX.md), but also throttled ingestion and delivery. The
 * default of 2 is one per core of the bench machine's database: measured against 1, 3, 4 and 6 (docs/INBOX.md,
 * "Bulkhead for page queries"), it kept the lowest p99 at well over the target throughput. The queue is fair (FIFO):
 * an unfair semaphore would let a newly arrived request barge ahead of one that has waited, which is exactly the
 * tail this is meant to cut. The database pool stays larger, for ingestion, delivery and acks.
 *
 * <p>Acks are not limited here: they are few (one per consumed page of up to 1,000 ids), each writes ~1,000 rows and
 * spends most of its time in WAL and commit rather than competing for CPU with pages, and queueing them behind a
 * burst of page reads would delay exactly the request that shrinks the default view.
 */
final class InboxPageSlots {
    private final Semaphore slots;
    private final long waitMillis;
    private final AtomicInteger waiting = new AtomicInteger();

    InboxPageSlots(int maxConcurrent, long waitMillis) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("inbox.max-concurrent-pages must be at least 1, not " + maxConcurrent);
        }
        if (waitMillis < 0) {
            throw new IllegalArgumentException("inbox.page-wait-ms must not be negative, not " + waitMillis);
        }
        this.slots = new Semaphore(maxConcurrent, true);
        this.waitMillis = waitMillis;
        // Replaces the gauge of an earlier instance in the process (tests start several applications).
        MeterRegistry registry = Metrics.globalRegistry();
        registry.remove("inbox.pages.waiting", List.of());
        registry.getOrCreate(Gauge.builder("inbox.pages.waiting", waiting, AtomicInteger::doubleValue)
                .description("Inbox page requests waiting for one of inbox.max-concurrent-pages query slots"));
    }

    static InboxPageSlots from(Config inbox) {
        return new InboxPageSlots(inbox.get("max-concurrent-pages").asInt().orElse(2),
                inbox.get("page-wait-ms").asLong().orElse(1000L));
    }

    /** Runs {@code query} holding a slot; 503 if none frees up within the wait. */
    <T> T run(Supplier<T> query) {
        if (!acquire()) {
            throw ApiException.unavailable("too many inbox pages are being read; retry shortly", 1);
        }
        try {
            return query.get();
        } finally {
            slots.release();
        }
    }

    private boolean acquire() {
        // tryAcquire() without a timeout barges even on a fair semaphore; the timed form with 0 queues in order.
        waiting.incrementAndGet();
        try {
            return slots.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.decrementAndGet();
        }
    }

    int waiting() {
        return waiting.get();
    }
}
