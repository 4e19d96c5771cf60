package dev.triggers.chaos;

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

import dev.triggers.testing.ScratchPostgres;
import dev.triggers.testing.ScratchRedis;
import dev.triggers.testing.ServerProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static dev.triggers.chaos.ChaosSupport.count;
import static dev.triggers.chaos.ChaosSupport.event;
import static dev.triggers.chaos.ChaosSupport.json;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * SIGKILL during a 32-connection ingest burst, then restart: every 201 is stored, and clients that retry their
 * unanswered requests with the same dedup_id get 201 or 409, never a second copy.
 */
@Tag("chaos")
class KillDuringIngestTest {
    private static final int CLIENTS = 32;

    /** What one client knows about one dedup_id it sent. */
    private record Sent(String dedupId, String acknowledgedId) {
    }

    @Test
    void everyAcknowledgedEventSurvivesAndRetriesNeverDuplicate() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create(); ScratchRedis redis = ScratchRedis.create()) {
            String db = pg.jdbcUrl("postgres");
            Map<String, String> env = Map.of("DB_URL", db, "REDIS_URL", redis.url());
            ServerProcess server = ServerProcess.start("kill-ingest", env);
            String key;
            Set<Sent> acknowledged = ConcurrentHashMap.newKeySet();
            Set<String> unanswered = ConcurrentHashMap.newKeySet();
            try {
                key = ChaosSupport.newOrganization(server, "enterprise");
                CountDownLatch enough = new CountDownLatch(500);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
                String k = key;
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.submit(() -> {
                        for (int i = 0; i < 100_000; i++) {
                            String dedup = "c" + client + "-" + i;
                            try {
                                HttpResponse<String> r = server.post("/api/events", k, event("chaos.kill", dedup, i));
                                if (r.statusCode() == 201) {
                                    acknowledged.add(new Sent(dedup, json(r).get("id").asText()));
                                    enough.countDown();
                                } else {
                                    unanswered.add(dedup);
                                }
                            } catch (Exception gone) {
                                unanswered.add(dedup); // sent, or maybe not: the server died under it
                                return;
                            }
                        }
                    });
                }
                assertThat(enough.await(60, TimeUnit.SECONDS), is(true));
                server.kill();
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS), is(true));
            } finally {
                server.kill();
            }
            assertThat(acknowledged.size(), greaterThan(499));

            // Every acknowledged event is there, after a crash that flushed nothing.
            List<String> ids = acknowledged.stream().map(Sent::acknowledgedId).toList();
            assertThat(count(db, "SELECT count(*) FROM events WHERE id = ANY ('{" + String.join(",", ids) + "}'::uuid[])"),
                    is((long) ids.size()));

            // Clients retry whatever got no answer, with the same dedup_id, against the restarted server.
            server.start();
            try {
                List<String> wrong = new ArrayList<>();
                for (String dedup : unanswered) {
                    HttpResponse<String> r = server.post("/api/events", key, event("chaos.kill", dedup, -1));
                    if (r.statusCode() != 201 && r.statusCode() != 409) {
                        wrong.add(dedup + " -> " + r.statusCode());
                    }
                }
                assertThat(wrong, is(empty()));
                for (Sent s : acknowledged.stream().limit(50).toList()) {
                    HttpResponse<String> r = server.post("/api/events", key, event("chaos.kill", s.dedupId(), -1));
                    assertThat(r.statusCode(), is(409));
                    assertThat(json(r).get("existing_event_id").asText(), is(s.acknowledgedId()));
                }
            } finally {
                server.kill();
            }
            assertThat(count(db, "SELECT count(*) FROM (SELECT dedup_id FROM events GROUP BY dedup_id HAVING count(*) > 1) d"),
                    is(0L));
            assertThat(count(db, "SELECT count(*) FROM events"),
                    is(count(db, "SELECT count(DISTINCT dedup_id) FROM events")));
        }
    }
}
