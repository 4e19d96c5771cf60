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
 * A bulkhead for inbox page queries: they run on {@code inbox.max-concurrent-pages} platform threads of their own;
 * other requests queue in arrival order up to {@code inbox.page-wait-ms} to start, then get 503 + Retry-After. A page
 * query is all CPU on its backend, so more at once than the database's cores only add scheduling delay; FIFO, because
 * a newcomer overtaking a request that waited is exactly the tail this cuts. Platform threads, because a virtual
 * thread unmounts for every piece of the rows the socket receives. Acks are not limited here (docs/ARCHITECTURE.md).
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
