package dev.triggers.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@ServerTest
class EventsServiceTest {
    private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z";

    private final ApiClient api;

    EventsServiceTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    static String event(String type, String payload, String dedupId) {
        return "{\"type\":\"" + type + "\",\"payload\":" + payload
                + (dedupId == null ? "" : ",\"dedup_id\":\"" + dedupId + "\"") + "}";
    }

    @Test
    void createdEventIsCommittedAndReadableWithItsDeliveryState() throws Exception {
        String key = api.newOrganization();
        Reply r = api.post("/api/events", key, "{\"dedup_id\":null,\"x\":{\"ü\":[1]},\"type\":\"order.created\",\"payload\": {\"n\":1.50,\n \"s\":\"é\"} }");
        assertThat(r.status(), is(201));
        JsonNode body = r.json();
        String id = body.get("id").asText();
        assertThat(body.get("type").asText(), is("order.created"));
        assertThat(body.get("status").asText(), is("pending"));
        assertThat(body.get("created_at").asText(), matchesPattern(TIMESTAMP));
        assertThat(r.header("Location").orElseThrow(), is("/api/events/" + id));
        assertThat(UUID.fromString(id).version(), is(7));
        assertThat(countEvents("id = '" + id + "'"), is(1));

        Reply got = api.get("/api/events/" + id, key);
        assertThat(got.status(), is(200));
        assertThat(got.json().get("payload").get("n").decimalValue().compareTo(new java.math.BigDecimal("1.5")), is(0));
        assertThat(got.json().get("payload").get("s").asText(), is("é"));
        assertThat(got.json().get("created_at").asText(), is(body.get("created_at").asText()));
        JsonNode delivery = got.json().get("delivery");
        assertThat(delivery.get("status").asText(), is("pending"));
        assertThat(delivery.get("attempts").asInt(), is(0));
        for (String field : new String[] {"last_attempt_at", "last_error", "next_attempt_at", "delivered_at"}) {
            assertThat(field, delivery.has(field), is(true));
        }
        // No webhook: inbox only, so nothing is due for push.
        assertThat(delivery.get("next_attempt_at").isNull(), is(true));
    }

    @Test
    void eventsOfAnOrganizationWithAWebhookAreDueForDeliveryAtOnce() throws Exception {
        Reply org = api.post("/api/keys/generate", null, "{\"organization_name\":\"push\",\"tier\":\"enterprise\"}");
        sql("UPDATE organizations SET webhook_url = 'http://127.0.0.1:1/hook' WHERE id = '"
                + org.json().get("organization_id").asText() + "'");
        String key = org.json().get("api_key").asText();
        String id = api.post("/api/events", key, event("a", "{}", null)).json().get("id").asText();
        JsonNode delivery = api.get("/api/events/" + id, key).json().get("delivery");
        assertThat(delivery.get("next_attempt_at").asText(), matchesPattern(TIMESTAMP));
    }

    @Test
    void anotherOrganizationsEventLooksExactlyLikeAMissingOne() {
        String owner = api.newOrganization();
        String other = api.newOrganization();
        String id = api.post("/api/events", owner, event("a", "{}", null)).json().get("id").asText();
        Reply foreign = api.get("/api/events/" + id, other);
        Reply missing = api.get("/api/events/" + UUID.randomUUID(), other);
        Reply malformed = api.get("/api/events/not-a-uuid", other);
        for (Reply r : new Reply[] {foreign, missing, malformed}) {
            assertThat(r.status(), is(404));
            assertThat(r.json().get("error").asText(), is("not_found"));
        }
        assertThat(foreign.json().get("detail").asText().replace(id, "X"),
                is(missing.json().get("detail").asText().replaceAll("[0-9a-f-]{36}", "X")));
    }

