package dev.triggers.webhooks;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.delivery.DeliveryFixture;
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

/** {@code /api/webhook} on the suite's shared server (test profile: private targets allowed). */
@ServerTest
class WebhookServiceTest {
    private final ApiClient api;
    private final DeliveryFixture fixture = new DeliveryFixture(TestSupport.app().database().config().get("url").asString().orElseThrow());

    WebhookServiceTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    private Reply configure(String key, String url) {
        return api.post("/api/webhook/config", key, "{\"webhook_url\":\"" + url + "\"}");
    }

    @Test
    void configuringAWebhookReturnsItsUrlAndAStandardWebhooksSecret() {
        String key = api.newOrganization();
        Reply r = configure(key, "https://example.com/hooks/triggers");
        assertThat(r.status(), is(200));
        JsonNode body = r.json();
        assertThat(body.get("webhook_url").asText(), is("https://example.com/hooks/triggers"));
        assertThat(body.get("webhook_secret").asText(), matchesPattern("whsec_[A-Za-z0-9+/]{43}="));
        assertThat(body.get("updated_at").asText(), matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
        assertThat(body.get("organization_id").asText(), is(api.get("/api/keys", key).json().get("organization_id").asText()));
        assertThat(api.get("/api/keys", key).json().get("webhook_url").asText(), is("https://example.com/hooks/triggers"));
    }

    @Test
    void changingTheUrlKeepsTheSecret() {
        String key = api.newOrganization();
        String secret = configure(key, "https://example.com/a").json().get("webhook_secret").asText();
        Reply moved = configure(key, "https://example.com/b");
        assertThat(moved.json().get("webhook_url").asText(), is("https://example.com/b"));
        assertThat(moved.json().get("webhook_secret").asText(), is(secret));
    }

    @Test
    void rotationIssuesANewSecretAndKeepsThePreviousOneForADay() {
        String key = api.newOrganization();
        Reply configured = configure(key, "https://example.com/a");
        String old = configured.json().get("webhook_secret").asText();
        Reply r = api.post("/api/webhook/rotate-secret", key, null);
        assertThat(r.status(), is(200));
        String fresh = r.json().get("webhook_secret").asText();
        assertThat(fresh, not(old));
        assertThat(fresh, matchesPattern("whsec_[A-Za-z0-9+/]{43}="));
        UUID org = UUID.fromString(configured.json().get("organization_id").asText());
        assertThat(fixture.count("SELECT count(*) FROM organizations WHERE id = ? AND webhook_previous_secret = ? "
                + "AND webhook_previous_secret_expires_at BETWEEN now() + interval '23 hours 59 minutes' AND now() + interval '1 day'",
                org, old), is(1L));
        assertThat(configure(key, "https://example.com/b").json().get("webhook_secret").asText(), is(fresh));
    }

    @Test
    void rotationWithoutAWebhookIs404() {
        String key = api.newOrganization();
        Reply r = api.post("/api/webhook/rotate-secret", key, null);
        assertThat(r.status(), is(404));
        assertThat(r.json().get("error").asText(), is("not_found"));
    }

    @Test
    void deletingStopsPushButKeepsTheEventsAndLaterConfigurationGetsAFreshSecret() {
        String key = api.newOrganization();
        Reply configured = configure(key, "https://example.com/a");
        UUID org = UUID.fromString(configured.json().get("organization_id").asText());
        UUID pending = fixture.event(org);
        UUID failed = fixture.event(org);
        fixture.update("UPDATE events SET status = 3, next_attempt_at = NULL WHERE id = ?", failed);

        assertThat(api.delete("/api/webhook/config", key).status(), is(204));
        assertThat(fixture.row(pending).nextAttemptAt(), nullValue());
        assertThat(fixture.row(pending).status(), is(0));
        assertThat(fixture.row(failed).status(), is(3));
        assertThat(api.get("/api/keys", key).json().get("webhook_url").isNull(), is(true));
        assertThat(api.delete("/api/webhook/config", key).status(), is(204));

        String again = configure(key, "https://example.com/a").json().get("webhook_secret").asText();
        assertThat(again, not(configured.json().get("webhook_secret").asText()));
    }

    @Test
    void invalidUrlsAndBodiesAre400() {
        String key = api.newOrganization();
        for (String body : new String[] {"{}", "{\"webhook_url\":null}", "{\"webhook_url\":42}", "{\"webhook_url\":\"ftp://x/y\"}",
                "{\"webhook_url\":\"/relative\"}", "{\"webhook_url\":\"not a url\"}",
                "{\"webhook_url\":\"https://example.com/" + "a".repeat(2048) + "\"}"}) {
            Reply r = api.post("/api/webhook/config", key, body);
            assertThat(body, r.status(), is(400));
            assertThat(r.json().get("error").asText(), is("validation_error"));
        }
        assertThat(api.send(Method.POST, "/api/webhook/config", key, "{\"webhook_url\":\"https://example.com\"}",
                Map.of("Content-Type", "text/plain")).status(), is(415));
    }

    @Test
    void everyEndpointNeedsAKeyAndOtherMethodsAre405() {
        assertThat(configure(null, "https://example.com").status(), is(401));
        assertThat(api.delete("/api/webhook/config", null).status(), is(401));
        assertThat(api.post("/api/webhook/rotate-secret", null, null).status(), is(401));
        String key = api.newOrganization();
        assertThat(api.get("/api/webhook/config", key).status(), is(405));
        assertThat(api.get("/api/webhook/rotate-secret", key).status(), is(405));
    }
}
