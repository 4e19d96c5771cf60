package dev.triggers.webhooks;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.triggers.ApiClient.Reply;
import dev.triggers.delivery.DeliveryHarness;
import dev.triggers.delivery.Eventually;
import dev.triggers.delivery.Receiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/** With {@code webhooks.allow-private-targets=false}, as in prod. */
class WebhookSsrfTest {
    private static DeliveryHarness h;

    @BeforeAll
    static void start() {
        h = DeliveryHarness.start(Map.of("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false", "DELIVERY_MAX_ATTEMPTS", "2",
                "DELIVERY_INITIAL_BACKOFF_MS", "50"));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void privateLoopbackLinkLocalAndMetadataTargetsAreRefusedAtConfiguration() {
        String key = h.api.newOrganization();
        for (String url : new String[] {"https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.8/hook",
                "https://192.168.0.10/hook", "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook",
                "https://[fd00:ec2::254]/", "https://100.64.0.1/", "https://0.0.0.0/", "https://224.0.0.1/"}) {
            Reply r = h.api.post("/api/webhook/config", key, "{\"webhook_url\":\"" + url + "\"}");
            assertThat(url, r.status(), is(400));
            assertThat(url, r.json().get("detail").asText(), containsString("non-public"));
        }
        Reply http = h.api.post("/api/webhook/config", key, "{\"webhook_url\":\"http://8.8.8.8/hook\"}");
        assertThat(http.status(), is(400));
        assertThat(http.json().get("detail").asText(), containsString("https"));
        assertThat(h.api.get("/api/keys", key).json().get("webhook_url").isNull(), is(true));
    }

    @Test
    void aTargetThatBecamePrivateAfterConfigurationIsRefusedAtDelivery() {
        try (Receiver receiver = Receiver.ok()) {
            // As if DNS now answered 127.0.0.1 for a host that was public when configured.
            UUID org = h.fixture.organization(receiver.url());
            UUID event = h.fixture.event(org);
            h.app.deliverySignal().ring();
            Eventually.until(Duration.ofSeconds(10), () -> h.fixture.row(event).status() == 3, () -> "event " + h.fixture.row(event));
            assertThat(receiver.count(), is(0));
            assertThat(h.fixture.attemptCodes(event), everyItem(nullValue()));
            assertThat(h.fixture.row(event).lastError(), containsString("non-public address"));
        }
    }
}
