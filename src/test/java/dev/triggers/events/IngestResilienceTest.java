package dev.triggers.events;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import dev.triggers.testing.InProcessServer;
import dev.triggers.testing.TcpProxy;
import org.junit.jupiter.api.Test;

import static dev.triggers.events.EventsServiceTest.event;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * Ingestion when a dependency goes away and comes back: each test runs its own Application whose PostgreSQL or
 * Redis is reached through a {@link TcpProxy} that the test cuts and restores.
 */
class IngestResilienceTest {
    private static final int PG_PROXY_PORT = 18100;
    private static final int REDIS_PROXY_PORT = 18102;

    /**
     * The first request after PostgreSQL goes away waits for the pool and opens the circuit; from then on every
     * path that needs the database answers 503 at once, and the background probe closes the circuit soon after
     * PostgreSQL is back.
     */
    @Test
    void postgresDownGives503FastAndIngestionResumesWhenItIsBack() throws Exception {
        String dbUrl = TestSupport.config().get("db.url").asString().orElseThrow();
        String proxied = dbUrl.replace(":5432/", ":" + PG_PROXY_PORT + "/");
        try (TcpProxy proxy = new TcpProxy(PG_PROXY_PORT, "127.0.0.1", 5432).start();
             InProcessServer instance = InProcessServer.start(Map.of("DB_URL", proxied, "DB_CIRCUIT_PROBE_INTERVAL_MS", "100"))) {
            ApiClient api = instance.api();
            String key = api.newOrganization();
            assertThat(api.post("/api/events", key, event("a", "{}", null)).status(), is(201));

            proxy.cut();
            long start = System.nanoTime();
            Reply first = api.post("/api/events", key, event("a", "{}", null));
            assertThat(first.text(), first.status(), is(503));
            assertThat((System.nanoTime() - start) / 1_000_000, lessThan(2500L));

            List<Supplier<Reply>> paths = List.of(
                    () -> api.post("/api/events", key, event("a", "{}", null)),
                    () -> api.post("/api/events/batch", key, "{\"events\":[" + event("a", "{}", null) + "]}"),
                    () -> api.get("/api/inbox", key),
                    () -> api.get("/api/keys", key),
                    () -> api.get("/api/keys", "zap_test_never_seen_" + System.nanoTime()),
                    () -> api.get("/health/ready", null));
            int slow = 0;
            for (int round = 0; round < 4; round++) {
                for (Supplier<Reply> path : paths) {
                    long t = System.nanoTime();
                    Reply r = path.get();
                    long millis = (System.nanoTime() - t) / 1_000_000;
                    assertThat(r.text(), r.status(), is(503));
                    assertThat(r.header("Retry-After").isPresent(), is(true));
                    slow += millis >= 100 ? 1 : 0;
                }
            }
            assertThat("503s slower than 100 ms once the outage is known", slow, lessThan(3));

            proxy.restore();
            long back = System.nanoTime();
            assertThat(eventually(() -> api.post("/api/events", key, event("a", "{}", null)).status() == 201), is(true));
            assertThat("ms until the first 201", (System.nanoTime() - back) / 1_000_000, lessThan(3000L));
            assertThat(api.get("/health/ready", null).status(), is(200));
        }
    }

    @Test
    void redisAbsentMeans201sAndInProcessLimits() {
        try (InProcessServer instance = InProcessServer.start(Map.of("REDIS_URL", "redis://127.0.0.1:18101"))) {
            ApiClient api = instance.api();
            String key = api.newOrganization("free");
            for (int i = 0; i < 100; i++) {
                Reply r = api.post("/api/events", key, event("a", "{}", null));
                assertThat(r.status(), is(201));
                assertThat(r.header("RateLimit-Remaining").orElseThrow(), is(Integer.toString(99 - i)));
            }
            Reply refused = api.post("/api/events", key, event("a", "{}", null));
            assertThat(refused.status(), is(429));
            assertThat(refused.header("Retry-After").isPresent(), is(true));
        }
    }

    @Test
    void redisIsUsedAgainWhenItReturnsWithoutARestart() throws Exception {
        String redisUrl = TestSupport.config().get("redis.url").asString().orElseThrow();
        String proxied = redisUrl.replace(":6379", ":" + REDIS_PROXY_PORT);
        try (TcpProxy proxy = new TcpProxy(REDIS_PROXY_PORT, "127.0.0.1", 6379).start();
             InProcessServer instance = InProcessServer.start(Map.of("REDIS_URL", proxied))) {
            ApiClient api = instance.api();
            Reply org = api.post("/api/keys/generate", null, "{\"organization_name\":\"r\",\"tier\":\"pro\"}");
            String key = org.json().get("api_key").asText();
            String redisKey = "rl:" + org.json().get("organization_id").asText();
            assertThat(api.post("/api/events", key, event("a", "{}", null)).status(), is(201));
            assertThat(redisCount(redisKey), is(1L));

            proxy.cut();
            for (int i = 0; i < 5; i++) {
                assertThat(api.post("/api/events", key, event("a", "{}", null)).status(), is(201));
            }
            assertThat(redisCount(redisKey), is(1L));

            proxy.restore();
            assertThat(eventually(() -> api.post("/api/events", key, event("a", "{}", null)).status() == 201
                    && redisCount(redisKey) > 1), is(true));
        }
    }

    private static long redisCount(String key) {
        return TestSupport.app().redis().call(c -> c.get(key)).map(Long::parseLong).orElse(0L);
    }

    private static boolean eventually(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
