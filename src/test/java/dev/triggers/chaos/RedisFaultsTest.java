package dev.triggers.chaos;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggers.testing.ScratchPostgres;
import dev.triggers.testing.ScratchRedis;
import dev.triggers.testing.ServerProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static dev.triggers.chaos.ChaosSupport.event;
import static dev.triggers.chaos.ChaosSupport.json;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.oneOf;
import static org.hamcrest.Matchers.not;

/**
 * Redis loses every key, then dies, then comes back: dedup holds throughout (PostgreSQL is the truth), ingestion
 * answers only 201/409/503 (never a 500), and once Redis is back the limits are kept there again, without a restart.
 */
@Tag("chaos")
class RedisFaultsTest {
    @Test
    void dedupHoldsAndIngestionGoesOnThroughRedisFlushOutageAndReturn() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create(); ScratchRedis redis = ScratchRedis.create();
             ServerProcess server = ServerProcess.start("redis-faults",
                     Map.of("DB_URL", pg.jdbcUrl("postgres"), "REDIS_URL", redis.url()))) {
            String key = ChaosSupport.newOrganization(server, "business");
            Map<String, String> first = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = server.post("/api/events", key, event("chaos.redis", "d" + i, i));
                assertThat(r.body(), r.statusCode(), is(201));
                first.put("d" + i, json(r).get("id").asText());
            }

            try (RedisClient client = RedisClient.create(redis.url())) {
                assertThat("the limiter keeps its counters in Redis", client.dbSize(), greaterThan(0L));
                client.flushAll();
            }
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = server.post("/api/events", key, event("chaos.redis", "d" + i, i));
                assertThat("after FLUSHALL", r.statusCode(), is(409));
                assertThat(json(r).get("existing_event_id").asText(), is(first.get("d" + i)));
            }

            redis.kill();
            List<Integer> statuses = burst(server, key, "down", 200);
            assertThat(statuses, everyItem(oneOf(201, 409, 503)));
            assertThat(statuses.stream().filter(s -> s == 201).count(), greaterThan(150L));
            for (int i = 0; i < 20; i++) {
                assertThat("dedup while Redis is down",
                        server.post("/api/events", key, event("chaos.redis", "d" + i, i)).statusCode(), is(409));
            }
            HttpResponse<String> limited = server.post("/api/events", key, event("chaos.redis", null, 0));
            assertThat(limited.headers().firstValue("RateLimit-Limit").isPresent(), is(true));

            redis.start();
            Thread.sleep(1500); // past redis.retry-interval-ms, after which the next call tries Redis again
            List<Integer> after = burst(server, key, "back", 50);
            assertThat(after, everyItem(oneOf(201, 409, 503)));
            try (RedisClient client = RedisClient.create(redis.url())) {
                assertThat("limits are global (in Redis) again", client.dbSize(), greaterThan(0L));
            }
            assertThat(after, not(everyItem(is(503))));
        }
    }

    /** {@code n} new events from 8 concurrent clients; the statuses they got. */
    private static List<Integer> burst(ServerProcess server, String key, String tag, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int idx = i;
            futures.add(pool.submit(() -> server.post("/api/events", key, event("chaos.redis", tag + idx, idx)).statusCode()));
        }
        List<Integer> out = new ArrayList<>();
        for (Future<Integer> f : futures) {
            out.add(f.get());
        }
        pool.shutdown();
        return out;
    }
}
