package dev.triggers.delivery;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.triggers.delivery.DeliveryMetrics.Outcome;
import dev.triggers.delivery.DeliveryStore.Claimed;
import dev.triggers.delivery.DeliveryStore.Result;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.events.IngestPressure;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.PgNotifications;
import dev.triggers.webhooks.WebhookTargets;

/**
 * Pushes due events to their organization's webhook: one platform thread leases due events in PostgreSQL
 * ({@code FOR UPDATE SKIP LOCKED}) as far as it has free slots, skipping organizations at their per-org limit, and
 * starts one virtual thread per attempt; a {@link ResultWriter} stores the outcomes in batches.
 *
 * <p>While ingestion on this instance is under pressure ({@link IngestPressure}) claims are paced by
 * {@link ClaimPace}: the 201 path is what callers wait for, a delivery is durable and only waits. Design and state
 * machine: docs/ARCHITECTURE.md.
 */
public final class DeliveryEngine implements AutoCloseable {
    public static final String CHANNEL = "triggers_delivery";
    private static final System.Logger LOG = System.getLogger(DeliveryEngine.class.getName());
    private static final long BACKLOG_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long NOTIFY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final DeliverySettings settings;
    private final Database db;
    private final DeliveryStore store;
    private final DeliverySignal signal;
    private final RetryPolicy retry;
    private final DeliveryMetrics metrics;
    private final ResultWriter writer;
    private final WebhookSender sender;
    private final IngestPressure ingest;
    private final ClaimPace pace; // claimer thread only
    private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object slots = new Object();
    private final Map<UUID, Integer> inFlightByOrg = new HashMap<>(); // guarded by slots
    private final Map<UUID, ArrayDeque<Claimed>> waiting = new HashMap<>(); // guarded by slots
    private volatile boolean running;
    private volatile boolean wantsSlots;
    private Thread claimer;
    private long lastNotify;
    private final String instance = Ids.uuidV7().toString();
    /** Set when a claim that left out busy organizations came back short; claimer thread only. */
    private Quiet quiet;

    private record Quiet(long rings, Set<UUID> excluded, long atMillis) {
    }
    /**
     * How soon a claim that left out busy organizations and came back short may run again although rings came in:
     * while a busy organization ingests, every commit rings, and claiming on each ring would cost a statement per
     * commit to find the others' few events. Bounds the delay of another organization's event.
     */
    static final long QUIET_REPEAT_MS = 25;
    private long lastBacklog;
    /** Set by a claim held back by the pace: how long to pause before the next one; claimer thread only. */
    private long pauseMillis;

    public DeliveryEngine(DeliverySettings settings, Database db, WebhookTargets targets, DeliverySignal signal,
                          IngestPressure ingest, PgNotifications notifications, Consumer<UUID> webhookDisabled) {
        this.settings = settings;
        this.db = db;
        this.store = new DeliveryStore(db);
        this.signal = signal;
        this.ingest = ingest;
        this.pace = new ClaimPace(settings.yielding().maxPerSecond(), settings.claimBatch());
        this.retry = new RetryPolicy(settings.initialBackoffMs(), settings.maxBackoffMs());
        this.metrics = new DeliveryMetrics(inFlight::get, this::yielding);
        this.writer = new ResultWriter(store, signal, webhookDisabled);
        this.sender = new WebhookSender(settings, targets);
        notifications.subscribe(CHANNEL, payload -> {
            if (!payload.equals(instance)) { // PostgreSQL delivers our own NOTIFY to us too
                signal.ring();
            }
        }).onReconnect(signal::ring);
    }

    public void start() {
        running = true;
        writer.start();
        claimer = Thread.ofPlatform().daemon().name("delivery-claimer").start(this::claimLoop);
    }

