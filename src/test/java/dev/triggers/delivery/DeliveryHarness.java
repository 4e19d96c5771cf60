package dev.triggers.delivery;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.Application;
import dev.triggers.TestSupport;
import io.helidon.config.Config;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;

/**
 * An Application of its own (delivery on unless overridden) with a server on a free port, for tests whose
 * configuration differs from the suite's shared server.
 */
public final class DeliveryHarness implements AutoCloseable {
    /** An organization created through the API, with its webhook configured through the API. */
    public record Org(UUID id, String key, String secret) {
    }

    public final Application app;
    public final WebServer server;
    public final ApiClient api;
    public final DeliveryFixture fixture;

    private DeliveryHarness(Config config) {
        this.app = Application.create(config);
        this.server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
        this.api = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build());
        this.fixture = new DeliveryFixture(config.get("db.url").asString().orElseThrow());
    }

    public static DeliveryHarness start(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("DELIVERY_ENABLED", "true");
        env.putAll(overrides);
        return new DeliveryHarness(TestSupport.config(env));
    }

    public Org organization(String webhookUrl) {
        String key = api.newOrganization();
        ApiClient.Reply r = api.post("/api/webhook/config", key, "{\"webhook_url\":\"" + webhookUrl + "\"}");
        if (r.status() != 200) {
            throw new AssertionError("could not configure the webhook: " + r.status() + " " + r.text());
        }
        JsonNode body = r.json();
        return new Org(UUID.fromString(body.get("organization_id").asText()), key, body.get("webhook_secret").asText());
    }

    /** Inserts events for {@code org} as ingestion would, and rings the engine as ingestion does. */
    public java.util.List<UUID> ingest(UUID org, int n) {
        java.util.List<UUID> ids = fixture.events(org, n);
        app.deliverySignal().ring();
        return ids;
    }

    public UUID ingest(UUID org) {
        return ingest(org, 1).getFirst();
    }

    @Override
    public void close() {
        server.stop();
        app.close();
    }
}
