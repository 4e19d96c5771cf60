package dev.triggers.delivery;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
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
import java.util.Optional;
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
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.PgNotifications;
import dev.triggers.platform.json.Json;
import dev.triggers.webhooks.WebhookSignatures;
import dev.triggers.webhooks.WebhookTargets;

/**
 * Pushes due events to their organization's webhook.
 *
 * <p>One platform thread claims: it leases due events in PostgreSQL ({@code FOR UPDATE SKIP LOCKED}, so
 * instances never claim the same row) and starts one virtual thread per attempt. It claims only as many as it has
 * free slots, and skips organizations already at {@code per-org-concurrency} attempts in flight, so a slow receiver
 * holds at most its own slots and never the claims of other organizations. It wakes on the in-process
 * {@link DeliverySignal} (rung by ingestion, redelivery, finished attempts and its own scheduled retries), on a
 * PostgreSQL NOTIFY from another instance that has more due events than it can take, and every
 * {@code poll-interval-ms} as the safety net.
 *
 * <p>A {@link ResultWriter} stores outcomes in batches. A killed process leaves its leases to expire, after which
 * any instance retries those events; a closing one stops claiming, lets attempts finish within
 * {@code shutdown-grace-ms} and hands back the leases of the rest.
 */
public final class DeliveryEngine implements AutoCloseable {
    public static final String CHANNEL = "triggers_delivery";
    private static final System.Logger LOG = System.getLogger(DeliveryEngine.class.getName());
    private static final long BACKLOG_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long NOTIFY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int MAX_ERROR_LENGTH = 500;

    private final DeliverySettings settings;
    private final Database db;
    private final DeliveryStore store;
    private final WebhookTargets targets;
    private final DeliverySignal signal;
    private final RetryPolicy retry;
    private final DeliveryMetrics metrics;
    private final ResultWriter writer;
    private final HttpClient http;
    private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object slots = new Object();
    private final Map<UUID, Integer> inFlightByOrg = new HashMap<>(); // guarded by slots
    private final Map<UUID, ArrayDeque<Claimed>> waiting = new HashMap<>(); // guarded by slots
    private volatile boolean running;
    private volatile boolean wantsSlots;
    private Thread claimer;
    private long lastNotify;
    private long lastBacklog;

    public DeliveryEngine(DeliverySettings settings, Database db, WebhookTargets targets, DeliverySignal signal,
                          PgNotifications notifications, Consumer<UUID> webhookDisabled) {
        this.settings = settings;
        this.db = db;
        this.store = new DeliveryStore(db);
        this.targets = targets;
        this.signal = signal;
        this.retry = new RetryPolicy(settings.initialBackoffMs(), settings.maxBackoffMs());
        this.metrics = new DeliveryMetrics(inFlight::get);
        this.writer = new ResultWriter(store, signal, webhookDisabled);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                .build();
        notifications.subscribe(CHANNEL, payload -> signal.ring()).onReconnect(signal::ring);
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
                sleep(Math.min(settings.pollIntervalMs(), 100L << Math.min(failures, 4)));
            }
            if (!more) {
                try {
                    signal.await(waitMillis());
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
        Set<UUID> saturated = saturatedOrgs();
        int limit = Math.min(free, settings.claimBatch());
        writer.passedDueTime(System.currentTimeMillis());
        List<Claimed> claimed = store.claim(limit, saturated, settings.leaseMs());
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
            signal.ring();
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
        Integer code = null;
        String error = null;
        String retryAfter = null;
        try {
            URI uri = URI.create(c.url());
            Optional<String> refused = targets.refusal(uri);
            if (refused.isPresent()) {
                error = refused.get();
            } else if (c.secret() == null) {
                error = "the webhook has no signing secret";
            } else {
                HttpResponse<Void> response = http.send(request(c, uri, Instant.now().getEpochSecond()),
                        HttpResponse.BodyHandlers.discarding());
                code = response.statusCode();
                retryAfter = response.headers().firstValue("retry-after").orElse(null);
            }
        } catch (InterruptedException e) {
            // Shutting down past the grace period: hand the event back instead of counting an attempt.
            finish(c.orgId());
            writer.release(List.of(c));
            return;
        } catch (HttpTimeoutException e) {
            error = "timed out after " + settings.timeoutMs() + " ms";
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            error = describe(e);
        }
        long nanos = System.nanoTime() - start;
        finish(c.orgId());
        writer.add(outcome(c, attemptedAt, code, error, retryAfter, nanos));
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
            writer.gone(c.orgId(), c.url());
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

    private HttpRequest request(Claimed c, URI uri, long timestamp) {
        byte[] body = body(c);
        List<byte[]> keys = new ArrayList<>(2);
        keys.add(WebhookSignatures.keyBytes(c.secret()));
        if (c.previousSecret() != null) {
            keys.add(WebhookSignatures.keyBytes(c.previousSecret()));
        }
        String id = c.id().toString();
        return HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("User-Agent", settings.userAgent())
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSignatures.header(keys, id, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** The delivered document; the payload goes out as stored (jsonb text), never re-parsed. */
    static byte[] body(Claimed c) {
        StringBuilder out = new StringBuilder(c.payloadJson().length() + 192);
        out.append("{\"id\":\"").append(c.id()).append("\",\"type\":").append(Json.string(c.type()))
                .append(",\"payload\":").append(c.payloadJson())
                .append(",\"dedup_id\":").append(c.dedupId() == null ? "null" : Json.string(c.dedupId()))
                .append(",\"created_at\":\"").append(Timestamps.format(c.createdAt())).append("\"}");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return message.length() > MAX_ERROR_LENGTH ? message.substring(0, MAX_ERROR_LENGTH) : message;
    }

    /** Another instance may be idle while this one has more due events than slots: wake them (throttled). */
    private void notifyOtherInstances() {
        long now = System.nanoTime();
        if (now - lastNotify < NOTIFY_INTERVAL_NANOS) {
            return;
        }
        lastNotify = now;
        try (Connection conn = db.connection()) {
            PgNotifications.notify(conn, CHANNEL, "");
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
        http.close();
        claimer = null;
    }
}
