package dev.triggers.chaos;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.triggers.delivery.Receiver;
import dev.triggers.testing.ScratchPostgres;
import dev.triggers.testing.ScratchRedis;
import dev.triggers.testing.ServerProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static dev.triggers.chaos.ChaosSupport.event;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

/** Two instances on one PostgreSQL and one Redis behave as one service. */
@Tag("chaos")
class TwoInstancesTest {
    @Test
    void aFreeOrganizationGetsExactlyItsQuotaAcrossBothAndEveryEventIsDeliveredOnce() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create(); ScratchRedis redis = ScratchRedis.create();
             Receiver receiver = Receiver.ok()) {
            Map<String, String> env = Map.of("DB_URL", pg.jdbcUrl("postgres"), "REDIS_URL", redis.url(),
                    "DELIVERY_ENABLED", "true");
            try (ServerProcess a = ServerProcess.start("two-a", env); ServerProcess b = ServerProcess.start("two-b", env)) {
                List<ServerProcess> both = List.of(a, b);

                // 150 events of a free organization (100/minute), alternating between the instances.
                String free = ChaosSupport.newOrganization(a, "free");
                List<Integer> statuses = send(both, free, 150, i -> event("chaos.quota", null, i));
                Map<Integer, Long> byStatus = statuses.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
                assertThat(byStatus.toString(), byStatus.getOrDefault(201, 0L), is(100L));
                assertThat(byStatus.toString(), byStatus.getOrDefault(429, 0L), is(50L));

                // 300 events with a webhook, ingested through both, each delivered once and none twice.
                String pushed = ChaosSupport.newOrganization(a, "enterprise");
                HttpResponse<String> config = a.post("/api/webhook/config", pushed,
                        "{\"webhook_url\":\"" + receiver.url() + "\"}");
                assertThat(config.body(), config.statusCode(), is(200));
                // Both instances must see the webhook before ingesting (each caches the organization).
                Thread.sleep(500);
                List<Integer> ingested = send(both, pushed, 300, i -> event("chaos.push", null, i));
                assertThat(ingested, everyItem(is(201)));
                receiver.awaitCount(300, Duration.ofSeconds(60));
                Thread.sleep(2000); // a duplicate would arrive late
                Map<String, Long> perId = receiver.requests().stream()
                        .collect(Collectors.groupingBy(Receiver.Request::id, Collectors.counting()));
                assertThat(perId.size(), is(300));
                assertThat(perId.values(), everyItem(is(1L)));
            }
        }
    }

    private static List<Integer> send(List<ServerProcess> servers, String key, int n, Function<Integer, String> body)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int idx = i;
            futures.add(pool.submit(() -> servers.get(idx % servers.size()).post("/api/events", key, body.apply(idx)).statusCode()));
        }
        List<Integer> out = new ArrayList<>();
        for (Future<Integer> f : futures) {
            out.add(f.get());
        }
        pool.shutdown();
        return out;
    }
}
