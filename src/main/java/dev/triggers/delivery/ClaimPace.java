package dev.triggers.delivery;

import java.util.concurrent.TimeUnit;

/**
 * The pace of claims while deliveries yield to ingestion: a token bucket filled at {@code perSecond} events per
 * second. The engine claims once a burst ({@code burst}: a twentieth of a second of the rate, at most a claim batch)
 * has filled, so yielding costs ~20 small claims a second, not one per event. The bucket holds two bursts, so the
 * time a claim itself takes (or a late wake-up) is made up by the next claim instead of lost. Claimer thread only.
 */
final class ClaimPace {
    private final double perNano;
    private final int burst;
    private double tokens;
    private long last = System.nanoTime();

    ClaimPace(int perSecond, int claimBatch) {
        this.perNano = perSecond / (double) TimeUnit.SECONDS.toNanos(1);
        this.burst = Math.max(1, Math.min(claimBatch, perSecond / 20));
        this.tokens = burst;
    }

    /** How many events may be claimed now: 0 until a burst has filled, then up to two bursts. */
    int allowance() {
        long now = System.nanoTime();
        tokens = Math.min(2.0 * burst, tokens + (now - last) * perNano);
        last = now;
        return tokens >= burst ? (int) tokens : 0;
    }

    /** {@code n} events were claimed. */
    void took(int n) {
        tokens = Math.max(0, tokens - n);
    }

    /** How long until {@link #allowance()} is a burst again. */
    long millisUntilBurst() {
        return Math.max(1, (long) Math.ceil((burst - tokens) / perNano / TimeUnit.MILLISECONDS.toNanos(1)));
    }
}
