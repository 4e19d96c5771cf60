package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.inbox.StoredEvents.Row;
import dev.triggers.inbox.StoredEvents.Stored;
import dev.triggers.platform.Timestamps;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@ServerTest
class InboxAckTest {
    private final ApiClient api;

    InboxAckTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void batchAckMarksEventsDeliveredAndTakesThemOutOfTheDefaultView() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> events = StoredEvents.insert(List.of(pending(org), pending(org), pending(org)));
        Instant before = Timestamps.now();

        Reply r = ack(key, events.get(0).id(), events.get(1).id());
        assertThat(r.status(), is(200));
        assertThat(r.json().get("acknowledged").asInt(), is(2));
        assertThat(r.json().get("failed").asInt(), is(0));
        Row acked = StoredEvents.row(events.get(0).id());
        assertThat(acked.status(), is(DeliveryStatus.DELIVERED));
        assertThat(acked.deliveredAt(), greaterThanOrEqualTo(before));
        assertThat(StoredEvents.row(events.get(2).id()).status(), is(DeliveryStatus.PENDING));
        assertThat(InboxPageTest.ids(api.get("/api/inbox", key).json()), is(List.of(events.get(2).id())));
    }

    @Test
    void batchAckIsIdempotentCountsRepeatsOnceAndUnknownIdsAsFailed() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> events = StoredEvents.insert(List.of(pending(org), pending(org)));
        UUID a = events.get(0).id();
        UUID b = events.get(1).id();
        assertThat(ack(key, a).json().get("acknowledged").asInt(), is(1));
        Instant firstDeliveredAt = StoredEvents.row(a).deliveredAt();

        Reply r = ack(key, a, b, b, a, UUID.randomUUID(), UUID.randomUUID());
        assertThat(r.json().get("acknowledged").asInt(), is(2));
        assertThat(r.json().get("failed").asInt(), is(2));
        assertThat(StoredEvents.row(a).deliveredAt(), is(firstDeliveredAt));

        Reply unknownOnly = ack(key, UUID.randomUUID());
        assertThat(unknownOnly.status(), is(200));
        assertThat(unknownOnly.json().get("acknowledged").asInt(), is(0));
        assertThat(unknownOnly.json().get("failed").asInt(), is(1));
    }

    @Test
    void anotherOrganizationsIdsCountAsFailedAndStayUntouched() {
        String mine = api.newOrganization();
        String theirs = api.newOrganization();
        Stored my = StoredEvents.insert(StoredEvents.orgId(api, mine), "t", DeliveryStatus.PENDING);
        Stored their = StoredEvents.insert(StoredEvents.orgId(api, theirs), "t", DeliveryStatus.FAILED);
        Stored theirDelivered = StoredEvents.insert(StoredEvents.orgId(api, theirs), "t", DeliveryStatus.DELIVERED);

        Reply r = ack(mine, my.id(), their.id(), theirDelivered.id());
        assertThat(r.json().get("acknowledged").asInt(), is(1));
        assertThat(r.json().get("failed").asInt(), is(2));
        assertThat(StoredEvents.row(their.id()).status(), is(DeliveryStatus.FAILED));
        assertThat(StoredEvents.row(their.id()).deliveredAt(), is(nullValue()));

        // The single ack paths answer exactly as for an id that never existed, down to the body's shape.
        for (String path : new String[] {"/api/inbox/ack/", "/api/ack/"}) {
            for (Stored foreign : new Stored[] {their, theirDelivered}) {
                Reply one = api.post(path + foreign.id(), mine, null);
                Reply none = api.post(path + UUID.randomUUID(), mine, null);
                assertThat(one.status(), is(404));
                assertThat(none.status(), is(404));
                assertThat(one.json().get("error").asText(), is(none.json().get("error").asText()));
                assertThat(one.json().get("title").asText(), is(none.json().get("title").asText()));
            }
        }
        assertThat(StoredEvents.row(their.id()).status(), is(DeliveryStatus.FAILED));
    }

    @Test
    void anEntryThatIsNotAUuidRefusesTheWholeRequest() {
        String key = api.newOrganization();
        Stored event = StoredEvents.insert(StoredEvents.orgId(api, key), "t", DeliveryStatus.PENDING);
        String id = "\"" + event.id() + "\"";
        String[][] cases = {
                {"{\"event_ids\":[" + id + ",\"not-a-uuid\"]}", "event_ids[1]"},
                {"{\"event_ids\":[" + id + ",42]}", "event_ids[1]"},
                {"{\"event_ids\":[" + id + ",null]}", "event_ids[1]"},
                {"{\"event_ids\":[\"" + event.id().toString().replace("-", "") + "\"]}", "event_ids[0]"},
                {"{\"event_ids\":[]}", "event_ids"},
                {"{\"event_ids\":" + id + "}", "event_ids"},
                {"{\"event_ids\":null}", "event_ids"},
                {"{}", "event_ids"},
        };
        for (String[] c : cases) {
            Reply r = api.post("/api/inbox/ack", key, c[0]);
            assertThat(c[0], r.status(), is(400));
            assertThat(r.contentType(), startsWith("application/problem+json"));
            assertThat(c[0], r.json().get("detail").asText(), startsWith("field '" + c[1] + "'"));
        }
        assertThat(api.post("/api/inbox/ack", key, "{\"event_ids\":").status(), is(400));
        assertThat(api.send(io.helidon.http.Method.POST, "/api/inbox/ack", key, "{\"event_ids\":[" + id + "]}",
                java.util.Map.of("Content-Type", "text/plain")).status(), is(415));
        assertThat(StoredEvents.row(event.id()).status(), is(DeliveryStatus.PENDING));
    }

    @Test
    void aThousandIdsAreAcknowledgedInOneRequestAndOneMoreIsRefused() {
        String key = api.newOrganization();
        List<Stored> events = insertPending(StoredEvents.orgId(api, key), 1000);
        List<UUID> ids = events.stream().map(Stored::id).collect(Collectors.toCollection(ArrayList::new));

        List<UUID> tooMany = new ArrayList<>(ids);
        tooMany.add(UUID.randomUUID());
        assertThat(ack(key, tooMany.toArray(UUID[]::new)).status(), is(400));
        assertThat(StoredEvents.row(ids.getFirst()).status(), is(DeliveryStatus.PENDING));

        Reply r = ack(key, ids.toArray(UUID[]::new));
        assertThat(r.json().get("acknowledged").asInt(), is(1000));
        assertThat(r.json().get("failed").asInt(), is(0));
        assertThat(StoredEvents.rows(events).stream().map(Row::status).toList(), everyItem(is(DeliveryStatus.DELIVERED)));
        assertThat(api.get("/api/inbox?limit=1", key).json().get("events").size(), is(0));
    }

    @Test
    void concurrentAcksOfOverlappingIdsInAnyOrderAllSucceedWithoutDeadlocking() throws Exception {
        String key = api.newOrganization();
        List<UUID> ids = insertPending(StoredEvents.orgId(api, key), 300).stream().map(Stored::id).toList();
        double deadlocks = metric("inbox_ack_deadlocks_total");
        // Each request locks its rows one by one; were they locked in request order, two requests holding each
        // other's next row would deadlock. (A deadlock's victim is run again, so the answers alone would not tell.)
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                List<UUID> shuffled = new ArrayList<>(ids);
                java.util.Collections.shuffle(shuffled, new java.util.Random(i));
                replies.add(pool.submit(() -> ack(key, shuffled.toArray(UUID[]::new))));
            }
            for (var reply : replies) {
                Reply r = reply.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.text(), r.status(), is(200));
                assertThat(r.json().get("acknowledged").asInt(), is(300));
            }
        }
        assertThat(metric("inbox_ack_deadlocks_total"), is(deadlocks));
    }

    @Test
    void anAckThatPostgresqlPicksAsADeadlocksVictimIsRunAgainAndSucceeds() throws Exception {
        String key = api.newOrganization();
        // PostgreSQL's uuid order is the order of the ids' text: the ack locks `first`, then `second`.
        List<UUID> ids = insertPending(StoredEvents.orgId(api, key), 2).stream().map(Stored::id)
                .sorted(java.util.Comparator.comparing(UUID::toString)).toList();
        UUID first = ids.get(0);
        UUID second = ids.get(1);
        double deadlocks = metric("inbox_ack_deadlocks_total");
        // Another writer of the same rows (the delivery engine's result writer, a webhook's removal) taking them in
        // the other order.
        try (var other = TestSupport.app().database().connection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                // It waits out the ack's deadlock check (1 s by default), so PostgreSQL rolls back the ack, not it.
                st.execute("SET LOCAL deadlock_timeout = '60s'");
            }
            touch(other, second);
            var reply = java.util.concurrent.CompletableFuture.supplyAsync(() -> ack(key, first, second));
            awaitLockWaiter(); // the ack holds `first` and waits for `second`
            touch(other, first); // waits for the ack: a cycle, until the ack is rolled back and its lock released
            other.commit();
            Reply r = reply.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.text(), r.status(), is(200));
            assertThat(r.json().get("acknowledged").asInt(), is(2));
        }
        assertThat(metric("inbox_ack_deadlocks_total"), is(deadlocks + 1));
        assertThat(StoredEvents.row(first).status(), is(DeliveryStatus.DELIVERED));
        assertThat(StoredEvents.row(second).status(), is(DeliveryStatus.DELIVERED));
    }

    private static void touch(Connection conn, UUID event) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("UPDATE events SET attempts = attempts WHERE id = ?")) {
            ps.setObject(1, event);
            assertThat(ps.executeUpdate(), is(1));
        }
    }

    @Test
    void singleAckAndItsAliasAreIdempotentAndRepeatTheFirstAcknowledgement() {
        String key = api.newOrganization();
        Stored event = StoredEvents.insert(StoredEvents.orgId(api, key), "t", DeliveryStatus.RETRYING);

        Reply first = api.post("/api/inbox/ack/" + event.id(), key, null);
        assertThat(first.status(), is(200));
        assertThat(first.json().get("id").asText(), is(event.id().toString()));
        assertThat(first.json().get("status").asText(), is("delivered"));
        String acknowledgedAt = first.json().get("acknowledged_at").asText();
        assertThat(acknowledgedAt, is(Timestamps.format(StoredEvents.row(event.id()).deliveredAt())));

        Reply again = api.post("/api/ack/" + event.id(), key, null);
        assertThat(again.status(), is(200));
        assertThat(again.json().get("acknowledged_at").asText(), is(acknowledgedAt));
        assertThat(api.post("/api/inbox/ack/" + event.id().toString().toUpperCase(), key, null)
                .json().get("acknowledged_at").asText(), is(acknowledgedAt));
        assertThat(ack(key, event.id()).json().get("acknowledged").asInt(), is(1));
        assertThat(Timestamps.format(StoredEvents.row(event.id()).deliveredAt()), is(acknowledgedAt));
    }

    @Test
    void singleAckOfAnUnknownOrMalformedIdIs404AndOtherMethodsAre405() {
        String key = api.newOrganization();
        for (String path : new String[] {"/api/inbox/ack/" + UUID.randomUUID(), "/api/ack/" + UUID.randomUUID(),
                "/api/ack/not-a-uuid", "/api/inbox/ack/123"}) {
            Reply r = api.post(path, key, null);
            assertThat(path, r.status(), is(404));
            assertThat(r.contentType(), startsWith("application/problem+json"));
        }
        assertThat(api.post("/api/ack/" + UUID.randomUUID(), null, null).status(), is(401));
        assertThat(api.post("/api/inbox/ack", null, "{\"event_ids\":[\"" + UUID.randomUUID() + "\"]}").status(), is(401));
        assertThat(api.get("/api/inbox/ack", key).status(), is(405));
        assertThat(api.get("/api/ack/" + UUID.randomUUID(), key).status(), is(405));
        assertThat(api.post("/api/inbox", key, "{}").status(), is(405));
    }

    /**
     * The ack's half of the contract with push delivery: the event is delivered and its lease (next_attempt_at) is
     * gone, so the engine, which claims only rows whose next_attempt_at is set and due, never claims it again. The
     * engine's half (the in-flight attempt's outcome is not written over the ack) is tested against the real engine:
     * DeliveryEngineTest.anEventAckedWhileItsAttemptIsInFlightEndsDeliveredAndIsNotRetried.
     */
    @Test
    void anAckOfAnEventInFlightMarksItDeliveredAndEndsItsLease() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        Instant leasedUntil = Timestamps.now().plusSeconds(30);
        // Claimed by the delivery engine: the lease is next_attempt_at, an attempt is running.
        Stored inFlight = StoredEvents.insert(List.of(new Stored(UUID.randomUUID(), org, "t", Timestamps.now(),
                DeliveryStatus.RETRYING, leasedUntil))).getFirst();

        assertThat(api.post("/api/ack/" + inFlight.id(), key, null).status(), is(200));
        Row acked = StoredEvents.row(inFlight.id());
        assertThat(acked.status(), is(DeliveryStatus.DELIVERED));
        assertThat(acked.nextAttemptAt(), is(nullValue()));
        assertThat(acked.deliveredAt(), is(not(nullValue())));
    }

    @Test
    void anAckWaitingOnAnAttemptsOutcomeStillEndsDelivered() throws Exception {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        Stored event = StoredEvents.insert(List.of(new Stored(dev.triggers.platform.Ids.uuidV7(), org, "t",
                Timestamps.now(), DeliveryStatus.PENDING, Timestamps.now()))).getFirst();
        try (var engine = TestSupport.app().database().connection()) {
            // The engine records a failed attempt and schedules a retry; its transaction holds the row.
            engine.setAutoCommit(false);
            try (var ps = engine.prepareStatement("UPDATE events SET status = 1, attempts = attempts + 1, "
                    + "next_attempt_at = now() + interval '1 second' WHERE id = ? AND status <> 2")) {
                ps.setObject(1, event.id());
                assertThat(ps.executeUpdate(), is(1));
            }
            var ackReply = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> api.post("/api/inbox/ack/" + event.id(), key, null));
            awaitLockWaiter();
            engine.commit();
            assertThat(ackReply.get(10, java.util.concurrent.TimeUnit.SECONDS).status(), is(200));
        }
        Row row = StoredEvents.row(event.id());
        assertThat(row.status(), is(DeliveryStatus.DELIVERED));
        assertThat(row.nextAttemptAt(), is(nullValue()));
        assertThat(row.attempts(), is(1));
    }

    /** Polls until some session of the test database waits on a row lock (the ack behind the engine's update). */
    private static void awaitLockWaiter() throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        try (var c = TestSupport.app().database().connection(); var ps = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
            while (System.nanoTime() < deadline) {
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        throw new AssertionError("the ack never waited for the engine's row lock");
    }

    /**
     * Events pages keep room for updates (migration V3): an acknowledged row's new version is written on the row's own
     * page, so an ack of rows scattered over many pages changes each of those pages once (docs/ARCHITECTURE.md,
     * "Room for new row versions"). Fully packed pages, as without the room, move every new version elsewhere.
     */
    @Test
    void anAcknowledgedRowsNewVersionStaysOnItsPage() {
        String key = api.newOrganization();
        List<Stored> events = insertPending(StoredEvents.orgId(api, key), 400);
        // One row in twenty, the way one organization's rows sit among others': a page or so apart.
        List<Stored> acked = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 20) {
            acked.add(events.get(i));
        }
        List<Integer> before = StoredEvents.pages(acked);
        assertThat("the rows span several pages", new java.util.HashSet<>(before).size(), greaterThanOrEqualTo(5));

        assertThat(ack(key, acked.stream().map(Stored::id).toArray(UUID[]::new)).json().get("acknowledged").asInt(),
                is(acked.size()));
        assertThat(StoredEvents.pages(acked), is(before));
    }

    /**
     * The primary key keeps room for every row's next version (migration V5): one ack of a run of events, in arrival
     * order as UUIDv7 ids are, splits no primary-key leaf but the last, which was still filling. Leaves packed to the
     * default 90 % overflow as the new versions' entries arrive; each overflow is a split or a deletion pass over the
     * leaf's heap pages (docs/ARCHITECTURE.md). The ack's own statement runs on a private copy of the
     * events table (same indexes, same index options), so no other writer changes the index's size meanwhile.
     */
    @Test
    void anAckOfRowsInArrivalOrderSplitsNoPrimaryKeyLeafButTheLast() throws SQLException {
        UUID org = UUID.randomUUID();
        int rows = 3000;
        assertThat(InboxStore.ACK, startsWith("UPDATE events e "));
        String ackOfTheCopy = "UPDATE pg_temp.events e " + InboxStore.ACK.substring("UPDATE events e ".length());
        try (Connection c = TestSupport.app().database().connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                st.execute("CREATE TEMP TABLE events (LIKE public.events INCLUDING ALL) ON COMMIT DROP");
                st.execute("INSERT INTO pg_temp.events (id, org_id, type, payload, created_at) SELECT (lpad(to_hex(g), 12, "
                        + "'0') || '70008000' || lpad(to_hex(g), 12, '0'))::uuid, '" + org + "', 't', '{}', now() "
                        + "FROM generate_series(1, " + rows + ") g");
                long before = primaryKeyBytes(st);
                try (PreparedStatement ack = c.prepareStatement(ackOfTheCopy)) {
                    ack.setObject(1, Timestamps.sql(Timestamps.now()));
                    ack.setArray(2, c.createArrayOf("uuid", idsOfTheCopy(st).toArray()));
                    ack.setObject(3, org);
                    assertThat(ack.executeUpdate(), is(rows));
                }
                assertThat("primary-key growth in bytes", primaryKeyBytes(st) - before, lessThanOrEqualTo(8192L));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static long primaryKeyBytes(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_relation_size('pg_temp.events_pkey')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<UUID> idsOfTheCopy(Statement st) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT id FROM pg_temp.events ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getObject(1, UUID.class));
            }
        }
        return ids;
    }

    @Test
    void acksAreCountedByOutcome() {
        String key = api.newOrganization();
        Stored event = StoredEvents.insert(StoredEvents.orgId(api, key), "t", DeliveryStatus.PENDING);
        double acknowledged = ackMetric("acknowledged");
        double failed = ackMetric("failed");
        ack(key, event.id(), UUID.randomUUID(), UUID.randomUUID());
        assertThat(ackMetric("acknowledged"), is(acknowledged + 1));
        assertThat(ackMetric("failed"), is(failed + 2));
    }

    private double ackMetric(String outcome) {
        return metric("inbox_acks_total", "outcome=\"" + outcome + "\"");
    }

    /** The sum of the Prometheus samples of {@code name} whose line contains {@code label} (0 if none). */
    private double metric(String name, String label) {
        String text = api.get("/metrics", null).text();
        return text.lines().filter(l -> (l.startsWith(name + " ") || l.startsWith(name + "{")) && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private double metric(String name) {
        return metric(name, "");
    }

    private Reply ack(String key, UUID... ids) {
        String list = java.util.Arrays.stream(ids).map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        return api.post("/api/inbox/ack", key, "{\"event_ids\":[" + list + "]}");
    }

    private static List<Stored> insertPending(UUID org, int count) {
        List<Stored> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(pending(org));
        }
        return StoredEvents.insert(events);
    }

    private static Stored pending(UUID org) {
        return new Stored(org, "t", Timestamps.now(), DeliveryStatus.PENDING);
    }
}
