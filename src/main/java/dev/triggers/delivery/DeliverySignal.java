package dev.triggers.delivery;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The in-process doorbell between ingestion and the delivery engine: the event writer rings it after committing
 * events that have a webhook to go to, so the engine claims them at once instead of at its next poll.
 *
 * <p>Rings coalesce: any number of rings while the engine is busy wake it once.
 */
public final class DeliverySignal {
    private final Semaphore bell = new Semaphore(0);

    public void ring() {
        if (bell.availablePermits() == 0) {
            bell.release();
        }
    }

    /** Waits until rung or until {@code maxWaitMillis} passes; true if it was rung. */
    public boolean await(long maxWaitMillis) throws InterruptedException {
        boolean rung = bell.tryAcquire(maxWaitMillis, TimeUnit.MILLISECONDS);
        if (rung) {
            bell.drainPermits();
        }
        return rung;
    }
}
