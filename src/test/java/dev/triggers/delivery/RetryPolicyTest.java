package dev.triggers.delivery;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(1000, 16000);
    private final Instant now = Instant.parse("2026-11-27T10:00:00Z");

    @RepeatedTest(20)
    void backoffDoublesFromTheInitialDelayWithTwentyPercentJitterAndStopsAtTheCap() {
        long[] bases = {1000, 2000, 4000, 8000, 16000, 16000, 16000};
        for (int attempt = 1; attempt <= bases.length; attempt++) {
            long base = bases[attempt - 1];
            assertThat("attempt " + attempt, policy.backoffMs(attempt),
                    allOf(greaterThanOrEqualTo((long) (base * 0.8)), lessThanOrEqualTo(Math.min(16000, (long) (base * 1.2)))));
        }
    }

    @Test
    void retryAfterSecondsIsHonouredOn429And503() {
        assertThat(policy.delayMs(1, 429, "7", now), is(7000L));
        assertThat(policy.delayMs(1, 503, " 3 ", now), is(3000L));
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(5).atZone(ZoneOffset.UTC));
        assertThat(policy.delayMs(1, 503, date, now), is(5000L));
    }

    @Test
    void retryAfterIsCappedByTheBackoffCap() {
        assertThat(policy.delayMs(1, 429, "3600", now), is(16000L));
    }

    @Test
    void retryAfterIsIgnoredOnOtherStatusesAndWhenMalformed() {
        assertThat(policy.delayMs(1, 500, "7", now), allOf(greaterThanOrEqualTo(800L), lessThanOrEqualTo(1200L)));
        assertThat(policy.delayMs(1, 429, "soon", now), allOf(greaterThanOrEqualTo(800L), lessThanOrEqualTo(1200L)));
    }
}
