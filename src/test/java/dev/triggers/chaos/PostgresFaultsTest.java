package dev.triggers.chaos;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggers.testing.ScratchPostgres;
import dev.triggers.testing.ServerProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static dev.triggers.chaos.ChaosSupport.event;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * PostgreSQL dies under load: only 503 + Retry-After, within milliseconds once the outage is known (the circuit is
 * open), readiness 503, no thread or connection leak; PostgreSQL comes back: 201s again within a bound, without
 * restarting the server.
 */
@Tag("chaos")
class PostgresFaultsTest {
    @Test
    void onlyFast503sWhileThePrimaryIsDownAndRecoveryWithoutRestart() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create();
             ServerProcess server = ServerProcess.start("pg-faults", Map.of("DB_URL", pg.jdbcUrl("postgres"), "REDIS_URL", "",
                     "DB_CIRCUIT_PROBE_INTERVAL_MS", "200"))) {
            String key = ChaosSupport.newOrganization(server, "enterprise");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean down = new AtomicBoolean(false);
            Map<Integer, AtomicInteger> duringOutage = new ConcurrentHashMap<>();
            List<String> wrong = new CopyOnWriteArrayList<>();
            AtomicLong knownDownAt = new AtomicLong(Long.MAX_VALUE);
            List<Long> knownDownMillis = new CopyOnWriteArrayList<>();
            AtomicLong firstCreatedAt = new AtomicLong(Long.MAX_VALUE);
            ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
            for (int c = 0; c < 16; c++) {
                clients.submit(() -> {
                    int i = 0;
                    while (running.get()) {
                        long start = System.nanoTime();
                        try {
                            HttpResponse<String> r = server.post("/api/events", key, event("chaos.pg", null, i++));
                            long ms = (System.nanoTime() - start) / 1_000_000;
                            int s = r.statusCode();
                            if (s != 201 && s != 503) {
                                wrong.add(s + " " + r.body());
                            }
                            if (s == 503 && r.headers().firstValue("Retry-After").isEmpty()) {
                                wrong.add("503 without Retry-After");
                            }
                            if (down.get()) {
                                duringOutage.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                                if (s == 503 && ms > 3000) {
                                    wrong.add("503 after " + ms + " ms");
                                }
                                if (s == 503 && start > knownDownAt.get()) {
                                    knownDownMillis.add(ms);
                                }
                            } else if (s == 201) {
                                firstCreatedAt.accumulateAndGet(System.nanoTime(), Math::min);
                            }
                            if (s == 503) {
                                Thread.sleep(20); // a client backing off a little; fast 503s would otherwise spin
                            }
                        } catch (Exception e) {
                            wrong.add("no answer: " + e);
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(2000);
            int threadsBefore = gauge(server, "thread_count");

            pg.kill();
            down.set(true);
            assertThat(awaitReady(server, 503, 5000), is(true));
            knownDownAt.set(System.nanoTime());
            Thread.sleep(4000);
            assertThat(duringOutage.getOrDefault(503, new AtomicInteger()).get(), greaterThan(10));
            assertThat(gauge(server, "db_pool_total"), lessThanOrEqualTo(gauge(server, "db_pool_max")));
            List<Long> latencies = knownDownMillis.stream().sorted().toList();
            assertThat(latencies.size(), greaterThan(100));
            // Before the circuit each one waited the pool's 1 s; the tail is left room for a CPU shared with other work.
            assertThat("median of the 503s once the outage is known, ms", latencies.get(latencies.size() / 2), lessThan(100L));
            assertThat("p95 of the 503s once the outage is known, ms", latencies.get(latencies.size() * 95 / 100), lessThan(500L));
            assertThat(gauge(server, "db_circuit_open"), is(1));

            firstCreatedAt.set(Long.MAX_VALUE);
            down.set(false);
            pg.start();
            long back = System.nanoTime();
            assertThat("ready again without a restart", awaitReady(server, 200, 15000), is(true));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int status = 0;
            while (System.nanoTime() < deadline && status != 201) {
                status = server.post("/api/events", key, event("chaos.pg", null, 0)).statusCode();
            }
            assertThat(status, is(201));
            assertThat("ms from PostgreSQL accepting connections to the first 201",
                    TimeUnit.NANOSECONDS.toMillis(Math.min(firstCreatedAt.get(), System.nanoTime()) - back), lessThan(3000L));
            assertThat(gauge(server, "db_circuit_open"), is(0));
            Thread.sleep(2000);
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS), is(true));

            assertThat(wrong, is(empty()));
            // No thread leak: the outage left no stuck threads behind (virtual threads are not in this count).
            assertThat(gauge(server, "thread_count"), lessThan(threadsBefore + 10));
            assertThat(gauge(server, "db_pool_active"), is(0));
        }
    }

    private static boolean awaitReady(ServerProcess server, int status, long millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (server.get("/health/ready").statusCode() == status) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The value of a gauge on /metrics (first series of that name). */
    static int gauge(ServerProcess server, String name) throws Exception {
        String text = server.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*\\} ([0-9.E+-]+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no gauge " + name + " in /metrics");
        }
        return (int) Double.parseDouble(m.group(1));
    }
}
