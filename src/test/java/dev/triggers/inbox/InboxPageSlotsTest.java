package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.delivery.Eventually;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.inbox.StoredEvents.Stored;
import dev.triggers.testing.InProcessServer;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The page query bulkhead ({@code inbox.max-concurrent-pages}, {@code inbox.page-wait-ms}), against PostgreSQL. A
 * page query is held inside the database by an exclusive lock on {@code events} that the test takes and releases:
 * the slot is then really occupied by a query in PostgreSQL, and the backends waiting on the lock count the page
 * queries running at once.
 */
class InboxPageSlotsTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:30:00Z");

    @Test
    void aPageThatGetsNoSlotInTimeIs503WithRetryAfterAndNothingElseBreaks() throws Exception {
        try (InProcessServer instance = start(1, 200);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            ApiClient api = instance.api();
            String key = api.newOrganization();
            Stored event = StoredEvents.insert(List.of(new Stored(StoredEvents.orgId(api, key), "t", T0,
                    DeliveryStatus.PENDING))).getFirst();

            Future<Reply> holder;
            try (EventsLock lock = EventsLock.take()) {
                holder = clients.submit(() -> api.get("/api/inbox", key));
                lock.awaitPageQueriesWaiting(1);

                Reply refused = api.get("/api/inbox?status=all", key);
                assertThat(refused.text(), refused.status(), is(503));
                assertThat(refused.header("Retry-After").orElseThrow(), is("1"));
                assertThat(refused.contentType(), startsWith("application/problem+json"));
                assertThat(refused.json().get("status").asInt(), is(503));
                assertThat(refused.json().get("error").asText(), is("service_unavailable"));
                assertThat(refused.json().get("detail").asText(), is("too many inbox pages are being read; retry shortly"));
                assertThat(waitingGauge(), is(0.0));
                // Other endpoints are not behind the bulkhead.
                assertThat(api.get("/api/keys", key).status(), is(200));
                assertThat(api.get("/health/ready", null).status(), is(200));
            }

            // The page that held the slot completes normally once its query can run, and gives the slot back.
            Reply held = holder.get();
            assertThat(held.text(), held.status(), is(200));
            assertThat(ids(held), contains(event.id()));
            Reply next = api.get("/api/inbox", key);
            assertThat(next.text(), next.status(), is(200));
            assertThat(ids(next), contains(event.id()));
        }
    }

    @Test
    void atMostTheLimitRunsAtOnceAndEveryPageThatWaitsWithinTheWaitSucceeds() throws Exception {
        int limit = 2;
        int requests = 6;
        try (InProcessServer instance = start(limit, 60_000);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            ApiClient api = instance.api();
            String key = api.newOrganization();
            Stored event = StoredEvents.insert(List.of(new Stored(StoredEvents.orgId(api, key), "t", T0,
                    DeliveryStatus.PENDING))).getFirst();

            List<Future<Reply>> pages = new ArrayList<>();
            try (EventsLock lock = EventsLock.take()) {
                for (int i = 0; i < requests; i++) {
                    pages.add(clients.submit(() -> api.get("/api/inbox", key)));
                }
                Eventually.until(Duration.ofSeconds(30), () -> waitingGauge() == requests - limit,
                        () -> "waiting " + waitingGauge());
                lock.awaitPageQueriesWaiting(limit);
                // Still no more than the limit in PostgreSQL after the queue has formed.
                Thread.sleep(200);
                assertThat(lock.pageQueriesWaiting(), is(limit));
                assertThat(waitingGauge(), is((double) (requests - limit)));
            }

            for (Future<Reply> page : pages) {
                Reply r = page.get();
                assertThat(r.text(), r.status(), is(200));
                assertThat(ids(r), contains(event.id()));
            }
            assertThat(waitingGauge(), is(0.0));
        }
    }

    @Test
    void pageQueriesRunOnThreadsOfTheirOwnThatStopWithTheServer() {
        Set<Thread> before = pageThreads();
        Set<Thread> started;
        try (InProcessServer instance = start(2, 1000)) {
            ApiClient api = instance.api();
            String key = api.newOrganization();
            Reply page = api.get("/api/inbox", key);
            assertThat(page.text(), page.status(), is(200));
            started = pageThreads();
            started.removeAll(before);
            assertThat(started.size(), is(1));
        }
        Eventually.until(Duration.ofSeconds(10), () -> started.stream().noneMatch(Thread::isAlive),
                () -> "page threads alive after the server stopped: " + started);
    }

    private static Set<Thread> pageThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("inbox-page-")) {
                threads.add(t);
            }
        }
        return threads;
    }

    /**
     * An ACCESS EXCLUSIVE lock on {@code events}, held on a connection of its own (not the application's pool):
     * every page query blocks on it inside PostgreSQL until it is closed. {@code observer} reads pg_stat_activity
     * outside that transaction, which would see one snapshot of it throughout.
     */
    private record EventsLock(Connection conn, Connection observer) implements AutoCloseable {
        static EventsLock take() throws SQLException {
            String url = TestSupport.config().get("db.url").asString().orElseThrow();
            Connection conn = DriverManager.getConnection(url, "postgres", "");
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
            }
            return new EventsLock(conn, DriverManager.getConnection(url, "postgres", ""));
        }

        /** Inbox page queries of this database blocked on the lock: the ones holding a slot. */
        int pageQueriesWaiting() throws SQLException {
            try (PreparedStatement ps = observer.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                    + "AND query LIKE '%SELECT id, type, payload, dedup_id, created_at, status, attempts FROM events%'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }

        void awaitPageQueriesWaiting(int count) {
            Eventually.until(Duration.ofSeconds(30), () -> {
                try {
                    return pageQueriesWaiting() == count;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, () -> "page queries in PostgreSQL: not " + count);
        }

        @Override
        public void close() throws SQLException {
            observer.close();
            conn.rollback();
            conn.close();
        }
    }

    private static InProcessServer start(int maxConcurrentPages, long pageWaitMillis) {
        return InProcessServer.start(Map.of("INBOX_MAX_CONCURRENT_PAGES", String.valueOf(maxConcurrentPages),
                "INBOX_PAGE_WAIT_MS", String.valueOf(pageWaitMillis)));
    }

    private static double waitingGauge() {
        return Metrics.globalRegistry().gauge("inbox.pages.waiting", List.of()).orElseThrow().value().doubleValue();
    }

    private static List<UUID> ids(Reply page) {
        List<UUID> ids = new ArrayList<>();
        page.json().get("events").forEach(e -> ids.add(UUID.fromString(e.get("id").asText())));
        return ids;
    }
}
