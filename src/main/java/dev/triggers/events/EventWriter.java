package dev.triggers.events;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggers.delivery.DeliverySignal;
import dev.triggers.keys.Organization;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.http.ApiException;
import io.helidon.config.Config;

/**
 * Group commit: requests hand their events to a bounded queue and wait; writer threads each take what is queued
 * (up to {@code ingest.max-batch-rows}), write it in one transaction (dedup claims, one multi-row insert, commit)
 * and release the waiting requests. 201 still means committed, but one commit serves many requests. Every wait is
 * bounded (503 + Retry-After past it), and a request that gives up before a writer took its events withdraws them.
 */
public final class EventWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventWriter.class.getName());
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;

    /** Tuning, from {@code ingest.*}. */
    public record Settings(int writers, int maxBatchRows, int queueCapacity, long maxWaitMillis, int writeTimeoutMillis) {
        public static Settings from(Config ingest, int batchMaxEvents) {
            Settings s = new Settings(ingest.get("writers").asInt().orElse(4),
                    ingest.get("max-batch-rows").asInt().orElse(500),
                    ingest.get("queue-capacity").asInt().orElse(20_000),
                    ingest.get("max-wait-ms").asLong().orElse(2000L),
                    ingest.get("write-timeout-ms").asInt().orElse(5000));
            if (s.queueCapacity < batchMaxEvents) {
                throw new IllegalArgumentException("ingest.queue-capacity must hold at least one full batch ("
                        + batchMaxEvents + " events)");
            }
            return s;
        }
    }

    /** One request's events: all or none of them are in a given transaction. */
    private static final class Submission {
        final Organization org;
        final List<NewEvent> events;
        final CompletableFuture<Outcome[]> done = new CompletableFuture<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);

        Submission(Organization org, List<NewEvent> events) {
            this.org = org;
            this.events = events;
        }
    }

    private final Database db;
    private final DeliverySignal signal;
    private final IngestMetrics metrics;
    private final Settings settings;
    private final LinkedBlockingQueue<Submission> queue = new LinkedBlockingQueue<>();
    private final Semaphore space;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    public EventWriter(Database db, DeliverySignal signal, IngestMetrics metrics, Settings settings) {
        this.db = db;
        this.signal = signal;
        this.metrics = metrics;
        this.settings = settings;
        this.space = new Semaphore(settings.queueCapacity());
    }

    public EventWriter start() {
        for (int i = 0; i < settings.writers(); i++) {
            threads.add(Thread.ofPlatform().daemon().name("event-writer-" + i).start(this::loop));
        }
        return this;
    }

    /**
     * Stores {@code events} for {@code org} (deduplicated against the 24 h window) and returns each one's outcome,
     * in order, once committed. Throws 503 when the queue stays full or the commit does not come in time.
     */
    public Outcome[] write(Organization org, List<NewEvent> events) {
        if (events.isEmpty()) {
            return new Outcome[0];
        }
        if (db.unreachable()) {
            throw databaseUnavailable();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.maxWaitMillis());
        Submission s = new Submission(org, events);
        try {
            if (!space.tryAcquire(events.size(), settings.maxWaitMillis(), TimeUnit.MILLISECONDS)) {
                throw overloaded("the ingest queue is full; retry shortly");
            }
            if (!running) {
                space.release(events.size());
                throw overloaded("the server is shutting down");
            }
            queue.add(s);
            return s.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (s.state.compareAndSet(QUEUED, WITHDRAWN)) {
                space.release(events.size());
            }
            throw overloaded("the database did not confirm the write in time; retry shortly");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw overloaded("interrupted while waiting for the database");
        }
    }

    private static ApiException databaseUnavailable() {
        return ApiException.unavailable("the database is unavailable; retry shortly", 2);
    }

    private static ApiException overloaded(String detail) {
        return ApiException.unavailable(detail, 1);
    }

    private void loop() {
        List<Submission> batch = new ArrayList<>();
        while (running) {
            try {
                Submission first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                int rows = take(first, batch, 0);
                Submission next;
                while (rows < settings.maxBatchRows() && (next = queue.poll()) != null) {
                    rows = take(next, batch, rows);
                }
                if (!batch.isEmpty()) {
                    writeAll(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "event writer failed", e);
                batch.forEach(s -> s.done.completeExceptionally(e));
            } catch (Error e) {
                // Out of memory, typically: this batch fails (nothing of it was committed), the writer lives on.
                // A writer thread that died here would leave ingestion slower, or stopped, with readiness still 200.
                LOG.log(System.Logger.Level.ERROR, "event writer failed", e);
                batch.forEach(s -> s.done.completeExceptionally(overloaded("the server could not take the write; retry shortly")));
            } finally {
                for (Submission s : batch) {
                    space.release(s.events.size());
                }
                batch.clear();
            }
        }
    }

    /** Adds {@code s} to the batch unless its request already gave up; returns the new row count. */
    private static int take(Submission s, List<Submission> batch, int rows) {
        if (s.state.compareAndSet(QUEUED, TAKEN)) {
            batch.add(s);
            return rows + s.events.size();
        }
        return rows;
    }

    private void writeAll(List<Submission> batch) {
        try {
            write(batch);
        } catch (SQLException | RuntimeException e) {
            if (Database.isUnavailable(e)) {
                // One exception per request, never one shared: each request's thread adds its own organization's
                // rate-limit headers to the exception it throws, and a shared one would be mutated by several at once.
                batch.forEach(s -> s.done.completeExceptionally(databaseUnavailable()));
                return;
            }
            if (batch.size() == 1) {
                batch.getFirst().done.completeExceptionally(e instanceof RuntimeException re ? re : new IllegalStateException(e));
                return;
            }
            // One request's rows must not fail the others that happened to share its transaction.
            LOG.log(System.Logger.Level.WARNING, "group commit failed, retrying its requests one by one: " + e);
            for (Submission s : batch) {
                writeAll(List.of(s));
            }
        }
    }

    /** One transaction for the whole batch: claim dedup ids, insert the winners, commit, then answer. */
    private void write(List<Submission> batch) throws SQLException {
        Instant now = Timestamps.now();
        List<EventStore.Row> rows = new ArrayList<>();
        // A dedup_id repeated within the batch (in one request or across requests) is decided by its first
        // occurrence: the repeats share that row and are duplicates of it, or of whatever event already holds the key.
        Map<EventStore.DedupKey, EventStore.Row> claimants = new HashMap<>();
        Outcome[][] outcomes = new Outcome[batch.size()][];
        EventStore.Row[][] planned = new EventStore.Row[batch.size()][];
        boolean[][] repeat = new boolean[batch.size()][];
        for (int b = 0; b < batch.size(); b++) {
            Submission s = batch.get(b);
            planned[b] = new EventStore.Row[s.events.size()];
            repeat[b] = new boolean[s.events.size()];
            for (int i = 0; i < s.events.size(); i++) {
                NewEvent e = s.events.get(i);
                EventStore.Row row = new EventStore.Row(Ids.uuidV7(), s.org.id(), e.type(), e.payload(), e.dedupId(),
                        s.org.pushEnabled());
                if (e.dedupId() != null) {
                    EventStore.Row earlier = claimants.putIfAbsent(new EventStore.DedupKey(s.org.id(), e.dedupId()), row);
                    if (earlier != null) {
                        planned[b][i] = earlier;
                        repeat[b][i] = true;
                        continue;
                    }
                }
                planned[b][i] = row;
            }
        }
        try (Connection conn = db.connection()) {
            conn.setNetworkTimeout(Runnable::run, settings.writeTimeoutMillis());
            conn.setAutoCommit(false);
            try {
                Set<UUID> won = Set.of();
                Map<EventStore.DedupKey, UUID> holders = Map.of();
                if (!claimants.isEmpty()) {
                    List<EventStore.DedupKey> keys = new ArrayList<>(claimants.keySet());
                    keys.sort(Comparator.comparing(EventStore.DedupKey::orgId).thenComparing(EventStore.DedupKey::dedupId));
                    List<UUID> ids = keys.stream().map(k -> claimants.get(k).id()).toList();
                    won = EventStore.claim(conn, keys, ids, now);
                    if (won.size() < keys.size()) {
                        Set<UUID> winners = won;
                        holders = EventStore.holders(conn, keys.stream().filter(k -> !winners.contains(claimants.get(k).id())).toList());
                    }
                }
                int duplicates = 0;
                boolean push = false;
                for (int b = 0; b < batch.size(); b++) {
                    outcomes[b] = new Outcome[planned[b].length];
                    for (int i = 0; i < planned[b].length; i++) {
                        EventStore.Row row = planned[b][i];
                        boolean fresh = row.dedupId() == null || won.contains(row.id());
                        if (fresh && !repeat[b][i]) {
                            rows.add(row);
                            push |= row.push();
                            outcomes[b][i] = new Outcome.Created(row.id(), now);
                        } else if (fresh) {
                            outcomes[b][i] = new Outcome.Duplicate(row.id());
                            duplicates++;
                        } else {
                            UUID existing = holders.get(new EventStore.DedupKey(row.orgId(), row.dedupId()));
                            outcomes[b][i] = new Outcome.Duplicate(existing);
                            duplicates++;
                        }
                    }
                }
                if (!rows.isEmpty()) {
                    EventStore.insert(conn, rows, now);
                }
                conn.commit();
                metrics.batch(rows.size());
                metrics.ingested(rows.size());
                metrics.duplicates(duplicates);
                if (push) {
                    signal.ring();
                }
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(conn, e);
                throw e;
            }
        }
        for (int b = 0; b < batch.size(); b++) {
            batch.get(b).done.complete(outcomes[b]);
        }
    }

    private static void rollbackQuietly(Connection conn, Exception cause) {
        try {
            conn.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        // Writers finish the batch in hand (its requests are waiting for it), then see the flag within one poll.
        running = false;
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Submission s;
        while ((s = queue.poll()) != null) {
            s.done.completeExceptionally(overloaded("the server is shutting down"));
        }
    }
}