    @Test
    void invalidEventsAreRejectedWith400NamingTheField() throws Exception {
        String key = api.newOrganization();
        int before = countEvents("true");
        String[][] cases = {
                {"{\"payload\":{}}", "type"},
                {event("", "{}", null), "type"},
                {event("x".repeat(256), "{}", null), "type"},
                {event("has space", "{}", null), "type"},
                {event("ümlaut", "{}", null), "type"},
                {"{\"type\":7,\"payload\":{}}", "type"},
                {"{\"type\":\"a\"}", "payload"},
                {event("a", "[1]", null), "payload"},
                {event("a", "\"text\"", null), "payload"},
                {event("a", "{}", ""), "dedup_id"},
                {event("a", "{}", "d".repeat(256)), "dedup_id"},
                {"{\"type\":\"a\",\"payload\":{},\"dedup_id\":5}", "dedup_id"},
                {"{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"x\\u0000\"}", "dedup_id"},
                {event("a", "{\"list\":[{\"deep\":\"\\u0000\"}]}", null), "U+0000"},
                {event("a", "{\"k\\u0000\":1}", null), "U+0000"},
                {"{\"type\":\"a\",\"payload\":null}", "payload"},
                {"{\"type\":null,\"payload\":{}}", "type"},
                {event("a", "{\"k\":\"nul\\u0000\"}", null), "payload.k"},
                // PostgreSQL's JSON parser refuses a surrogate escape without its partner: a 400, never a 500.
                {event("a", "{\"k\":[\"lone \\ud800\"]}", null), "payload.k"},
                {event("a", "{\"k\":\"\\ude00 low first\"}", null), "payload.k"},
                {event("a", "{\"\\ud83d\":1}", null), "surrogate"}, // in a key Jackson refuses it itself
                {"{\"type\":\"a\",\"payload\":{\"x\":1e400}}", "payload.x"},
                {"[]", "body"},
        };
        for (String[] c : cases) {
            Reply r = api.post("/api/events", key, c[0]);
            assertThat(c[0], r.status(), is(400));
            assertThat(r.contentType(), startsWith("application/problem+json"));
            assertThat(c[0], r.json().get("detail").asText(), containsString(c[1]));
            assertThat(r.header("RateLimit-Limit").isPresent(), is(true));
        }
        assertThat(api.post("/api/events", key, "{\"type\":").status(), is(400));
        assertThat(api.post("/api/events", key, "{\"type\":\"a\",\"payload\":{\"a\":").status(), is(400));
        assertThat(api.post("/api/events", key, "").status(), is(400));
        Reply deep = api.post("/api/events", key, event("a", "{\"a\":".repeat(64) + "1" + "}".repeat(64), null));
        assertThat(deep.json().get("error").asText(), is("json_too_deep"));
        String deepest = event("a", "{\"a\":".repeat(63) + "1" + "}".repeat(63), null); // level 64: allowed
        assertThat(api.post("/api/events", key, deepest).status(), is(201));
        assertThat(api.post("/api/events", key, event("a", "{}", "d".repeat(255))).status(), is(201));
        assertThat(api.post("/api/events", key, event("A-z_0.9:x", "{}", null)).status(), is(201));
        assertThat(countEvents("true"), is(before + 3));
    }

    /**
     * The payload is stored as the client's JSON text (a json column, migration V4) and every read prints that text:
     * key order, whitespace, number spelling, escapes and a repeated key come back as sent, single or batch.
     */
    @Test
    void payloadComesBackExactlyAsSent() {
        String key = api.newOrganization();
        String payload = "{\"b\": 2,  \"a\":[1, 2.50e0],\"a\":3,\n \"s\":\"\\u00e9\\n\\ud83d\\ude00\"}";
        String single = api.post("/api/events", key, event("as.sent", payload, null)).json().get("id").asText();
        Reply batch = api.post("/api/events/batch", key, "{\"events\":[" + event("as.sent", payload, null) + "]}");
        String fromBatch = batch.json().get("results").get(0).get("id").asText();

        for (String id : List.of(single, fromBatch)) {
            assertThat(api.get("/api/events/" + id, key).text(), containsString("\"payload\":" + payload));
        }
        assertThat(api.get("/api/inbox?type=as.sent&limit=1", key).text(), containsString("\"payload\":" + payload));
    }

    /** An item PostgreSQL would refuse is rejected alone; before, its statement failed and took the batch to a 500. */
    @Test
    void batchItemWithAnUnpairedSurrogateIsRejectedAloneAndTheOthersAreStored() {
        String key = api.newOrganization();
        Reply r = api.post("/api/events/batch", key, "{\"events\":[" + event("ok", "{}", null) + ","
                + event("ok", "{\"k\":\"\\ud800\"}", null) + "," + event("ok", "{}", null) + "]}");
        assertThat(r.status(), is(200));
        assertThat(r.json().get("accepted").asInt(), is(2));
        assertThat(r.json().get("rejected").asInt(), is(1));
        assertThat(r.json().get("results").get(1).get("error").asText(), containsString("events[1].payload.k"));
    }

