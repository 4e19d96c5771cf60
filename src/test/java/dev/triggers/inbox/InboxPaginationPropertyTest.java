package dev.triggers.inbox;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.inbox.StoredEvents.Stored;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * The stability promise as a property: for random orders, limits and filters, paging to the end while another
 * thread keeps inserting events (at the newest end and anywhere in the past, with created_at ties) returns every
 * event that existed at the first page exactly once, never anything twice, never anything outside the filter, in
 * strict order. Reproduce a failure with {@code -Dinbox.seed=<seed from the message>}.
 */
@ServerTest
class InboxPaginationPropertyTest {
    private static final int ROUNDS = 30;
    private static final String[] TYPES = {"a", "b", "c"};
    private static final String[] STATUSES = {null, null, "all", "pending", "retrying", "failed", "delivered"};

    private final ApiClient api;

    InboxPaginationPropertyTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    /** A random query: its URL parameters and the same filter as a predicate. */
    private record Query(String params, boolean ascending, int limit, Predicate<Stored> matches) {
    }

    @Test
    void pagingWhileEventsArriveReturnsEveryEventThatExistedExactlyOnce() throws Exception {
        long seed = Long.getLong("inbox.seed", System.nanoTime());
        Random rnd = new Random(seed);
        for (int round = 0; round < ROUNDS; round++) {
            String key = api.newOrganization();
            UUID org = StoredEvents.orgId(api, key);
            Instant base = Instant.parse("2026-11-27T00:00:00Z").plusSeconds(rnd.nextInt(1_000_000));
            List<Instant> instants = instants(rnd, base);
            Map<UUID, Stored> everything = new ConcurrentHashMap<>();
            List<Stored> initial = randomEvents(rnd, org, instants, 50 + rnd.nextInt(150));
            initial.forEach(e -> everything.put(e.id(), e));
            StoredEvents.insert(initial);
            Query query = randomQuery(rnd, instants);
            String context = "seed " + seed + ", round " + round + ", query " + query.params();

            List<Stored> committed = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            Random arrivals = new Random(rnd.nextLong());
            Thread inserter = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    List<Stored> batch = randomEvents(arrivals, org, instants, 1 + arrivals.nextInt(4));
                    batch.forEach(e -> everything.put(e.id(), e));
                    StoredEvents.insert(batch);
                    committed.addAll(batch);
                }
            });
            awaitFirstArrivals(committed, context);
            Set<UUID> existed = new HashSet<>();
            initial.forEach(e -> existed.add(e.id()));
            synchronized (committed) {
                committed.forEach(e -> existed.add(e.id()));
            }
            List<Stored> seen;
            try {
                seen = pageThrough(key, query, everything, context);
            } finally {
                stop.set(true);
                inserter.join();
            }

            Set<UUID> unique = new HashSet<>();
            for (Stored e : seen) {
                assertThat(context + ": " + e.id() + " returned twice", unique.add(e.id()), is(true));
                assertThat(context + ": " + e.id() + " does not match the filter", query.matches().test(e), is(true));
            }
            Comparator<Stored> order = Comparator.comparing(Stored::createdAt).thenComparing(Stored::id);
            Comparator<Stored> pageOrder = query.ascending() ? order : order.reversed();
            for (int i = 1; i < seen.size(); i++) {
                assertThat(context + ": out of order at " + i, pageOrder.compare(seen.get(i - 1), seen.get(i)) < 0, is(true));
            }
            List<UUID> missing = existed.stream().map(everything::get).filter(query.matches())
                    .map(Stored::id).filter(id -> !unique.contains(id)).toList();
            assertThat(context + ": missing events that existed at the first page", missing, is(empty()));
        }
    }

    /** Paging starts only once events are arriving, so every round really pages under concurrent inserts. */
    private static void awaitFirstArrivals(List<Stored> committed, String context) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (committed.isEmpty()) {
            assertThat(context + ": the inserter never committed", System.nanoTime() < deadline, is(true));
            Thread.sleep(1);
        }
    }

    private List<Stored> pageThrough(String key, Query query, Map<UUID, Stored> everything, String context) {
        List<Stored> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Reply r = api.get("/api/inbox?limit=" + query.limit() + query.params()
                    + (cursor == null ? "" : "&cursor=" + cursor), key);
            assertThat(context + ": " + r.text(), r.status(), is(200));
            JsonNode page = r.json();
            assertThat(context, page.get("events").size() <= query.limit(), is(true));
            for (JsonNode e : page.get("events")) {
                Stored stored = everything.get(UUID.fromString(e.get("id").asText()));
                assertThat(context + ": unknown event " + e, stored != null, is(true));
                assertThat(context, e.get("created_at").asText(), is(Timestamps.format(stored.createdAt())));
                seen.add(stored);
            }
            cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
            assertThat(context + ": no end in sight", ++pages < 10_000, is(true));
        } while (cursor != null);
        return seen;
    }

    /** A small pool of instants, so many events share a created_at and page boundaries fall inside ties. */
    private static List<Instant> instants(Random rnd, Instant base) {
        List<Instant> instants = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            instants.add(base.plus(rnd.nextInt(10_000_000), ChronoUnit.MICROS));
        }
        return instants;
    }

    private static List<Stored> randomEvents(Random rnd, UUID org, List<Instant> instants, int count) {
        List<Stored> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Instant at = rnd.nextInt(4) == 0
                    ? instants.get(rnd.nextInt(instants.size())).plus(rnd.nextInt(3) - 1, ChronoUnit.MICROS)
                    : instants.get(rnd.nextInt(instants.size()));
            DeliveryStatus status = DeliveryStatus.values()[rnd.nextInt(4)];
            events.add(new Stored(Ids.uuidV7(), org, TYPES[rnd.nextInt(TYPES.length)], at, status, null));
        }
        return events;
    }

    private static Query randomQuery(Random rnd, List<Instant> instants) {
        StringBuilder params = new StringBuilder();
        Predicate<Stored> matches = e -> true;
        boolean ascending = rnd.nextBoolean();
        if (ascending || rnd.nextBoolean()) {
            params.append("&order=").append(ascending ? "asc" : "desc");
        }
        String status = STATUSES[rnd.nextInt(STATUSES.length)];
        if (status == null) {
            matches = matches.and(e -> e.status() != DeliveryStatus.DELIVERED);
        } else {
            params.append("&status=").append(status);
            if (!status.equals("all")) {
                DeliveryStatus only = DeliveryStatus.parse(status).orElseThrow();
                matches = matches.and(e -> e.status() == only);
            }
        }
        if (rnd.nextInt(3) == 0) {
            String type = TYPES[rnd.nextInt(TYPES.length)];
            params.append("&type=").append(type);
            matches = matches.and(e -> e.type().equals(type));
        }
        Instant a = instants.get(rnd.nextInt(instants.size()));
        Instant b = instants.get(rnd.nextInt(instants.size()));
        if (rnd.nextInt(3) == 0) {
            Instant since = a.isBefore(b) ? a : b;
            params.append("&since=").append(InboxPageTest.enc(Timestamps.format(since)));
            matches = matches.and(e -> !e.createdAt().isBefore(since));
        }
        if (rnd.nextInt(3) == 0) {
            Instant until = a.isBefore(b) ? b : a;
            params.append("&until=").append(InboxPageTest.enc(Timestamps.format(until)));
            matches = matches.and(e -> e.createdAt().isBefore(until));
        }
        int limit = rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(100) : 1 + rnd.nextInt(12);
        return new Query(params.toString(), ascending, limit, matches);
    }
}
