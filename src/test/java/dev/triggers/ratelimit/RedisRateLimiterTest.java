package dev.triggers.ratelimit;

import java.util.Map;
import java.util.UUID;

import dev.triggers.TestSupport;
import dev.triggers.platform.redis.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The contract against the real Redis; the fallback is a limiter that refuses everything, so a contract test
 * passing here proves Redis decided. Plus: the quota is shared by instances, and Redis trouble falls back.
 */
class RedisRateLimiterTest extends RateLimiterContract {
    private static final Redis REDIS = Redis.create(TestSupport.config().get("redis"));
    private static final RateLimiter REFUSE_ALL = (key, limit, permits) -> new RateLimiter.Decision(false, limit, 0, 1);

    @AfterAll
    static void close() {
        REDIS.close();
    }

    @Override
    RateLimiter limiter(long windowMillis) {
        return new RedisRateLimiter(REDIS, REFUSE_ALL, windowMillis, "rl-test:" + UUID.randomUUID() + ":");
    }

    @Test
    void twoInstancesShareOneQuota() {
        String prefix = "rl-test:" + UUID.randomUUID() + ":";
        RateLimiter one = new RedisRateLimiter(REDIS, REFUSE_ALL, WINDOW_MILLIS, prefix);
        RateLimiter two = new RedisRateLimiter(REDIS, REFUSE_ALL, WINDOW_MILLIS, prefix);
        assertThat(one.acquire("org", 3, 2).allowed(), is(true));
        assertThat(two.acquire("org", 3, 2).allowed(), is(false));
        assertThat(two.acquire("org", 3, 1).remaining(), is(0));
    }

    @Test
    void withoutRedisTheFallbackDecides() {
        for (String url : new String[] {"", "redis://127.0.0.1:18101"}) {
            try (Redis absent = Redis.create(TestSupport.config(Map.of("REDIS_URL", url)).get("redis"))) {
                RateLimiter limiter = new RedisRateLimiter(absent, new LocalRateLimiter(WINDOW_MILLIS), WINDOW_MILLIS);
                assertThat(url, limiter.acquire("org", 1, 1).allowed(), is(true));
                assertThat(url, limiter.acquire("org", 1, 1).allowed(), is(false));
            }
        }
    }
}
