package dev.triggers.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggers.TestSupport;
import dev.triggers.delivery.DeliverySignal;
import dev.triggers.keys.Organization;
import dev.triggers.keys.Tier;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.http.ApiException;
import org.junit.jupiter.api.Test;

import static dev.triggers.events.EventsServiceTest.countEvents;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** The group-commit writer on its own: bounded waits, shared transactions, the delivery doorbell. */
class EventWriterTest {
    private final Database db = TestSupport.app().database();
    private final IngestMetrics metrics = new IngestMetrics();

    private static Organization org(String webhookUrl) {
        Instant now = Instant.now();
        return new Organization(UUID.randomUUID(), "w", Tier.ENTERPRISE, webhookUrl, now, now);
    }

    private static List<NewEvent> events(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> new NewEvent("t", "{\"i\":" + i + "}", null)).toList();
    }

    @Test
    void aFullQueueAndAMissingCommitAnswer503WithinTheBoundAndStoreNothing() throws Exception {
        // Not started: nothing drains the queue, as when every writer is stuck on a dead database.
        EventWriter writer = new EventWriter(db, new DeliverySignal(), metrics, new EventWriter.Settings(1, 500, 3, 300, 1000));
        Organization org = org(null);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> waiting = pool.submit(() -> writer.write(org, events(3)));
            Thread.sleep(50);
            long start = System.nanoTime();
            ApiException full = assertUnavailable(() -> writer.write(org, events(1)));
            assertThat((System.nanoTime() - start) / 1_000_000, lessThan(1000L));
            assertThat(full.headers().get("Retry-After"), is("1"));
            try {
                waiting.get();
                throw new AssertionError("the queued request should have timed out");
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause(), instanceOf(ApiException.class));
                assertThat(((ApiException) e.getCause()).status().code(), is(503));
            }
        }
        // The timed-out request withdrew its events: starting the writer now stores nothing of them.
        writer.start();
        Outcome[] later = writer.write(org, events(3));
        assertThat(later.length, is(3));
        assertThat(countEvents("org_id = '" + org.id() + "'"), is(3));
        writer.close();
    }

    @Test
    void concurrentRequestsShareTransactionsAndPushEventsRingTheDoorbell() throws Exception {
        DeliverySignal signal = new DeliverySignal();
        EventWriter writer = new EventWriter(db, signal, metrics, new EventWriter.Settings(1, 500, 10_000, 5000, 5000)).start();
        try {
            Organization inboxOnly = org(null);
            writer.write(inboxOnly, events(1));
            assertThat(signal.await(0), is(false));

            Organization push = org("http://127.0.0.1:1/hook");
            CompletableFuture<?>[] calls = new CompletableFuture<?>[200];
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < calls.length; i++) {
                    calls[i] = CompletableFuture.runAsync(() -> writer.write(push, events(1)), pool);
                }
                CompletableFuture.allOf(calls).get();
            }
            assertThat(signal.await(0), is(true));
            assertThat(countEvents("org_id = '" + push.id() + "' AND next_attempt_at = created_at"), is(200));
            // One writer and 200 concurrent requests: far fewer distinct commit times than events.
            int transactions = EventsServiceTest.count("SELECT count(DISTINCT created_at) FROM events WHERE org_id = '"
                    + push.id() + "'");
            assertThat(transactions < 200, is(true));
        } finally {
            writer.close();
        }
    }

    @Test
    void requestsFailedTogetherEachGetTheirOwn503() throws Exception {
        // A database that is not there: every batch fails as unavailable, with whatever requests it took together.
        io.helidon.config.Config unreachable = io.helidon.config.Config.just(io.helidon.config.ConfigSources.create(Map.of(
                "url", "jdbc:postgresql://127.0.0.1:1/none", "pool.connection-timeout-ms", "300", "pool.min-idle", "0")));
        try (Database down = Database.create(unreachable)) {
            EventWriter writer = new EventWriter(down, new DeliverySignal(), metrics,
                    new EventWriter.Settings(1, 500, 10_000, 5000, 5000)).start();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ApiException>> calls = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    Organization org = org(null);
                    calls.add(pool.submit(() -> assertUnavailable(() -> writer.write(org, events(1)))));
                }
                Set<ApiException> distinct = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
                for (Future<ApiException> call : calls) {
                    distinct.add(call.get());
                }
                // Each request's thread adds its own headers (its organization's rate limits) to the exception it
                // throws, so one instance shared by a batch's requests would be written to by all of them at once.
                assertThat(distinct.size(), is(calls.size()));
            } finally {
                writer.close();
            }
        }
    }

    private static ApiException assertUnavailable(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            assertThat(e.status().code(), is(503));
            return e;
        }
        throw new AssertionError("expected 503");
    }
}