    private void claimLoop() {
        long failures = 0;
        while (running) {
            boolean more;
            try {
                more = claimOnce();
                failures = 0;
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                if (failures++ == 0 || !Database.isUnavailable(e)) {
                    LOG.log(System.Logger.Level.WARNING, "claiming deliveries failed: " + e.getMessage());
                }
                more = false;
                quiet = null;
                sleep(Math.min(settings.pollIntervalMs(), 100L << Math.min(failures, 4)));
            }
            if (pauseMillis > 0) {
                // No claim before the pace (yielding) or the quiet bound allows one: rings would only wake us to find
                // none allowed. Capped so that the end of the pressure is noticed within 100 ms.
                sleep(Math.min(pauseMillis, 100));
                pauseMillis = 0;
            } else if (!more) {
                try {
                    if (!signal.await(waitMillis())) {
                        quiet = null; // a poll or a retry's due time: events may be due that no ring announced
                    }
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
    }

    /** Claims and starts what fits; true if more due events are likely waiting and slots remain. */
    private boolean claimOnce() throws SQLException {
        refreshBacklog();
        int free = settings.concurrency() - inFlight.get();
        if (free <= 0) {
            wantsSlots = true;
            return false;
        }
        int limit = Math.min(free, settings.claimBatch());
        boolean yielding = yielding();
        if (yielding) {
            int allowed = pace.allowance();
            if (allowed == 0) {
                pauseMillis = pace.millisUntilBurst();
                return false;
            }
            limit = Math.min(limit, allowed);
        }
        Set<UUID> saturated = saturatedOrgs();
        long now = System.currentTimeMillis();
        if (writer.nextDueTime() <= now) {
            quiet = null;
        }
        writer.passedDueTime(now);
        long rings = signal.rings();
        if (quiet != null && saturated.containsAll(quiet.excluded())) {
            // The last claim leaving out busy orgs found all that was due for the others: nothing can be new for them
            // unless something rang since, and even then not more often than every QUIET_REPEAT_MS.
            long sinceQuiet = now - quiet.atMillis();
            if (quiet.rings() == rings) {
                wantsSlots = true;
                return false;
            }
            if (!quiet.excluded().isEmpty() && sinceQuiet < QUIET_REPEAT_MS) {
                wantsSlots = true;
                pauseMillis = QUIET_REPEAT_MS - sinceQuiet; // the rings that came meanwhile are served then
                return false;
            }
        }
        List<Claimed> claimed = store.claim(limit, saturated, settings.leaseMs());
        if (yielding) {
            pace.took(claimed.size());
        }
        if (claimed.size() < limit) {
            quiet = new Quiet(rings, saturated, now); // took all that was due outside the busy orgs
        } else if (!saturated.isEmpty()) {
            quiet = null; // more may be due outside them
        }
        boolean queued = false;
        for (Claimed c : claimed) {
            if (c.url() == null) {
                continue; // the webhook was removed; the claim already took the event off the due list
            }
            if (acquireOrWait(c)) {
                launch(c);
            } else {
                queued = true;
            }
        }
        boolean full = claimed.size() == limit;
        wantsSlots = full || !saturated.isEmpty() || queued;
        if (full) {
            notifyOtherInstances();
        }
        return full && inFlight.get() < settings.concurrency();
    }

    /** Ingestion on this instance is under pressure: claims go at the yield pace. */
    boolean yielding() {
        return ingest.raised();
    }

    private long waitMillis() {
        long untilRetry = writer.nextDueTime() - System.currentTimeMillis();
        return Math.max(1, Math.min(settings.pollIntervalMs(), untilRetry));
    }

    /**
     * Takes one of the organization's slots, or queues the event behind its attempts in flight: the lease covers
     * a short wait, and queueing (instead of handing the event back) keeps a busy organization from costing a claim
     * and a release per finished attempt. Orgs whose slots and queue are full are left out of the next claims.
     */
    private boolean acquireOrWait(Claimed c) {
        synchronized (slots) {
            int n = inFlightByOrg.getOrDefault(c.orgId(), 0);
            if (n < settings.perOrgConcurrency()) {
                inFlightByOrg.put(c.orgId(), n + 1);
                inFlight.incrementAndGet();
                return true;
            }
            waiting.computeIfAbsent(c.orgId(), k -> new ArrayDeque<>()).add(c);
            return false;
        }
    }

    private Set<UUID> saturatedOrgs() {
        Set<UUID> saturated = new HashSet<>();
        synchronized (slots) {
            inFlightByOrg.forEach((org, n) -> {
                ArrayDeque<Claimed> queue = waiting.get(org);
                if (n + (queue == null ? 0 : queue.size()) >= settings.perOrgConcurrency()) {
                    saturated.add(org);
                }
            });
        }
        return saturated;
    }

    private void launch(Claimed c) {
        try {
            attempts.execute(() -> attempt(c));
        } catch (RejectedExecutionException closing) {
            finish(c.orgId());
            writer.release(List.of(c));
        }
    }

    /** An attempt of {@code org} ended: its slot goes to the org's next queued event, else back to the pool. */
    private void finish(UUID org) {
        Claimed next = null;
        List<Claimed> stale = new ArrayList<>();
        long minLeaseLeft = settings.timeoutMs() + DeliverySettings.LEASE_MARGIN_MS / 2;
        synchronized (slots) {
            ArrayDeque<Claimed> queue = running ? waiting.get(org) : null;
            while (queue != null && !queue.isEmpty() && next == null) {
                Claimed c = queue.poll();
                if (c.lease().toInstant().toEpochMilli() - System.currentTimeMillis() >= minLeaseLeft) {
                    next = c;
                } else {
                    stale.add(c);
                }
            }
            if (queue != null && queue.isEmpty()) {
                waiting.remove(org);
            }
            if (next == null) {
                inFlightByOrg.computeIfPresent(org, (k, n) -> n <= 1 ? null : n - 1);
                inFlight.decrementAndGet();
            }
        }
        writer.release(stale);
        if (next != null) {
            launch(next);
        } else if (wantsSlots) {
            signal.wake();
        }
    }

    /** Hands back the leases of events still queued (closing). */
    private void releaseWaiting() {
        List<Claimed> all = new ArrayList<>();
        synchronized (slots) {
            waiting.values().forEach(all::addAll);
            waiting.clear();
        }
        writer.release(all);
    }

    /** One attempt, on its own virtual thread. */
    private void attempt(Claimed c) {
        Instant attemptedAt = Timestamps.now();
        long start = System.nanoTime();
        WebhookSender.Answer answer;
        try {
            answer = sender.send(c);
        } catch (InterruptedException e) {
            // Shutting down past the grace period: hand the event back instead of counting an attempt.
            finish(c.orgId());
            writer.release(List.of(c));
            return;
        }
        long nanos = System.nanoTime() - start;
        finish(c.orgId());
        writer.add(outcome(c, attemptedAt, answer.statusCode(), answer.error(), answer.retryAfter(), nanos));
        if (answer.statusCode() != null && answer.statusCode() == 410) {
            // Queued after the result: disabling clears the org's leases, which would fence the 410 result out.
            writer.gone(c.orgId(), c.url());
        }
    }

    private Result outcome(Claimed c, Instant attemptedAt, Integer code, String error, String retryAfter, long nanos) {
        int durationMs = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos));
        int attempt = c.attempts() + 1;
        if (code != null && code >= 200 && code < 300) {
            metrics.attempt(Outcome.DELIVERED, nanos);
            metrics.delivered(Duration.between(c.createdAt(), Instant.now()));
            return new Result(c, attemptedAt, code, null, durationMs, DeliveryStatus.DELIVERED, null);
        }
        String detail = error != null ? error : "receiver answered HTTP " + code;
        if (code != null && code == 410) {
            metrics.attempt(Outcome.GONE, nanos);
            return new Result(c, attemptedAt, code, detail + " (Gone): push disabled for the organization", durationMs,
                    DeliveryStatus.FAILED, null);
        }
        if (attempt >= settings.maxAttempts()) {
            metrics.attempt(Outcome.FAILED, nanos);
            return new Result(c, attemptedAt, code, detail, durationMs, DeliveryStatus.FAILED, null);
        }
        metrics.attempt(Outcome.RETRYING, nanos);
        long delay = retry.delayMs(attempt, code == null ? 0 : code, retryAfter, Instant.now());
        return new Result(c, attemptedAt, code, detail, durationMs, DeliveryStatus.RETRYING, Instant.now().plusMillis(delay));
    }

    /** Another instance may be idle while this one has more due events than slots: wake them (throttled). */
    private void notifyOtherInstances() {
        long now = System.nanoTime();
        if (now - lastNotify < NOTIFY_INTERVAL_NANOS) {
            return;
        }
        lastNotify = now;
        try (Connection conn = db.connection()) {
            PgNotifications.notify(conn, CHANNEL, instance);
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not notify other delivery engines: " + e.getMessage());
        }
    }

    private void refreshBacklog() throws SQLException {
        long now = System.nanoTime();
        if (lastBacklog == 0 || now - lastBacklog > BACKLOG_REFRESH_NANOS) {
            lastBacklog = now;
            metrics.backlog.set(store.backlog());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops claiming, gives attempts in flight {@code shutdown-grace-ms}, then releases the rest and flushes. */
    @Override
    public void close() {
        if (claimer == null) {
            return;
        }
        running = false;
        claimer.interrupt();
        try {
            claimer.join(2000);
            releaseWaiting();
            attempts.shutdown();
            if (!attempts.awaitTermination(settings.shutdownGraceMs(), TimeUnit.MILLISECONDS)) {
                attempts.shutdownNow();
                attempts.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        releaseWaiting();
        writer.close();
        sender.close();
        claimer = null;
    }
}
