package dev.triggers.ratelimit;

/**
 * Counts events against an organization's quota: a fixed window of {@code windowMillis} that opens with the first
 * event and holds at most {@code limit} events. That gives the contract's "burst of N, at most N per minute".
 *
 * <p>A request asking for more than what remains is refused whole and consumes nothing.
 */
public interface RateLimiter {
    /** Takes {@code permits} from {@code key}'s window if they all fit. */
    Decision acquire(String key, int limit, int permits);

    /** The state of {@code key}'s window without taking anything (for responses that never reached the limiter). */
    default Decision peek(String key, int limit) {
        return acquire(key, limit, 0);
    }

    /**
     * The outcome: whether the permits were taken, the limit, what remains, and the milliseconds until the window
     * closes (the quota is whole again then).
     */
    record Decision(boolean allowed, int limit, int remaining, long resetMillis) {
        /** Whole seconds until the quota is whole again, rounded up (headers speak in seconds). */
        public long resetSeconds() {
            return Math.max(1, (resetMillis + 999) / 1000);
        }
    }
}