    @Test
    void payloadOver256KiBIs413AndTheBodyLimitApplies() {
        String key = api.newOrganization();
        String big = "{\"b\":\"" + "x".repeat(256 * 1024) + "\"}";
        Reply r = api.post("/api/events", key, event("a", big, null));
        assertThat(r.status(), is(413));
        String fits = "{\"b\":\"" + "x".repeat(256 * 1024 - 8) + "\"}";
        assertThat(api.post("/api/events", key, event("a", fits, null)).status(), is(201));
        String huge = "{\"b\":\"" + "x".repeat(1024 * 1024) + "\"}";
        assertThat(api.post("/api/events", key, event("a", huge, null)).status(), is(413));
    }

    @Test
    void wrongContentTypeIs415AndMissingKeyIs401() {
        String key = api.newOrganization();
        Reply r = api.send(io.helidon.http.Method.POST, "/api/events", key, event("a", "{}", null),
                java.util.Map.of("Content-Type", "text/plain"));
        assertThat(r.status(), is(415));
        assertThat(api.post("/api/events", null, event("a", "{}", null)).status(), is(401));
        assertThat(api.get("/api/events", key).status(), is(405));
    }

    @Test
    void duplicateDedupIdIs409WithTheExistingEventAndIsPerOrganization() {
        String key = api.newOrganization();
        Reply first = api.post("/api/events", key, event("a", "{}", "order-42"));
        assertThat(first.status(), is(201));
        Reply second = api.post("/api/events", key, event("b", "{\"other\":true}", "order-42"));
        assertThat(second.status(), is(409));
        assertThat(second.json().get("error").asText(), is("duplicate_event"));
        assertThat(second.json().get("existing_event_id").asText(), is(first.json().get("id").asText()));
        assertThat(second.header("RateLimit-Remaining").isPresent(), is(true));
        assertThat(api.post("/api/events", api.newOrganization(), event("a", "{}", "order-42")).status(), is(201));
    }

