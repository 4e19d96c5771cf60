package dev.triggers.ratelimit;

class LocalRateLimiterTest extends RateLimiterContract {
    @Override
    RateLimiter limiter(long windowMillis) {
        return new LocalRateLimiter(windowMillis);
    }
}
