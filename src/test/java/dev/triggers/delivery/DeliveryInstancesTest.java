package dev.triggers.delivery;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.triggers.Application;
import dev.triggers.TestSupport;
import dev.triggers.delivery.DeliveryFixture.EventRow;
import dev.triggers.platform.db.Migrations;
import dev.triggers.testing.ServerProcess;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;

/** Several instances, crashes and shutdowns: each test on a database of its own. */
class DeliveryInstancesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The test database URL with {@code suffix} appended to its name (still triggers_test*, so it is recreated). */
    private static String database(String suffix) {
        String base = TestSupport.config().get("db.url").asString().orElseThrow();
        int query = base.indexOf('?');
        return query < 0 ? base + "_" + suffix : base.substring(0, query) + "_" + suffix + base.substring(query);
    }

    private static Config config(String dbUrl, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(overrides);
        env.put("DB_URL", dbUrl);
        env.put("DELIVERY_ENABLED", "true");
        return TestSupport.config(env);
    }

    @Test
    void twoInstancesSharingADatabaseDeliverEachOf300EventsExactlyOnce() {
        String db = database("pair");
        Map<String, String> settings = Map.of("DELIVERY_CLAIM_BATCH", "10", "DELIVERY_PER_ORG_CONCURRENCY", "16");
        Map<String, AtomicInteger> perId = new ConcurrentHashMap<>();
        try (Application one = Application.create(config(db, settings));
             Application two = Application.create(config(db, settings));
             Receiver receiver = Receiver.start((r, n) -> {
                 perId.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet();
                 Thread.sleep(2);
                 return Receiver.Reply.of(200);
             })) {
            DeliveryFixture fixture = new DeliveryFixture(db);
            UUID orgA = fixture.organization(receiver.url());
            UUID orgB = fixture.organization(receiver.url());
            fixture.events(orgA, 150);
            fixture.events(orgB, 150);
            one.deliverySignal().ring();
            two.deliverySignal().ring();

            Eventually.until(WAIT, () -> fixture.count("SELECT count(*) FROM events WHERE status = 2") == 300,
                    () -> fixture.count("SELECT count(*) FROM events WHERE status = 2") + " of 300 delivered");
            assertThat(perId.size(), is(300));
            assertThat(perId.values().stream().map(AtomicInteger::get).toList(), everyItem(is(1)));
            assertThat(fixture.count("SELECT count(*) FROM delivery_attempts"), is(300L));
            // and nothing is left leased or due.
            assertThat(fixture.count("SELECT count(*) FROM events WHERE next_attempt_at IS NOT NULL"), is(0L));
        }
    }

    @Test
    void anEventInFlightWhenItsProcessIsKilledIsRetriedAfterTheLeaseExpires() throws Exception {
        String db = database("kill");
        Config config = config(db, Map.of());
        try (Connection c = DriverManager.getConnection(db, "postgres", "")) {
            Migrations.migrate(c);
        }
        CountDownLatch firstHeld = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start((r, n) -> {
            if (n == 0) {
                firstHeld.countDown();
                releaseFirst.await(30, TimeUnit.SECONDS);
            }
            return Receiver.Reply.of(200);
        })) {
            DeliveryFixture fixture = new DeliveryFixture(db);
            UUID org = fixture.organization(receiver.url());
            UUID event = fixture.event(org);

            try (ServerProcess child = ServerProcess.start("delivery-kill", Map.of("DB_URL", db,
                    // The held attempt must not time out and be retried by the child before the kill, even on a
                    // loaded machine: a timeout well past the kill, and a backoff no test waits for.
                    "DELIVERY_ENABLED", "true", "DELIVERY_TIMEOUT_MS", "3000", "DELIVERY_LEASE_MS", "4000",
                    "DELIVERY_INITIAL_BACKOFF_MS", "60000",
                    "DELIVERY_POLL_INTERVAL_MS", "200"))) {
                assertThat("the child delivered", firstHeld.await(30, TimeUnit.SECONDS), is(true));
                child.kill();
            }
            long killedAt = System.nanoTime();
            EventRow leased = fixture.row(event);
            assertThat(leased.status(), is(0));
            assertThat(leased.attempts(), is(0));
            assertThat(leased.nextAttemptAt(), notNullValue());
            releaseFirst.countDown();

            try (Application survivor = Application.create(config)) {
                Eventually.until(WAIT, () -> fixture.row(event).status() == 2, () -> "event " + fixture.row(event));
                List<Receiver.Request> got = receiver.requests();
                assertThat(got.size(), is(2));
                assertThat(got.get(1).id(), is(event.toString()));
                assertThat(got.get(0).id(), is(event.toString()));
                // Not before the lease the killed process held ran out (wall clock of the second receipt).
                java.time.Instant secondReceived = java.time.Instant.now()
                        .minusNanos(System.nanoTime() - got.get(1).receivedNanos());
                assertThat(secondReceived.plusMillis(50).isAfter(leased.nextAttemptAt()), is(true));
                assertThat((got.get(1).receivedNanos() - killedAt) / 1e6, greaterThan(0.0));
                assertThat(fixture.row(event).attempts(), is(1));
            }
        }
    }

    @Test
    void closingReleasesTheLeasesOfAttemptsThatOutliveTheGracePeriod() throws Exception {
        String db = database("shutdown");
        CountDownLatch held = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start((r, n) -> {
            held.countDown();
            Thread.sleep(10_000);
            return Receiver.Reply.of(200);
        })) {
            Application app = Application.create(config(db, Map.of("DELIVERY_SHUTDOWN_GRACE_MS", "300")));
            DeliveryFixture fixture = new DeliveryFixture(db);
            UUID event = fixture.event(fixture.organization(receiver.url()));
            app.deliverySignal().ring();
            assertThat(held.await(10, TimeUnit.SECONDS), is(true));
            long start = System.nanoTime();
            app.close();
            assertThat((System.nanoTime() - start) / 1_000_000, lessThan(4000L));
            assertThat(fixture.count("SELECT count(*) FROM events WHERE id = ? AND next_attempt_at <= now() AND status = 0 "
                    + "AND attempts = 0", event), is(1L));
            assertThat(fixture.attemptCodes(event), empty());
        }
    }

    @Test
    void closingLetsAttemptsInFlightFinishWithinTheGracePeriod() throws Exception {
        String db = database("drain");
        CountDownLatch held = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start((r, n) -> {
            held.countDown();
            Thread.sleep(300);
            return Receiver.Reply.of(200);
        })) {
            Application app = Application.create(config(db, Map.of("DELIVERY_SHUTDOWN_GRACE_MS", "5000")));
            DeliveryFixture fixture = new DeliveryFixture(db);
            UUID event = fixture.event(fixture.organization(receiver.url()));
            app.deliverySignal().ring();
            assertThat(held.await(10, TimeUnit.SECONDS), is(true));
            app.close();
            assertThat(fixture.row(event).status(), is(2));
        }
    }
}
