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
 * PostgreSQL dies under load: only 503 + Retry-After (fast, not after a long hang), readiness 503, no thread or
 * connection leak; PostgreSQL comes back: 201s again without restarting the server.
 */
@Tag("chaos")
class PostgresFaultsTest {
    @Test
    void onlyFast503sWhileThePrimaryIsDownAndRecoveryWithoutRestart() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create();
             ServerProcess server = ServerProcess.start("pg-faults", Map.of("DB_URL", pg.jdbcUrl("postgres"), "REDIS_URL", ""))) {
            String key = ChaosSupport.newOrganization(server, "enterprise");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean down = new AtomicBoolean(false);
            Map<Integer, AtomicInteger> duringOutage = new ConcurrentHashMap<>();
            List<String> wrong = new CopyOnWriteArrayList<>();
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
            Thread.sleep(4000);
            assertThat(duringOutage.getOrDefault(503, new AtomicInteger()).get(), greaterThan(10));
            assertThat(gauge(server, "db_pool_total"), lessThanOrEqualTo(gauge(server, "db_pool_max")));

            pg.start();
            down.set(false);
            assertThat("ready again without a restart", awaitReady(server, 200, 15000), is(true));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int status = 0;
            while (System.nanoTime() < deadline && status != 201) {
                status = server.post("/api/events", key, event("chaos.pg", null, 0)).statusCode();
            }
            assertThat(status, is(201));
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
