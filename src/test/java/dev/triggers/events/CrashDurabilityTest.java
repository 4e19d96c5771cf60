package dev.triggers.events;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.triggers.TestSupport;
import dev.triggers.platform.json.Json;
import dev.triggers.testing.ServerProcess;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * 201 means durable: the server runs as a child process, takes a burst of concurrent events and is killed with
 * SIGKILL while requests are still in flight; every event that got a 201 must be in PostgreSQL afterwards.
 */
class CrashDurabilityTest {
    @Test
    void everyAcknowledgedEventSurvivesAKill9() throws Exception {
        Map<String, String> env = Map.of(
                "DB_URL", TestSupport.config().get("db.url").asString().orElseThrow(),
                "REDIS_URL", TestSupport.config().get("redis.url").asString().orElseThrow());
        try (ServerProcess server = ServerProcess.start("crash", env)) {
            HttpResponse<String> org = server.post("/api/keys/generate", null,
                    "{\"organization_name\":\"crash\",\"tier\":\"enterprise\"}");
            String key = Json.MAPPER.readTree(org.body()).get("api_key").asText();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            CountDownLatch enough = new CountDownLatch(300);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            for (int c = 0; c < 32; c++) {
                pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        try {
                            HttpResponse<String> r = server.post("/api/events", key,
                                    "{\"type\":\"crash.test\",\"payload\":{\"i\":" + i + "}}");
                            if (r.statusCode() == 201) {
                                acknowledged.add(Json.MAPPER.readTree(r.body()).get("id").asText());
                                enough.countDown();
                            }
                        } catch (Exception e) {
                            return; // the server is gone
                        }
                    }
                });
            }
            assertThat(enough.await(30, TimeUnit.SECONDS), is(true));
            server.kill(); // SIGKILL, mid-burst
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS), is(true));

            assertThat(acknowledged.size(), greaterThan(300 - 1));
            List<String> ids = new ArrayList<>(acknowledged);
            int stored = EventsServiceTest.count("SELECT count(*) FROM events WHERE id = ANY ('{"
                    + String.join(",", ids) + "}'::uuid[])");
            assertThat(stored, is(ids.size()));
        }
    }
}
