package dev.triggers.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@ServerTest
class KeysServiceTest {
    private final ApiClient api;

    KeysServiceTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void generateCreatesAnOrganizationWithAHighEntropyTestKey() {
        Reply r = api.post("/api/keys/generate", null, "{\"organization_name\":\"Acme\",\"tier\":\"pro\"}");
        assertThat(r.status(), is(201));
        JsonNode body = r.json();
        assertThat(body.get("api_key").asText(), matchesPattern("zap_test_[A-Za-z0-9_-]{43,}"));
        assertThat(body.get("organization_name").asText(), is("Acme"));
        assertThat(body.get("tier").asText(), is("pro"));
        assertThat(body.get("rate_limit_per_minute").asInt(), is(1000));
        assertThat(body.get("created_at").asText(), matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
        assertThat(body.get("warning").asText(), not(""));
    }

    @Test
    void tierDefaultsToFree() {
        Reply r = api.post("/api/keys/generate", null, "{\"organization_name\":\"Acme\"}");
        assertThat(r.json().get("tier").asText(), is("free"));
        assertThat(r.json().get("rate_limit_per_minute").asInt(), is(100));
    }

    @Test
    void invalidGenerateBodiesAreRejectedWithProblems() {
        for (String body : new String[] {"{}", "{\"organization_name\":\"\"}", "{\"organization_name\":12}",
                "{\"organization_name\":\"" + "x".repeat(256) + "\"}", "{\"organization_name\":\"a\",\"tier\":\"gold\"}",
                "[]"}) {
            Reply r = api.post("/api/keys/generate", null, body);
            assertThat(body, r.status(), is(400));
            assertThat(r.contentType(), startsWith("application/problem+json"));
            assertThat(r.json().get("error").asText(), is("validation_error"));
        }
    }

    @Test
    void infoShowsTheOrganizationButNeverTheKey() {
        String key = api.newOrganization("business");
        for (Reply r : new Reply[] {api.get("/api/keys", key),
                api.send(Method.GET, "/api/keys", null, null, Map.of("Authorization", "Bearer " + key))}) {
            assertThat(r.status(), is(200));
            assertThat(r.json().get("tier").asText(), is("business"));
            assertThat(r.json().get("rate_limit_per_minute").asInt(), is(10000));
            assertThat(r.json().has("webhook_url"), is(true));
            assertThat(r.json().has("api_key"), is(false));
            assertThat(r.text().contains(key), is(false));
        }
    }

    @Test
    void missingOrUnknownKeysGet401WithChallenge() {
        for (String key : new String[] {null, "zap_test_nope", "x".repeat(500)}) {
            Reply r = api.get("/api/keys", key);
            assertThat(r.status(), is(401));
            assertThat(r.header("WWW-Authenticate").orElse(""), is("ApiKey"));
            assertThat(r.json().get("error").asText(), is("unauthorized"));
        }
    }

    @Test
    void rotationWithoutGraceRetiresTheOldKeyAtOnce() {
        String oldKey = api.newOrganization();
        Reply r = api.post("/api/keys/rotate", oldKey, null);
        assertThat(r.status(), is(200));
        String newKey = r.json().get("api_key").asText();
        assertThat(newKey, not(oldKey));
        assertThat(r.json().get("previous_key_expires_at").asText(), is(r.json().get("rotated_at").asText()));
        assertThat(api.get("/api/keys", oldKey).status(), is(401));
        assertThat(api.get("/api/keys", newKey).status(), is(200));
    }

    @Test
    void rotationWithGraceKeepsTheOldKeyUntilItExpires() throws InterruptedException {
        String oldKey = api.newOrganization();
        Reply r = api.post("/api/keys/rotate", oldKey, "{\"grace_seconds\":1}");
        assertThat(r.status(), is(200));
        assertThat(api.get("/api/keys", oldKey).status(), is(200));
        Thread.sleep(1100);
        assertThat(api.get("/api/keys", oldKey).status(), is(401));
        assertThat(api.get("/api/keys", r.json().get("api_key").asText()).status(), is(200));
    }

    /** A key in its grace period that could rotate would survive its own rotation and retire the owner's new key. */
    @Test
    void aSupersededKeyCannotRotate() {
        String k1 = api.newOrganization();
        String k2 = api.post("/api/keys/rotate", k1, "{\"grace_seconds\":3600}").json().get("api_key").asText();
        for (String body : new String[] {null, "{\"grace_seconds\":0}", "{\"grace_seconds\":3600}"}) {
            Reply r = api.post("/api/keys/rotate", k1, body);
            assertThat(r.text(), r.status(), is(403));
            assertThat(r.contentType(), startsWith("application/problem+json"));
            assertThat(r.json().get("error").asText(), is("key_superseded"));
        }
        assertThat(api.get("/api/keys", k1).status(), is(200)); // still in its grace period
        assertThat(api.get("/api/keys", k2).status(), is(200));
        Reply again = api.post("/api/keys/rotate", k2, null);
        assertThat(again.status(), is(200));
        assertThat(api.get("/api/keys", k2).status(), is(401));
        assertThat(api.get("/api/keys", again.json().get("api_key").asText()).status(), is(200));
    }

    /** The rotation checks the stored key, not this instance's cache (another instance may have rotated it). */
    @Test
    void aKeySupersededBehindTheCacheCannotRotate() throws Exception {
        Reply org = api.post("/api/keys/generate", null, "{\"organization_name\":\"stale\"}");
        String k1 = org.json().get("api_key").asText();
        assertThat(api.get("/api/keys", k1).status(), is(200)); // cached as current
        String orgId = org.json().get("organization_id").asText();
        sql("UPDATE api_keys SET expires_at = now() + interval '1 hour' WHERE org_id = '" + orgId + "'");
        sql("INSERT INTO api_keys (key_hash, org_id, created_at) VALUES (decode(md5('other instance'), 'hex'), '"
                + orgId + "', now())");
        Reply r = api.post("/api/keys/rotate", k1, null);
        assertThat(r.text(), r.status(), is(403));
        assertThat(r.json().get("error").asText(), is("key_superseded"));
        assertThat(count("SELECT count(*) FROM api_keys WHERE org_id = '" + orgId + "' AND expires_at IS NULL"), is(1));

        sql("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE org_id = '" + orgId + "' AND expires_at IS NOT NULL");
        Reply expired = api.post("/api/keys/rotate", k1, null);
        assertThat(expired.text(), expired.status(), is(401));
    }

    @Test
    void concurrentRotationsWithOneKeyLeaveExactlyOneNewKey() throws Exception {
        Reply org = api.post("/api/keys/generate", null, "{\"organization_name\":\"race\"}");
        String k1 = org.json().get("api_key").asText();
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(() -> api.post("/api/keys/rotate", k1, "{\"grace_seconds\":3600}"));
        }
        List<Reply> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Reply> f : pool.invokeAll(calls)) {
                replies.add(f.get());
            }
        }
        List<Reply> rotated = replies.stream().filter(r -> r.status() == 200).toList();
        assertThat(rotated.size(), is(1));
        for (Reply r : replies) {
            if (r.status() != 200) {
                assertThat(r.text(), r.status(), is(403));
                assertThat(r.json().get("error").asText(), is("key_superseded"));
            }
        }
        String orgId = org.json().get("organization_id").asText();
        assertThat(count("SELECT count(*) FROM api_keys WHERE org_id = '" + orgId + "' AND expires_at IS NULL"), is(1));
        assertThat(api.get("/api/keys", rotated.getFirst().json().get("api_key").asText()).status(), is(200));
    }

    private static void sql(String statement) throws Exception {
        try (var conn = TestSupport.app().database().connection(); var st = conn.createStatement()) {
            st.execute(statement);
        }
    }

    private static int count(String query) throws Exception {
        try (var conn = TestSupport.app().database().connection(); var st = conn.createStatement();
             var rs = st.executeQuery(query)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void graceOutOfRangeIsRejected() {
        String key = api.newOrganization();
        for (String body : new String[] {"{\"grace_seconds\":-1}", "{\"grace_seconds\":86401}", "{\"grace_seconds\":\"5\"}",
                "{\"grace_seconds\":1.5}"}) {
            assertThat(body, api.post("/api/keys/rotate", key, body).status(), is(400));
        }
        assertThat(api.get("/api/keys", key).status(), is(200));
    }

    @Test
    void keysAreStoredOnlyAsHashes() throws Exception {
        Reply r = api.post("/api/keys/generate", null, "{\"organization_name\":\"Hashes\"}");
        String key = r.json().get("api_key").asText();
        try (var conn = TestSupport.app().database().connection();
             var ps = conn.prepareStatement("SELECT key_hash FROM api_keys WHERE org_id = ?::uuid")) {
            ps.setString(1, r.json().get("organization_id").asText());
            try (var rs = ps.executeQuery()) {
                rs.next();
                byte[] stored = rs.getBytes(1);
                assertThat(stored.length, is(32));
                assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1).contains(key), is(false));
            }
        }
        assertThat(r.json().get("organization_id"), not(nullValue()));
    }
}
