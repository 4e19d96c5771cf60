package dev.triggers.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggers.ratelimit.RateLimiter.Decision;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/** What every {@link RateLimiter} must do; each implementation's test extends this. */
abstract class RateLimiterContract {
    static final long WINDOW_MILLIS = 60_000;

    /** A limiter with the given window, over state no other test shares. */
    abstract RateLimiter limiter(long windowMillis);

    static String key() {
        return UUID.randomUUID().toString();
    }

    @Test
    void allowsABurstOfTheLimitThenRefuses() {
        RateLimiter limiter = limiter(WINDOW_MILLIS);
        String key = key();
        for (int i = 1; i <= 5; i++) {
            Decision d = limiter.acquire(key, 5, 1);
            assertThat(d.allowed(), is(true));
            assertThat(d.limit(), is(5));
            assertThat(d.remaining(), is(5 - i));
        }
        Decision refused = limiter.acquire(key, 5, 1);
        assertThat(refused.allowed(), is(false));
        assertThat(refused.remaining(), is(0));
        assertThat(refused.resetSeconds(), greaterThan(0L));
        assertThat(refused.resetSeconds(), lessThanOrEqualTo(60L));
    }

    @Test
    void aRequestLargerThanWhatRemainsIsRefusedWholeAndCostsNothing() {
        RateLimiter limiter = limiter(WINDOW_MILLIS);
        String key = key();
        assertThat(limiter.acquire(key, 10, 4).remaining(), is(6));
        assertThat(limiter.acquire(key, 10, 7).allowed(), is(false));
        Decision fits = limiter.acquire(key, 10, 6);
        assertThat(fits.allowed(), is(true));
        assertThat(fits.remaining(), is(0));
    }

    @Test
    void peekTakesNothingAndKeysAreIndependent() {
        RateLimiter limiter = limiter(WINDOW_MILLIS);
        String a = key();
        String b = key();
        limiter.acquire(a, 3, 2);
        assertThat(limiter.peek(a, 3).remaining(), is(1));
        assertThat(limiter.peek(a, 3).remaining(), is(1));
        assertThat(limiter.acquire(b, 3, 3).allowed(), is(true));
        assertThat(limiter.acquire(a, 3, 1).allowed(), is(true));
    }

    @Test
    void theQuotaIsWholeAgainWhenTheWindowEnds() throws InterruptedException {
        RateLimiter limiter = limiter(300);
        String key = key();
        assertThat(limiter.acquire(key, 2, 2).allowed(), is(true));
        assertThat(limiter.acquire(key, 2, 1).allowed(), is(false));
        long deadline = System.nanoTime() + 3_000_000_000L;
        boolean allowed = false;
        while (!allowed && System.nanoTime() < deadline) {
            Thread.sleep(50);
            allowed = limiter.peek(key, 2).remaining() == 2;
        }
        assertThat(allowed, is(true));
        assertThat(limiter.acquire(key, 2, 2).allowed(), is(true));
    }

    @Test
    void concurrentRequestsNeverExceedTheLimit() throws Exception {
        RateLimiter limiter = limiter(WINDOW_MILLIS);
        String key = key();
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(() -> limiter.acquire(key, 100, 1).allowed());
        }
        int allowed = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Boolean> f : pool.invokeAll(calls)) {
                allowed += f.get() ? 1 : 0;
            }
        }
        assertThat(allowed, is(100));
    }
}
