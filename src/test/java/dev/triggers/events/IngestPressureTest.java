package dev.triggers.events;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The pressure delivery yields to: the average number of ingest requests in progress over a window, raised at the
 * threshold and lowered below half of it. Windows of 50 ms here; every state is held for several windows.
 */
class IngestPressureTest {
    private static final int THRESHOLD = 4;
    private final IngestPressure pressure = new IngestPressure(THRESHOLD, 50);

    /** Keeps {@code n} requests in progress (relative to now) for {@code millis}, asking as the engine does. */
    private boolean hold(int from, int to, long millis) throws InterruptedException {
        for (int i = from; i < to; i++) {
            pressure.enter();
        }
        for (int i = to; i < from; i++) {
            pressure.exit();
        }
        long end = System.nanoTime() + millis * 1_000_000;
        boolean raised = false;
        while (System.nanoTime() < end) {
            raised = pressure.raised();
            Thread.sleep(5);
        }
        return raised;
    }

    @Test
    void raisedAtTheThresholdAndLoweredOnlyBelowHalfOfIt() throws InterruptedException {
        assertThat("3 in progress", hold(0, 3, 250), is(false));
        assertThat("4 in progress", hold(3, 4, 250), is(true));
        assertThat("back to 2: half the threshold still counts as pressure", hold(4, 2, 250), is(true));
        assertThat("1 in progress", hold(2, 1, 250), is(false));
        assertThat("3 again: below the threshold", hold(1, 3, 250), is(false));
        assertThat(pressure.inProgress(), is(3));
    }

    @Test
    void briefSpikesAboveTheThresholdAreNotPressure() throws InterruptedException {
        // Like group commits answering every waiting request at once: 10 in progress for ~2 ms of every 25 ms.
        long end = System.nanoTime() + 300_000_000L;
        boolean everRaised = false;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10; i++) {
                pressure.enter();
            }
            Thread.sleep(2);
            for (int i = 0; i < 10; i++) {
                pressure.exit();
            }
            everRaised |= pressure.raised();
            Thread.sleep(23);
        }
        assertThat(everRaised, is(false));
        assertThat(pressure.inProgress(), is(0));
    }

    @Test
    void aThresholdOfZeroIsNeverRaised() throws InterruptedException {
        IngestPressure off = new IngestPressure(0, 50);
        for (int i = 0; i < 100; i++) {
            off.enter();
        }
        Thread.sleep(120);
        assertThat(off.raised(), is(false));
    }
}
