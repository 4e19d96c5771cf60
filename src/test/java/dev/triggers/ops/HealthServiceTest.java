package dev.triggers.ops;

import java.util.Map;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.Application;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

@ServerTest
class HealthServiceTest {
    private final ApiClient api;

    HealthServiceTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void healthAndLivenessAnswer200() {
        Reply health = api.get("/health", null);
        assertThat(health.status(), is(200));
        assertThat(health.json().get("status").asText(), is("healthy"));
        assertThat(api.get("/health/live", null).status(), is(200));
    }

    @Test
    void readyWhenPostgresAndRedisAreUp() {
        Reply r = api.get("/health/ready", null);
        assertThat(r.status(), is(200));
        assertThat(r.json().get("status").asText(), is("ready"));
        assertThat(r.json().get("checks").get("database").asText(), is("up"));
        assertThat(r.json().get("checks").get("redis").asText(), is("up"));
    }

    @Test
    void redisDownOnlyDegradesAndNoRedisIsReportedDisabled() {
        assertThat(readyWith(Map.of("REDIS_URL", "redis://127.0.0.1:1")), containsString("\"redis\":\"down\""));
        assertThat(readyWith(Map.of("REDIS_URL", "redis://127.0.0.1:1")), containsString("\"status\":\"degraded\""));
        assertThat(readyWith(Map.of("REDIS_URL", "")), containsString("\"redis\":\"disabled\""));
    }

    @Test
    void metricsArePrometheusTextWithPerRouteLatencyHistograms() {
        api.get("/health", null);
        Reply m = api.get("/metrics", null);
        assertThat(m.status(), is(200));
        assertThat(m.text(), containsString("# TYPE"));
        assertThat(m.text(), containsString("http_server_requests_seconds_bucket{"));
        assertThat(m.text(), containsString("route=\"/health/\""));
        assertThat(m.text(), containsString("status=\"200\""));
        assertThat(m.text(), containsString("db_pool_active"));
    }

    @Test
    void readyAsSoonAsTheServerListensBeforeTheBackgroundWorkStarts() {
        // Main's order: prepare (database answered, schema checked), listen, then LISTEN/sweeper/delivery.
        try (Application app = Application.prepare(TestSupport.config(Map.of()))) {
            WebServer server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
            try {
                Reply r = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build())
                        .get("/health/ready", null);
                assertThat(r.text(), r.status(), is(200));
                assertThat(r.json().get("checks").get("database").asText(), is("up"));
                app.startBackground();
            } finally {
                server.stop();
            }
        }
    }

    /** Starts a second server with the overrides and returns its readiness answer (status code 200 asserted). */
    private static String readyWith(Map<String, String> overrides) {
        try (Application app = Application.create(TestSupport.config(overrides))) {
            WebServer server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
            try {
                Reply r = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build())
                        .get("/health/ready", null);
                assertThat(r.text(), r.status(), is(200));
                return r.text();
            } finally {
                server.stop();
            }
        }
    }
}
