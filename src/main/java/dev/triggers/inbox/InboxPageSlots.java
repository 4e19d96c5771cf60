package dev.triggers.inbox;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.triggers.platform.http.ApiException;
import io.helidon.config.Config;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/**
 * A bulkhead for inbox page queries: they run on {@code inbox.max-concurrent-pages} platform threads of their own,
 * so at most that many run against PostgreSQL at once; the others queue in arrival order for up to
 * {@code inbox.page-wait-ms} to start, then get 503 + Retry-After. A query that has started is waited for.
 *
 * <p>Why a limit: a page query is pure CPU on a PostgreSQL backend (no I/O or lock waits were seen under load), so
 * more queries at once than the database has cores add no throughput, only scheduling. Sixteen page queries on two
 * cores were sixteen runnable backends time-sliced with the JVM: p99 146 ms at 2,072 pages/s, while a database pool
 * of four gave the same throughput at a p99 of 36–56 ms (docs/INBOX.md), but also throttled ingestion and delivery.
 * The default of 2 is one per core of the bench machine's database: measured against 1, 3, 4 and 6 (docs/INBOX.md,
 * "Bulkhead for page queries"), it kept the lowest p99 at well over the target throughput. The queue is FIFO: letting
 * a newly arrived request barge ahead of one that has waited is exactly the tail this is meant to cut.
 *
 * <p>Why platform threads rather than the request's virtual thread holding a permit: measured with both servers warm
 * and the load alternated between them, +17 % and +29 % pages/s, ahead in 14 of 16 slices (docs/INBOX.md, "Page
 * queries on threads of their own"). The likely reason: a page's ~47 KB of rows reach the JDBC socket in the 8 KB
 * pieces PostgreSQL sends as it produces them, and a virtual thread that reads ahead of them unmounts for each piece
 * (parks, the poller wakes it, it is scheduled onto a carrier again), where a platform thread simply blocks in the
 * kernel until the piece is there. The request's virtual thread parks once, for the whole query.
 *
 * <p>Acks are not limited here: they are few (one per consumed page of up to 1,000 ids), each writes ~1,000 rows and
 * spends most of its time in WAL and commit rather than competing for CPU with pages, and queueing them behind a
 * burst of page reads would delay exactly the request that shrinks the default view.
 */
final class InboxPageSlots implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final ThreadPoolExecutor threads;
    private final long waitMillis;
    private final AtomicInteger waiting = new AtomicInteger();

    InboxPageSlots(int maxConcurrent, long waitMillis) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("inbox.max-concurrent-pages must be at least 1, not " + maxConcurrent);
        }
        if (waitMillis < 0) {
            throw new IllegalArgumentException("inbox.page-wait-ms must not be negative, not " + waitMillis);
        }
        // Daemon, and gone after a minute without pages: an idle server keeps no page threads. Created by whichever
        // request comes first, they must not inherit its thread locals.
        this.threads = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Thread.ofPlatform().name("inbox-page-" + INSTANCES.incrementAndGet() + "-", 1)
                        .daemon().inheritInheritableThreadLocals(false).factory());
        threads.allowCoreThreadTimeOut(true);
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

    /** Runs {@code query} on a page thread and returns its result; 503 if no thread takes it within the wait. */
    <T> T run(Supplier<T> query) {
        Task<T> task = new Task<>(query);
        waiting.incrementAndGet();
        try {
            threads.execute(task);
        } catch (RuntimeException e) { // rejected: the server is stopping
            waiting.decrementAndGet();
            throw stopping();
        }
        try {
            try {
                return task.result.get(waitMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (task.abandon()) {
                    threads.remove(task);
                    throw ApiException.unavailable("too many inbox pages are being read; retry shortly", 1);
                }
                return task.result.get(); // started in time: its query is running, and its page is wanted
            }
        } catch (InterruptedException e) {
            task.abandon();
            threads.remove(task);
            Thread.currentThread().interrupt();
            throw stopping();
        } catch (ExecutionException e) {
            // The query's own exception, as if it had run on this thread (a database error becomes its problem).
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static ApiException stopping() {
        return ApiException.unavailable("the server is stopping; retry shortly", 1);
    }

    /** Stops the page threads once the pages queued and running are done; later pages get 503. */
    @Override
    public void close() {
        threads.shutdown();
    }

    /** A queued page query; whichever comes first — a page thread starting it, or its caller giving up — wins. */
    private final class Task<T> implements Runnable {
        private static final int QUEUED = 0;
        private static final int STARTED = 1;
        private static final int ABANDONED = 2;

        private final Supplier<T> query;
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        final CompletableFuture<T> result = new CompletableFuture<>();

        Task(Supplier<T> query) {
            this.query = query;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(QUEUED, STARTED)) {
                return;
            }
            waiting.decrementAndGet();
            try {
                result.complete(query.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }

        /** True if the query had not started, and now never will. */
        boolean abandon() {
            if (state.compareAndSet(QUEUED, ABANDONED)) {
                waiting.decrementAndGet();
                return true;
            }
            return false;
        }
    }
}
