package dev.triggers.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try again: exponential backoff from {@code initial}, doubling, with ±20 % jitter so retries of a burst
 * spread out instead of hitting a recovering receiver together, never beyond {@code max}; a receiver's
 * {@code Retry-After} on 429/503 replaces the computed delay, also capped by {@code max}.
 */
public record RetryPolicy(long initialMs, long maxMs) {
    static final double JITTER = 0.2;

    /** The delay after attempt number {@code attempt} (1 = the first attempt) failed. */
    public long backoffMs(int attempt) {
        double base = initialMs * Math.pow(2, Math.min(attempt - 1, 30));
        double jittered = base * (1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER));
        return Math.max(1, Math.min(maxMs, Math.round(jittered)));
    }

    /** The delay after a failed attempt, honouring {@code Retry-After} (seconds or an HTTP date) on 429 and 503. */
    public long delayMs(int attempt, int statusCode, String retryAfter, Instant now) {
        if ((statusCode == 429 || statusCode == 503) && retryAfter != null) {
            OptionalLong asked = retryAfterMs(retryAfter, now);
            if (asked.isPresent()) {
                return Math.min(maxMs, Math.max(0, asked.getAsLong()));
            }
        }
        return backoffMs(attempt);
    }

    static OptionalLong retryAfterMs(String value, Instant now) {
        String v = value.trim();
        try {
            return OptionalLong.of(Math.multiplyExact(Long.parseLong(v), 1000L));
        } catch (NumberFormatException | ArithmeticException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return OptionalLong.of(Duration.between(now, at).toMillis());
            } catch (DateTimeParseException notADate) {
                return OptionalLong.empty();
            }
        }
    }
}
