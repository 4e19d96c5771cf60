package dev.triggers.delivery;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.triggers.delivery.DeliveryStore.Claimed;
import dev.triggers.delivery.DeliveryStore.Result;
import dev.triggers.platform.db.Database;

/**
 * Stores attempt outcomes and lease releases in batches on one thread: whatever accumulated while the previous
 * transaction ran goes into the next, so under load a transaction carries many outcomes and at rest one is written
 * at once. It also wakes the claimer when a retry it scheduled is due, and disables webhooks that answered 410
 * once that attempt is stored.
 */
final class ResultWriter {
    private static final System.Logger LOG = System.getLogger(ResultWriter.class.getName());
    private static final int MAX_BATCH = 1000;
    /** Due times are rounded up to this, so a burst of retries costs a handful of wake-ups. */
    private static final long DUE_GRANULARITY_MS = 10;

    private record Release(List<Claimed> events) {
    }

    private record Gone(UUID orgId, String url) {
    }

    private final DeliveryStore store;
    private final DeliverySignal signal;
    private final Consumer<UUID> webhookDisabled;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ConcurrentSkipListSet<Long> dueTimes = new ConcurrentSkipListSet<>();
    private volatile boolean stopping;
    private Thread thread;

    ResultWriter(DeliveryStore store, DeliverySignal signal, Consumer<UUID> webhookDisabled) {
        this.store = store;
        this.signal = signal;
        this.webhookDisabled = webhookDisabled;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("delivery-writer").start(this::loop);
    }

    void add(Result result) {
        queue.add(result);
    }

    void release(List<Claimed> events) {
        if (!events.isEmpty()) {
            queue.add(new Release(List.copyOf(events)));
        }
    }

    void gone(UUID orgId, String url) {
        queue.add(new Gone(orgId, url));
    }

    /** Epoch millis when the earliest retry this instance scheduled becomes due; Long.MAX_VALUE if none. */
    long nextDueTime() {
        Long first = dueTimes.isEmpty() ? null : dueTimes.first();
        return first == null ? Long.MAX_VALUE : first;
    }

    /** Forgets the due times up to {@code nowMillis}: the claim about to run covers them. */
    void passedDueTime(long nowMillis) {
        dueTimes.headSet(nowMillis, true).clear();
    }

    private void loop() {
        List<Object> batch = new ArrayList<>();
        while (true) {
            try {
                Object first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (stopping) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                flush(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (stopping && queue.isEmpty()) {
                    return;
                }
            }
        }
    }

    private void flush(List<Object> batch) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        List<Claimed> released = new ArrayList<>();
        Map<UUID, String> gone = new LinkedHashMap<>();
        for (Object item : batch) {
            switch (item) {
                case Result r -> results.add(r);
                case Release r -> released.addAll(r.events());
                case Gone g -> gone.put(g.orgId(), g.url());
                default -> throw new IllegalStateException("unexpected " + item);
            }
        }
        for (int tries = 1; ; tries++) {
            try {
                store.write(results, released);
                break;
            } catch (SQLException | RuntimeException e) {
                if (stopping && tries >= 3) {
                    // The leases expire and the events are retried: at-least-once holds, only the record is lost.
                    LOG.log(System.Logger.Level.WARNING, "dropping " + results.size() + " delivery results at shutdown: " + e.getMessage());
                    return;
                }
                if (tries == 1 || !Database.isUnavailable(e)) {
                    LOG.log(System.Logger.Level.WARNING, "storing delivery results failed, retrying: " + e.getMessage());
                }
                Thread.sleep(Math.min(2000, 50L << Math.min(tries, 5)));
            }
        }
        long earliest = Long.MAX_VALUE;
        for (Result r : results) {
            if (r.nextAttemptAt() != null) {
                long due = r.nextAttemptAt().toEpochMilli();
                long rounded = (due + DUE_GRANULARITY_MS - 1) / DUE_GRANULARITY_MS * DUE_GRANULARITY_MS;
                dueTimes.add(rounded);
                earliest = Math.min(earliest, rounded);
            }
        }
        // Ring when a retry of ours is now the earliest the engine knows of. Compared after adding: against the head
        // read before adding, the engine could clear that head and plan its wait on an empty set in between, then
        // sleep a whole poll interval past our retry.
        if ((earliest != Long.MAX_VALUE && earliest <= nextDueTime()) || !released.isEmpty()) {
            signal.ring();
        }
        gone.forEach(this::disable);
    }

    private void disable(UUID orgId, String url) {
        try {
            if (store.disableWebhook(orgId, url)) {
                LOG.log(System.Logger.Level.INFO, "webhook of organization " + orgId + " answered 410 Gone: push disabled");
                webhookDisabled.accept(orgId);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not disable the webhook of " + orgId + " after 410: " + e.getMessage());
        }
    }

    void close() {
        stopping = true;
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
