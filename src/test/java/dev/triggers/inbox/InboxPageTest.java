package dev.triggers.inbox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.inbox.StoredEvents.Stored;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

@ServerTest
class InboxPageTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:30:00.123456Z");
    private final ApiClient api;

    InboxPageTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void aPageShowsTheContractFieldsNewestFirst() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        Stored older = new Stored(org, "order.created", T0, DeliveryStatus.PENDING);
        Stored newer = new Stored(org, "order.paid", T0.plusSeconds(1), DeliveryStatus.RETRYING);
        StoredEvents.insert(List.of(older, newer));

        Reply r = api.get("/api/inbox", key);
        assertThat(r.status(), is(200));
        assertThat(ids(r.json()), contains(newer.id(), older.id()));
        assertThat(r.json().get("has_more").asBoolean(), is(false));
        assertThat(r.json().get("next_cursor").isNull(), is(true));
        JsonNode first = r.json().get("events").get(0);
        assertThat(first.get("type").asText(), is("order.paid"));
        assertThat(first.get("payload").get("n").asText(), is(newer.id().toString()));
        assertThat(first.get("payload").get("nested").get("ok").asBoolean(), is(true));
        assertThat(first.get("dedup_id").asText(), is("dedup-" + newer.id()));
        assertThat(first.get("created_at").asText(), is("2026-11-27T10:30:01.123456Z"));
        assertThat(first.get("delivery_status").asText(), is("retrying"));
        assertThat(first.get("attempts").asInt(), is(2));
        assertThat(first.size(), is(7));
    }

    @Test
    void theDefaultViewIsEveryUndeliveredStateAndStatusSelectsOneOrAll() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> all = new ArrayList<>();
        for (DeliveryStatus s : DeliveryStatus.values()) {
            all.add(new Stored(org, "t", T0.plusSeconds(s.code()), s));
        }
        StoredEvents.insert(all);

        assertThat(ids(api.get("/api/inbox?order=asc", key).json()),
                contains(all.get(0).id(), all.get(1).id(), all.get(3).id()));
        for (DeliveryStatus s : DeliveryStatus.values()) {
            JsonNode page = api.get("/api/inbox?status=" + s.wireName(), key).json();
            assertThat(s.wireName(), ids(page), contains(all.get(s.code()).id()));
            assertThat(page.get("events").get(0).get("delivery_status").asText(), is(s.wireName()));
        }
        assertThat(ids(api.get("/api/inbox?status=all&order=asc", key).json()), is(all.stream().map(Stored::id).toList()));
    }

    @Test
    void typeMatchesExactlyAndSinceIsInclusiveUntilExclusive() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        Stored a = new Stored(org, "user.created", T0, DeliveryStatus.PENDING);
        Stored b = new Stored(org, "user.created", T0.plusSeconds(1), DeliveryStatus.PENDING);
        Stored c = new Stored(org, "user.created.v2", T0.plusSeconds(2), DeliveryStatus.PENDING);
        Stored d = new Stored(org, "User.Created", T0.plusSeconds(3), DeliveryStatus.PENDING);
        StoredEvents.insert(List.of(a, b, c, d));

        assertThat(ids(api.get("/api/inbox?type=user.created&order=asc", key).json()), contains(a.id(), b.id()));
        assertThat(ids(api.get("/api/inbox?order=asc&since=" + enc("2026-11-27T10:30:01.123456Z")
                + "&until=" + enc("2026-11-27T10:30:03.123456Z"), key).json()), contains(b.id(), c.id()));
        // The same instants written with another offset, and with nanoseconds just above the stored microsecond.
        assertThat(ids(api.get("/api/inbox?order=asc&since=" + enc("2026-11-27T12:30:01.123456+02:00"), key).json()),
                contains(b.id(), c.id(), d.id()));
        assertThat(ids(api.get("/api/inbox?order=asc&since=" + enc("2026-11-27T10:30:01.1234561Z"), key).json()),
                contains(c.id(), d.id()));
        assertThat(ids(api.get("/api/inbox?order=asc&until=" + enc("2026-11-27T10:30:01.1234561Z"), key).json()),
                contains(a.id(), b.id()));
        // RFC 3339 allows a lower-case t and z.
        assertThat(ids(api.get("/api/inbox?order=asc&since=" + enc("2026-11-27t10:30:01.123456z"), key).json()),
                contains(b.id(), c.id(), d.id()));
        // A '+' left unencoded in a query can arrive as a space; it is read as the offset sign it must have been.
        Reply plus = api.get("/api/inbox?order=asc&since=2026-11-27T12:30:02.123456%2002:00", key);
        assertThat(plus.text(), ids(plus.json()),
                contains(c.id(), d.id()));
        Reply empty = api.get("/api/inbox?since=" + enc("2026-11-27T10:30:01Z") + "&until=" + enc("2026-11-27T10:30:01Z"), key);
        assertThat(empty.status(), is(200));
        assertThat(ids(empty.json()), is(empty()));
    }

    @Test
    void pagesFollowCreatedAtThenIdAcrossTiesInBothOrders() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> events = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            // Five events per instant: the id must break the tie, or a page boundary inside a tie skips or repeats.
            events.add(new Stored(org, "t", T0.plusMillis(i / 5), DeliveryStatus.PENDING));
        }
        StoredEvents.insert(events);
        Comparator<Stored> byKey = Comparator.comparing(Stored::createdAt).thenComparing(Stored::id);
        List<UUID> ascending = events.stream().sorted(byKey).map(Stored::id).toList();
        List<UUID> descending = events.stream().sorted(byKey.reversed()).map(Stored::id).toList();

        assertThat(pageThrough(key, "order=asc", 3), is(ascending));
        assertThat(pageThrough(key, "order=desc", 7), is(descending));
        assertThat(pageThrough(key, "", 25), is(descending));
        Reply exact = api.get("/api/inbox?limit=25", key);
        assertThat(exact.json().get("has_more").asBoolean(), is(false));
        assertThat(exact.json().get("next_cursor").isNull(), is(true));
    }

    @Test
    void limitDefaultsTo100AndAcceptsItsBounds() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> events = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            events.add(new Stored(org, "t", T0.plus(i, ChronoUnit.MICROS), DeliveryStatus.PENDING));
        }
        StoredEvents.insert(events);
        assertThat(api.get("/api/inbox", key).json().get("events").size(), is(100));
        assertThat(api.get("/api/inbox?limit=1", key).json().get("events").size(), is(1));
        JsonNode max = api.get("/api/inbox?limit=1000", key).json();
        assertThat(max.get("events").size(), is(1000));
        assertThat(max.get("has_more").asBoolean(), is(true));
        assertThat(api.get("/api/inbox?limit=0100", key).json().get("events").size(), is(100));
    }

    @Test
    void everyBadParameterIsA400NamingIt() {
        String key = api.newOrganization();
        String[][] cases = {
                {"limit=0", "limit"}, {"limit=1001", "limit"}, {"limit=-1", "limit"}, {"limit=abc", "limit"},
                {"limit=10.5", "limit"}, {"limit=", "limit"}, {"limit=99999999999", "limit"}, {"limit=%2B5", "limit"},
                {"status=done", "status"}, {"status=PENDING", "status"}, {"status=", "status"},
                {"type=", "type"}, {"type=has%20space", "type"}, {"type=" + "x".repeat(256), "type"},
                {"since=yesterday", "since"}, {"since=2026-11-27T10:30:00", "since"}, {"since=2026-11-27", "since"},
                {"until=2026-13-01T00:00:00Z", "until"}, {"since=%2B20000-01-01T00:00:00Z", "since"},
                // What Java's ISO format would take but RFC 3339 does not: no seconds, seconds in the offset, a day
                // the month does not have; and more fractional digits than nanoseconds hold.
                {"since=2026-11-27T10:30Z", "since"}, {"until=2026-11-27T10:30:00%2B01:00:30", "until"},
                {"since=2026-02-30T00:00:00Z", "since"}, {"until=2026-11-27T10:30:00.1234567891Z", "until"},
                {"since=2026-11-28T00:00:00Z&until=2026-11-27T00:00:00Z", "until"},
                {"order=up", "order"}, {"order=ASC", "order"},
                {"cursor=nope", "cursor"}, {"cursor=" + "A".repeat(40), "cursor"},
                {"limit=5&limit=6", "limit"}, {"status=pending&status=failed", "status"},
                {"offset=10", "offset"}, {"page=2", "page"},
        };
        for (String[] c : cases) {
            Reply r = api.get("/api/inbox?" + c[0], key);
            assertThat(c[0] + " -> " + r.text(), r.status(), is(400));
            assertThat(r.contentType(), startsWith("application/problem+json"));
            assertThat(c[0] + " -> " + r.text(), r.json().path("parameter").asText(), is(c[1]));
            assertThat(c[0], r.json().get("detail").asText(), startsWith("query parameter '" + c[1] + "'"));
        }
    }

    @Test
    void aCursorOnlyWorksWithTheQueryThatIssuedIt() {
        String key = api.newOrganization();
        UUID org = StoredEvents.orgId(api, key);
        List<Stored> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(new Stored(org, "t", T0.plusSeconds(i), DeliveryStatus.PENDING));
        }
        StoredEvents.insert(events);
        String cursor = api.get("/api/inbox?limit=1&type=t&order=asc", key).json().get("next_cursor").asText();

        assertThat(api.get("/api/inbox?limit=2&type=t&order=asc&cursor=" + cursor, key).status(), is(200));
        for (String other : new String[] {"type=t", "type=t&order=desc", "order=asc", "type=u&order=asc",
                "type=t&order=asc&status=all", "type=t&order=asc&since=2026-01-01T00:00:00Z"}) {
            Reply r = api.get("/api/inbox?" + other + "&cursor=" + cursor, key);
            assertThat(other, r.status(), is(400));
            assertThat(other, r.json().get("error").asText(), is("cursor_mismatch"));
            assertThat(other, r.json().get("parameter").asText(), is("cursor"));
        }
        // An empty cursor is the first page, for clients that pass next_cursor through unconditionally.
        assertThat(ids(api.get("/api/inbox?order=asc&cursor=", key).json()).getFirst(), is(events.getFirst().id()));
    }

    @Test
    void anotherOrganizationsEventsAreInvisibleWhateverTheQuery() {
        String mine = api.newOrganization();
        String theirs = api.newOrganization();
        UUID myOrg = StoredEvents.orgId(api, mine);
        UUID theirOrg = StoredEvents.orgId(api, theirs);
        Stored my = new Stored(myOrg, "shared.type", T0, DeliveryStatus.PENDING);
        List<Stored> their = new ArrayList<>();
        for (DeliveryStatus s : DeliveryStatus.values()) {
            their.add(new Stored(theirOrg, "shared.type", T0.plusSeconds(s.code()), s));
        }
        StoredEvents.insert(List.of(my));
        StoredEvents.insert(their);

        for (String q : new String[] {"", "status=all", "status=delivered", "type=shared.type", "order=asc&status=all",
                "since=2000-01-01T00:00:00Z&status=all"}) {
            Reply r = api.get("/api/inbox?" + q, mine);
            assertThat(q, ids(r.json()), is(q.contains("delivered") ? List.of() : List.of(my.id())));
        }
        // Their cursor positions within my events only: it reveals and fetches nothing of theirs.
        String theirCursor = api.get("/api/inbox?limit=1&status=all", theirs).json().get("next_cursor").asText();
        assertThat(ids(api.get("/api/inbox?status=all&cursor=" + theirCursor, mine).json()), contains(my.id()));
        assertThat(api.get("/api/inbox", null).status(), is(401));
    }

    private List<UUID> pageThrough(String key, String query, int limit) {
        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        do {
            Reply r = api.get("/api/inbox?limit=" + limit + (query.isEmpty() ? "" : "&" + query)
                    + (cursor == null ? "" : "&cursor=" + cursor), key);
            assertThat(r.text(), r.status(), is(200));
            seen.addAll(ids(r.json()));
            cursor = r.json().get("has_more").asBoolean() ? r.json().get("next_cursor").asText() : null;
        } while (cursor != null);
        return seen;
    }

    static List<UUID> ids(JsonNode page) {
        List<UUID> ids = new ArrayList<>();
        page.get("events").forEach(e -> ids.add(UUID.fromString(e.get("id").asText())));
        return ids;
    }

    static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
