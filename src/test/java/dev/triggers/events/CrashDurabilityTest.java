package dev.triggers.events;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.TestSupport;
import dev.triggers.platform.json.Json;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * 201 means durable: the server runs as a child process, takes a burst of concurrent events and is killed with
 * SIGKILL while requests are still in flight; every event that got a 201 must be in PostgreSQL afterwards.
 */
class CrashDurabilityTest {
    private static final int PORT = 18110;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyAcknowledgedEventSurvivesAKill9() throws Exception {
        Map<String, String> env = Map.of("HELIDON_CONFIG_PROFILE", "test",
                "DB_URL", TestSupport.config().get("db.url").asString().orElseThrow(),
                "REDIS_URL", TestSupport.config().get("redis.url").asString().orElseThrow(),
                "SERVER_PORT", Integer.toString(PORT));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.triggers.Main")
                .redirectErrorStream(true)
                .redirectOutput(new File("target/crash-test-server.log"));
        pb.environment().putAll(env);
        Process server = pb.start();
        try {
            awaitLive();
            String key = newOrganization();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            CountDownLatch enough = new CountDownLatch(300);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            List<java.util.concurrent.Future<?>> senders = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        try {
                            HttpResponse<String> r = post("/api/events", key,
                                    "{\"type\":\"crash.test\",\"payload\":{\"i\":" + i + "}}");
                            if (r.statusCode() == 201) {
                                acknowledged.add(Json.MAPPER.readTree(r.body()).get("id").asText());
                                enough.countDown();
                            }
                        } catch (Exception e) {
                            return; // the server is gone
                        }
                    }
                }));
            }
            assertThat(enough.await(30, TimeUnit.SECONDS), is(true));
            server.destroyForcibly(); // SIGKILL, mid-burst
            server.waitFor(10, TimeUnit.SECONDS);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS), is(true));

            assertThat(acknowledged.size(), greaterThan(300 - 1));
            List<String> ids = new ArrayList<>(acknowledged);
            int stored = EventsServiceTest.count("SELECT count(*) FROM events WHERE id = ANY ('{"
                    + String.join(",", ids) + "}'::uuid[])");
            assertThat(stored, is(ids.size()));
        } finally {
            server.destroyForcibly();
        }
    }

    private void awaitLive() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (Exception e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the child server did not start; see target/crash-test-server.log");
    }

    private String newOrganization() throws Exception {
        HttpResponse<String> r = post("/api/keys/generate", null, "{\"organization_name\":\"crash\",\"tier\":\"enterprise\"}");
        JsonNode body = Json.MAPPER.readTree(r.body());
        return body.get("api_key").asText();
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            req.header("X-API-Key", key);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }
}
