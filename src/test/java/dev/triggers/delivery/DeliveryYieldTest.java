package dev.triggers.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggers.events.IngestPressure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * Deliveries yield to ingestion: while the ingest requests in progress on this instance average
 * {@code delivery.yield.ingest-threshold}, the engine claims at most {@code delivery.yield.max-per-second} events a
 * second, and keeps delivering at that pace; once they are answered it goes back to full speed. (How the average is
 * taken: {@code IngestPressureTest}.)
 */
class DeliveryYieldTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int THRESHOLD = 4;
    /** Low, so that "full speed" stands out from it even on a 2-core box shared with other work. */
    private static final int PACE = 5;
    /** What the pace's bucket holds: two claims' worth (one event each at this pace). */
    private static final int BUCKET = 2;
    private static final int EVENTS = 200;
    private static final Pattern YIELDING = Pattern.compile("(?m)^delivery_yielding(?:\\{[^}]*})? ([0-9.]+)");
    private static DeliveryHarness h;

    @BeforeAll
    static void start() {
        h = DeliveryHarness.start(Map.of("DELIVERY_YIELD_INGEST_THRESHOLD", Integer.toString(THRESHOLD),
                "DELIVERY_YIELD_MAX_PER_SECOND", Integer.toString(PACE), "DELIVERY_YIELD_WINDOW_MS", "100"));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @BeforeEach
    void noPressureLeftOver() {
        Eventually.until(WAIT, () -> !yieldingMetric(), () -> "still yielding");
    }

    /** Whether /metrics says delivery is yielding. */
    private static boolean yieldingMetric() {
        String text = h.api.get("/metrics", null).text();
        Matcher m = YIELDING.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no delivery_yielding gauge in /metrics");
        }
        return Double.parseDouble(m.group(1)) == 1.0;
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    @Test
    void underIngestPressureDeliveriesGoAtTheYieldPaceWithoutStoppingThenAtFullSpeedOnceItEnds() throws Exception {
        IngestPressure pressure = h.app.ingestPressure();
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            for (int i = 0; i < THRESHOLD; i++) {
                pressure.enter(); // THRESHOLD ingest requests in progress
            }
            int duringPressure;
            double pressureSeconds;
            try {
                Eventually.until(WAIT, DeliveryYieldTest::yieldingMetric, () -> "not yielding");
                long start = System.nanoTime();
                h.ingest(org.id(), EVENTS);
                int before = 0;
                for (int second = 0; second < 3; second++) {
                    sleep(1000);
                    int now = receiver.count();
                    assertThat("deliveries in second " + second + " under pressure", now, greaterThan(before));
                    before = now;
                }
                duringPressure = receiver.count();
                pressureSeconds = (System.nanoTime() - start) / 1e9;
            } finally {
                for (int i = 0; i < THRESHOLD; i++) {
                    pressure.exit();
                }
            }
            // At most the pace, plus what the bucket held at the start.
            assertThat("deliveries in " + pressureSeconds + " s under pressure", duringPressure,
                    lessThanOrEqualTo((int) (PACE * pressureSeconds) + BUCKET));

            long released = System.nanoTime();
            receiver.awaitCount(EVENTS, WAIT);
            double perSecond = (EVENTS - duringPressure) / ((System.nanoTime() - released) / 1e9);
            assertThat("deliveries/s once the pressure ended (the first window still yields)", perSecond,
                    greaterThan(3.0 * PACE));
            assertThat(yieldingMetric(), is(false));
        }
    }

    @Test
    void belowTheThresholdDeliveriesRunAtFullSpeed() throws Exception {
        IngestPressure pressure = h.app.ingestPressure();
        try (Receiver receiver = Receiver.ok()) {
            DeliveryHarness.Org org = h.organization(receiver.url());
            for (int i = 0; i < THRESHOLD - 1; i++) {
                pressure.enter(); // busy, but below the threshold: like traffic a server keeps up with
            }
            try {
                Thread.sleep(300); // a few windows at that average
                long start = System.nanoTime();
                h.ingest(org.id(), EVENTS);
                assertThat(yieldingMetric(), is(false));
                receiver.awaitCount(EVENTS, WAIT);
                double perSecond = EVENTS / ((System.nanoTime() - start) / 1e9);
                assertThat("deliveries/s with " + (THRESHOLD - 1) + " ingest requests in progress", perSecond,
                        greaterThan(3.0 * PACE));
            } finally {
                for (int i = 0; i < THRESHOLD - 1; i++) {
                    pressure.exit();
                }
            }
        }
    }

    @Test
    void ingestRequestsCountAsPressureFromTheirStartUntilTheyAreAnswered() throws Exception {
        IngestPressure pressure = h.app.ingestPressure();
        String key = h.api.newOrganization(); // no webhook: nothing to deliver, only ingestion
        assertThat(h.api.post("/api/events", key, "{\"type\":\"t\",\"payload\":{}}").status(), is(201));
        assertThat(h.api.post("/api/events/batch", key, "{\"events\":[{\"type\":\"t\",\"payload\":{}}]}").status(),
                is(200));
        // The handler returns just after the answer is written: its count ends a moment after the client has it.
        Eventually.until(WAIT, () -> pressure.inProgress() == 0,
                () -> pressure.inProgress() + " answered still in progress");

        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < THRESHOLD; i++) {
                // Headers sent, body still coming: the request is in its handler, waiting to read.
                stalled.add(stalledRequest(i % 2 == 0 ? "/api/events" : "/api/events/batch", key));
            }
            Eventually.until(WAIT, () -> pressure.inProgress() == THRESHOLD,
                    () -> pressure.inProgress() + " ingest requests in progress");
            Eventually.until(WAIT, DeliveryYieldTest::yieldingMetric, () -> "not yielding");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        Eventually.until(WAIT, () -> pressure.inProgress() == 0, () -> pressure.inProgress() + " still in progress");
        Eventually.until(WAIT, () -> !yieldingMetric(), () -> "still yielding after the requests ended");
    }

    private static Socket stalledRequest(String path, String key) throws IOException {
        Socket s = new Socket("127.0.0.1", h.server.port());
        OutputStream out = s.getOutputStream();
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "X-API-Key: " + key + "\r\nContent-Length: 1000\r\n\r\n{\"type\":";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }
}
