package dev.triggers.delivery;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process doorbell between ingestion and the delivery engine: the event writer rings it after committing
 * events that have a webhook to go to, so the engine claims them at once instead of at its next poll.
 *
 * <p>Rings coalesce: any number of rings while the engine is busy wake it once.
 */
public final class DeliverySignal {
    private final Semaphore bell = new Semaphore(0);
    private final AtomicLong rings = new AtomicLong();

    /** Events may have become due: new, redelivered, released, or scheduled for retry. */
    public void ring() {
        rings.incrementAndGet();
        wake();
    }

    /** Wakes the engine without news of due events (its own attempts freed slots). */
    void wake() {
        if (bell.availablePermits() == 0) {
            bell.release();
        }
    }

    /** How many times {@link #ring()} was called: unchanged means no event became due through a ring since. */
    long rings() {
        return rings.get();
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