    @Test
    void thirtyTwoIdenticalConcurrentRequestsCreateExactlyOneEvent() throws Exception {
        String key = api.newOrganization();
        String dedup = "race-" + UUID.randomUUID();
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(() -> api.post("/api/events", key, event("race", "{}", dedup)));
        }
        List<Reply> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Reply> f : pool.invokeAll(calls)) {
                replies.add(f.get());
            }
        }
        List<Reply> created = replies.stream().filter(r -> r.status() == 201).toList();
        assertThat(created.size(), is(1));
        String id = created.getFirst().json().get("id").asText();
        for (Reply r : replies) {
            if (r.status() != 201) {
                assertThat(r.status(), is(409));
                assertThat(r.json().get("existing_event_id").asText(), is(id));
            }
        }
        assertThat(countEvents("dedup_id = '" + dedup + "'"), is(1));
    }

    @Test
    void dedupHoldsAfterRedisLosesEveryKey() {
        String key = api.newOrganization();
        String id = api.post("/api/events", key, event("a", "{}", "flush-me")).json().get("id").asText();
        TestSupport.app().redis().call(c -> c.flushDB());
        Reply again = api.post("/api/events", key, event("a", "{}", "flush-me"));
        assertThat(again.status(), is(409));
        assertThat(again.json().get("existing_event_id").asText(), is(id));
    }

    @Test
    void anExpiredClaimMayBeReusedAndTheSweeperDeletesExpiredClaims() throws Exception {
        String key = api.newOrganization();
        String first = api.post("/api/events", key, event("a", "{}", "old")).json().get("id").asText();
        sql("UPDATE event_dedup SET created_at = now() - interval '25 hours' WHERE event_id = '" + first + "'");
        Reply reused = api.post("/api/events", key, event("a", "{}", "old"));
        assertThat(reused.status(), is(201));
        assertThat(reused.json().get("id").asText(), not(first));
        assertThat(api.post("/api/events", key, event("a", "{}", "old")).json().get("existing_event_id").asText(),
                is(reused.json().get("id").asText()));

        String expired = api.post("/api/events", key, event("a", "{}", "sweep-me")).json().get("id").asText();
        sql("UPDATE event_dedup SET created_at = now() - interval '25 hours' WHERE event_id = '" + expired + "'");
        int deleted = new DedupSweeper(TestSupport.app().database()).sweep();
        assertThat(deleted >= 1, is(true));
        assertThat(count("SELECT count(*) FROM event_dedup WHERE event_id = '" + expired + "'"), is(0));
        assertThat(count("SELECT count(*) FROM event_dedup WHERE event_id = '" + reused.json().get("id").asText() + "'"), is(1));
    }

    @Test
    void batchStoresValidItemsAndReportsEachInOrder() throws Exception {
        String key = api.newOrganization();
        String existing = api.post("/api/events", key, event("a", "{}", "seen")).json().get("id").asText();
        String body = "{\"events\":[" + String.join(",",
                event("ok.one", "{\"i\":0}", null),
                event("bad type", "{}", null),
                event("ok.two", "{}", "seen"),
                event("ok.three", "{}", "new-1"),
                event("ok.four", "{}", "new-1"),
                "{\"type\":\"x\",\"payload\":[]}",
                event("ok.five", "{}", null)) + "]}";
        Reply r = api.post("/api/events/batch", key, body);
        assertThat(r.status(), is(200));
        JsonNode out = r.json();
        assertThat(out.get("accepted").asInt(), is(3));
        assertThat(out.get("duplicates").asInt(), is(2));
        assertThat(out.get("rejected").asInt(), is(2));
        JsonNode results = out.get("results");
        String[] statuses = {"created", "rejected", "duplicate", "created", "duplicate", "rejected", "created"};
        for (int i = 0; i < statuses.length; i++) {
            assertThat(results.get(i).get("index").asInt(), is(i));
            assertThat(results.get(i).get("status").asText(), is(statuses[i]));
        }
        assertThat(results.get(1).get("error").asText(), containsString("events[1].type"));
        assertThat(results.get(1).has("id"), is(false));
        assertThat(results.get(2).get("id").asText(), is(existing));
        assertThat(results.get(4).get("id").asText(), is(results.get(3).get("id").asText()));
        for (int i : new int[] {0, 3, 6}) {
            assertThat(api.get("/api/events/" + results.get(i).get("id").asText(), key).status(), is(200));
        }
        assertThat(r.header("RateLimit-Remaining").isPresent(), is(true));
    }

    @Test
    void batchRejectsAnUnstorableOrMisshapenItemAloneAndStoresTheRestAsSent() throws Exception {
        String key = api.newOrganization();
        String body = "{\"events\":[" + String.join(",",
                event("nul.inside", "{\"k\":\"nul\\u0000\"}", null),
                "\"not an object\"",
                event("huge.number", "{\"n\":1e999}", null),
                event("kept", "{\"b\": 1.50, \"a\": \"é\"}", null)) + "], \"note\": {\"ignored\": [1]}}";
        Reply r = api.post("/api/events/batch", key, body);
        assertThat(r.status(), is(200));
        JsonNode results = r.json().get("results");
        assertThat(results.get(0).get("error").asText(), containsString("events[0].payload.k"));
        assertThat(results.get(1).get("error").asText(), containsString("'events[1]' must be a JSON object"));
        assertThat(results.get(2).get("error").asText(), containsString("events[2].payload.n"));
        assertThat(results.get(3).get("status").asText(), is("created"));
        Reply stored = api.get("/api/events/" + results.get(3).get("id").asText(), key);
        assertThat(stored.json().get("payload").get("a").asText(), is("é"));
        assertThat(stored.text(), containsString("1.50")); // the number as sent, not a double's 1.5
    }

    @Test
    void batchWithMalformedJsonOrAnEventsThatIsNotAnArrayIsRefusedWhole() throws Exception {
        String key = api.newOrganization();
        String valid = event("refused.whole", "{}", null);
        Reply malformed = api.post("/api/events/batch", key, "{\"events\":[" + valid + ", {\"type\": }]}");
        assertThat(malformed.status(), is(400));
        assertThat(malformed.json().get("error").asText(), is("malformed_json"));
        assertThat(api.post("/api/events/batch", key, "{\"events\":" + valid + "}").status(), is(400));
        assertThat(api.post("/api/events/batch", key, "{\"events\":[" + valid + "]} []").status(), is(400));
        assertThat(api.post("/api/events/batch", key, "[" + valid + "]").status(), is(400));
        assertThat(countEvents("type = 'refused.whole'"), is(0));
    }

    @Test
    void batchOfLargePayloadsIsWrittenInSeveralStatementsOfOneTransaction() throws Exception {
        String key = api.newOrganization();
        String pad = "p".repeat(200 * 1024);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // ~2.4 MB of JSON: three insert statements of at most 1 MiB
            items.add(event("large.payload", "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}", null));
        }
        Reply r = api.post("/api/events/batch", key, "{\"events\":[" + String.join(",", items) + "]}");
        assertThat(r.status(), is(200));
        assertThat(r.json().get("accepted").asInt(), is(12));
        assertThat(countEvents("type = 'large.payload' AND length(payload->>'pad') = " + pad.length()), is(12));
        assertThat(EventStore.INSERT_CHUNK_CHARS < pad.length() * 12, is(true));
    }

    @Test
    void batchSizeMustBeOneToTheConfiguredMaximum() {
        String key = api.newOrganization();
        assertThat(api.post("/api/events/batch", key, "{\"events\":[]}").status(), is(400));
        assertThat(api.post("/api/events/batch", key, "{}").status(), is(400));
        String item = event("a", "{}", null);
        String tooMany = "{\"events\":[" + String.join(",", java.util.Collections.nCopies(1001, item)) + "]}";
        Reply r = api.post("/api/events/batch", key, tooMany);
        assertThat(r.status(), is(400));
        assertThat(r.header("RateLimit-Limit").isPresent(), is(true));
        String full = "{\"events\":[" + String.join(",", java.util.Collections.nCopies(1000, item)) + "]}";
        assertThat(api.post("/api/events/batch", key, full).json().get("accepted").asInt(), is(1000));
    }

    @Test
    void rateLimitRefusesPastTheTierLimitAndCountsEveryBatchEvent() {
        String key = api.newOrganization("free"); // 100 per minute
        Reply first = api.post("/api/events", key, event("a", "{}", null));
        assertThat(first.header("RateLimit-Limit").orElseThrow(), is("100"));
        assertThat(first.header("RateLimit-Remaining").orElseThrow(), is("99"));
        long reset = Long.parseLong(first.header("RateLimit-Reset").orElseThrow());
        assertThat(reset >= 1 && reset <= 60, is(true));

        String item = event("a", "{}", null);
        Reply tooBig = api.post("/api/events/batch", key,
                "{\"events\":[" + String.join(",", java.util.Collections.nCopies(100, item)) + "]}");
        assertThat(tooBig.status(), is(429));
        assertThat(tooBig.header("Retry-After").isPresent(), is(true));
        assertThat(tooBig.header("RateLimit-Remaining").orElseThrow(), is("99"));
        Reply fits = api.post("/api/events/batch", key,
                "{\"events\":[" + String.join(",", java.util.Collections.nCopies(99, item)) + "]}");
        assertThat(fits.status(), is(200));
        assertThat(fits.header("RateLimit-Remaining").orElseThrow(), is("0"));
        Reply refused = api.post("/api/events", key, item);
        assertThat(refused.status(), is(429));
        assertThat(refused.json().get("error").asText(), is("rate_limited"));
        assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow()) >= 1, is(true));
        assertThat(refused.header("RateLimit-Remaining").orElseThrow(), is("0"));
    }

    @Test
    void metricsCountIngestion() {
        String key = api.newOrganization();
        api.post("/api/events", key, event("a", "{}", "m-1"));
        api.post("/api/events", key, event("a", "{}", "m-1"));
        Reply metrics = api.get("/metrics", null);
        for (String name : new String[] {"events_ingested", "events_duplicates", "events_rate_limited",
                "events_group_commit_rows", "db_pool_active"}) {
            assertThat(name, metrics.text(), containsString(name));
        }
        assertThat(metrics.text(), not(nullValue()));
    }

    static void sql(String statement) throws Exception {
        try (Connection c = TestSupport.app().database().connection(); var st = c.createStatement()) {
            st.execute(statement);
        }
    }

    static int count(String query) throws Exception {
        try (Connection c = TestSupport.app().database().connection(); PreparedStatement ps = c.prepareStatement(query);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static int countEvents(String where) throws Exception {
        return count("SELECT count(*) FROM events WHERE " + where);
    }
}
