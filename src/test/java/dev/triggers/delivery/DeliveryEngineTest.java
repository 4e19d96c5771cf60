package dev.triggers.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient.Reply;
import dev.triggers.delivery.DeliveryFixture.EventRow;
import dev.triggers.delivery.Receiver.Request;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.json.Json;
import dev.triggers.webhooks.WebhookSignatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** Push delivery end to end: a real server and engine, PostgreSQL, and a fake receiver on loopback. */
class DeliveryEngineTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static DeliveryHarness h;

    @BeforeAll
    static void start() {
        h = DeliveryHarness.start(Map.of("DELIVERY_MAX_ATTEMPTS", "3", "DELIVERY_INITIAL_BACKOFF_MS", "100",
                "DELIVERY_MAX_BACKOFF_MS", "1500", "DELIVERY_TIMEOUT_MS", "2000", "DELIVERY_PER_ORG_CONCURRENCY", "4"));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void awaitStatus(UUID event, DeliveryStatus status) {
        Eventually.until(WAIT, () -> h.fixture.row(event).status() == status.code(), () -> "event is " + h.fixture.row(event));
    }

    @Test
    void aNewEventIsPostedSignedPerStandardWebhooksAndMarkedDelivered() throws Exception {
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            receiver.awaitCount(1, WAIT);
            awaitStatus(event, DeliveryStatus.DELIVERED);

            Request r = receiver.requests().getFirst();
            assertThat(r.id(), is(event.toString()));
            assertThat(r.headers().getFirst("Content-Type"), is("application/json"));
            assertThat(r.headers().getFirst("User-Agent"), is("triggers-api/1.0.0"));
            long ts = Long.parseLong(r.timestamp());
            assertThat(Math.abs(ts - Instant.now().getEpochSecond()), lessThanOrEqualTo(5L));
            assertThat(r.signature(), is(WebhookSignatures.sign(WebhookSignatures.keyBytes(org.secret()), r.id(), ts,
                    r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("id").asText(), is(event.toString()));
            assertThat(body.get("type").asText(), is("order.created"));
            assertThat(body.get("payload").get("note").asText(), is("café"));
            assertThat(body.get("dedup_id").asText(), is("dedup-" + event));
            assertThat(body.get("created_at").asText(), notNullValue());

            EventRow row = h.fixture.row(event);
            assertThat(row.attempts(), is(1));
            assertThat(row.lastStatusCode(), is(200));
            assertThat(row.nextAttemptAt(), nullValue());
            assertThat(row.deliveredAt(), notNullValue());
            assertThat(h.fixture.attemptCodes(event), contains(200));
        }
    }

    @Test
    void failedAttemptsAreRetriedWithGrowingGaps() {
        try (Receiver receiver = Receiver.start((r, n) -> Receiver.Reply.of(500))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            receiver.awaitCount(3, WAIT);
            awaitStatus(event, DeliveryStatus.FAILED);
            List<Request> got = receiver.requests();
            double gap1 = (got.get(1).receivedNanos() - got.get(0).receivedNanos()) / 1e6;
            double gap2 = (got.get(2).receivedNanos() - got.get(1).receivedNanos()) / 1e6;
            // 100 ms then 200 ms, each ±20 %: the second gap is always the longer one.
            assertThat(gap1, greaterThanOrEqualTo(80.0));
            assertThat(gap2, greaterThanOrEqualTo(160.0));
            assertThat(gap2, greaterThan(gap1));
            assertThat(gap2, lessThan(1000.0));
            assertThat(h.fixture.attemptCodes(event), contains(500, 500, 500));
            assertThat(got.stream().map(Request::id).distinct().count(), is(1L));
        }
    }

    @Test
    void retriesThenSuccessEndsDelivered() {
        try (Receiver receiver = Receiver.start((r, n) -> Receiver.Reply.of(n < 2 ? 502 : 200))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            awaitStatus(event, DeliveryStatus.DELIVERED);
            assertThat(h.fixture.attemptCodes(event), contains(502, 502, 200));
            EventRow row = h.fixture.row(event);
            assertThat(row.attempts(), is(3));
            assertThat(row.lastError(), nullValue());
        }
    }

    @Test
    void exhaustedEventsFailStayInTheInboxAndRedeliverBringsThemHome() {
        boolean[] accept = {false};
        try (Receiver receiver = Receiver.start((r, n) -> Receiver.Reply.of(accept[0] ? 200 : 500))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            awaitStatus(event, DeliveryStatus.FAILED);
            EventRow failed = h.fixture.row(event);
            assertThat(failed.attempts(), is(3));
            assertThat(failed.nextAttemptAt(), nullValue());
            assertThat(failed.lastStatusCode(), is(500));
            assertThat(failed.lastError(), containsString("500"));

            accept[0] = true;
            Reply r = h.api.post("/api/events/" + event + "/redeliver", org.key(), null);
            assertThat(r.status(), is(202));
            assertThat(r.json().get("status").asText(), is("pending"));
            assertThat(r.json().get("attempts").asInt(), is(0));
            awaitStatus(event, DeliveryStatus.DELIVERED);
            assertThat(h.fixture.row(event).attempts(), is(1));
            assertThat(h.fixture.attemptCodes(event), contains(500, 500, 500, 200));

            // Delivered events can be pushed again too.
            assertThat(h.api.post("/api/events/" + event + "/redeliver", org.key(), null).status(), is(202));
            receiver.awaitCount(5, WAIT);
        }
    }

    @Test
    void redeliverIs404ForUnknownMalformedAndForeignIds() {
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org owner = h.organization(receiver.url());
            DeliveryHarness.Org other = h.organization(receiver.url());
            UUID event = h.fixture.event(owner.id());
            assertThat(h.api.post("/api/events/" + event + "/redeliver", other.key(), null).status(), is(404));
            assertThat(h.api.post("/api/events/" + UUID.randomUUID() + "/redeliver", owner.key(), null).status(), is(404));
            assertThat(h.api.post("/api/events/not-a-uuid/redeliver", owner.key(), null).status(), is(404));
            assertThat(h.api.post("/api/events/" + event + "/redeliver", null, null).status(), is(401));
        }
    }

    @Test
    void redeliverWithoutAWebhookOnlyResetsTheEventForTheInbox() {
        String key = h.api.newOrganization();
        UUID org = UUID.fromString(h.api.get("/api/keys", key).json().get("organization_id").asText());
        UUID event = h.fixture.event(org);
        h.fixture.update("UPDATE events SET status = 3, attempts = 5, next_attempt_at = NULL WHERE id = ?", event);
        Reply r = h.api.post("/api/events/" + event + "/redeliver", key, null);
        assertThat(r.status(), is(202));
        assertThat(r.json().get("next_attempt_at").isNull(), is(true));
        EventRow row = h.fixture.row(event);
        assertThat(row.status(), is(0));
        assertThat(row.attempts(), is(0));
        assertThat(row.nextAttemptAt(), nullValue());
    }

    @Test
    void retryAfterOn429IsHonoured() {
        try (Receiver receiver = Receiver.start((r, n) -> n == 0
                ? new Receiver.Reply(429, Map.of("Retry-After", "1")) : Receiver.Reply.of(200))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            awaitStatus(event, DeliveryStatus.DELIVERED);
            List<Request> got = receiver.requests();
            double gap = (got.get(1).receivedNanos() - got.get(0).receivedNanos()) / 1e6;
            // Without Retry-After the first retry would come after 100 ms ± 20 %.
            assertThat(gap, greaterThanOrEqualTo(950.0));
            assertThat(h.fixture.attemptCodes(event), contains(429, 200));
        }
    }

    @Test
    void theConfiguredPathAndQueryReachTheReceiverUnchanged() {
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org org = h.organization(receiver.url() + "?tenant=a%20b&x=1");
            UUID event = h.ingest(org.id());
            awaitStatus(event, DeliveryStatus.DELIVERED);
            assertThat(receiver.requests().getFirst().target(), is("/hook?tenant=a%20b&x=1"));
        }
    }

    @Test
    void aReceiverSilentPastTheTimeoutCostsOneTimedOutAttempt() {
        try (Receiver receiver = Receiver.start((r, n) -> {
            if (n == 0) {
                Thread.sleep(6000);
            }
            return Receiver.Reply.of(200);
        })) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            awaitStatus(event, DeliveryStatus.DELIVERED);
            assertThat(h.fixture.attemptErrors(event).getFirst(), is("timed out after 2000 ms"));
            assertThat(h.fixture.attemptCodes(event), contains(null, 200));
        }
    }

    /**
     * The lease assumes no attempt outlives {@code timeout-ms}: a receiver that answers one header byte at a time,
     * each well within the socket read timeout, is still cut off at the deadline.
     */
    @Test
    void aReceiverDrippingItsAnswerIsCutOffAtTheDeadline() throws Exception {
        try (java.net.ServerSocket dripper = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> drip(dripper));
            DeliveryHarness.Org org = h.organization("http://127.0.0.1:" + dripper.getLocalPort() + "/hook");
            UUID event = h.ingest(org.id());
            Eventually.until(WAIT, () -> !h.fixture.attemptErrors(event).isEmpty(), () -> "no attempt recorded");
            assertThat(h.fixture.attemptErrors(event).getFirst(), is("timed out after 2000 ms"));
            assertThat(h.fixture.count("SELECT count(*) FROM delivery_attempts WHERE event_id = ? AND duration_ms >= 3000", event), is(0L));
            h.api.delete("/api/webhook/config", org.key());
        }
    }

    private static void drip(java.net.ServerSocket server) {
        while (!server.isClosed()) {
            try {
                java.net.Socket s = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.getInputStream().read(new byte[65536]);
                        byte[] answer = "HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                        for (int i = 0; ; i++) {
                            s.getOutputStream().write(i < answer.length ? answer[i] : 'a');
                            s.getOutputStream().flush();
                            Thread.sleep(200);
                        }
                    } catch (Exception closed) {
                        // the engine hung up
                    }
                });
            } catch (java.io.IOException closed) {
                return;
            }
        }
    }

    @Test
    void goneDisablesTheWebhookAndLeavesEventsInTheInbox() {
        try (Receiver receiver = Receiver.start((r, n) -> Receiver.Reply.of(410))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            Eventually.until(WAIT, () -> h.fixture.webhookUrl(org.id()) == null, () -> "webhook still " + h.fixture.webhookUrl(org.id()));
            awaitStatus(event, DeliveryStatus.FAILED);
            assertThat(h.fixture.row(event).lastStatusCode(), is(410));
            assertThat(h.api.get("/api/keys", org.key()).json().get("webhook_url").isNull(), is(true));
            assertThat(receiver.count(), is(1));

            // Push is off: a new event is not due, and a redelivery only resets it for the inbox.
            UUID later = h.fixture.event(org.id());
            Reply r = h.api.post("/api/events/" + later + "/redeliver", org.key(), null);
            assertThat(r.json().get("next_attempt_at").isNull(), is(true));
        }
    }

    @Test
    void anEventAckedWhileItsAttemptIsInFlightEndsDeliveredAndIsNotRetried() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start((r, n) -> {
            held.countDown();
            release.await(5, TimeUnit.SECONDS);
            return Receiver.Reply.of(500);
        })) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            assertThat(held.await(10, TimeUnit.SECONDS), is(true));
            h.fixture.ack(event);
            release.countDown();
            Eventually.until(WAIT, () -> h.fixture.attemptCodes(event).size() == 1, () -> "attempts " + h.fixture.attemptCodes(event));
            EventRow row = h.fixture.row(event);
            assertThat(row.status(), is(DeliveryStatus.DELIVERED.code()));
            assertThat(row.nextAttemptAt(), nullValue());
            assertThat(h.fixture.attemptCodes(event), contains(500));
        }
    }

    @Test
    void aSlowReceiverOfOneOrganizationDoesNotDelayAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Receiver slow = Receiver.start((r, n) -> {
            release.await(10, TimeUnit.SECONDS);
            return Receiver.Reply.of(200);
        }); Receiver fast = Receiver.ok()) {
            DeliveryHarness.Org a = h.organization(slow.url());
            DeliveryHarness.Org b = h.organization(fast.url());
            h.ingest(a.id(), 50);
            slow.awaitCount(4, WAIT);
            long start = System.nanoTime();
            UUID bEvent = h.ingest(b.id());
            awaitStatus(bEvent, DeliveryStatus.DELIVERED);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat("B waited " + ms + " ms", ms, lessThan(1000L));
            // Org A never had more than its 4 slots in flight, though 50 of its events were due.
            assertThat(slow.count(), is(4));
            release.countDown();
        }
    }

    @Test
    void afterARotationDeliveriesCarryTheNewAndTheOldSignature() {
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            Reply rotated = h.api.post("/api/webhook/rotate-secret", org.key(), null);
            String fresh = rotated.json().get("webhook_secret").asText();
            UUID event = h.ingest(org.id());
            receiver.awaitCount(1, WAIT);
            Request r = receiver.requests().getFirst();
            byte[] body = r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            long ts = Long.parseLong(r.timestamp());
            assertThat(r.signature(), is(WebhookSignatures.sign(WebhookSignatures.keyBytes(fresh), event.toString(), ts, body)
                    + " " + WebhookSignatures.sign(WebhookSignatures.keyBytes(org.secret()), event.toString(), ts, body)));
        }
    }

    @Test
    void removingTheWebhookStopsPushButKeepsEventsInTheInbox() {
        try (Receiver receiver = Receiver.start((r, n) -> Receiver.Reply.of(500))) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            UUID event = h.ingest(org.id());
            receiver.awaitCount(1, WAIT);
            assertThat(h.api.delete("/api/webhook/config", org.key()).status(), is(204));
            Eventually.until(WAIT, () -> h.fixture.row(event).nextAttemptAt() == null && h.fixture.attemptCodes(event).size() >= 1,
                    () -> "event " + h.fixture.row(event));
            int seen = receiver.count();
            assertThat(h.fixture.count("SELECT count(*) FROM events WHERE id = ?", event), is(1L));
            assertThat(h.fixture.row(event).status(), lessThanOrEqualTo(1));
            // At most the attempt that was in flight when the webhook went away.
            assertThat(seen, lessThanOrEqualTo(2));
        }
    }
}
