package dev.triggers.keys;

import java.util.Map;

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
