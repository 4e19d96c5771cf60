package dev.triggers.ratelimit;

import java.util.List;
import java.util.Optional;

import dev.triggers.platform.redis.Redis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The global limiter: one Lua script per request (one round trip) on a key per organization whose TTL is the
 * window. While Redis is absent or down, {@code fallback} decides, so ingestion never fails because of Redis; the
 * circuit breaker in {@link Redis} brings Redis back into use by itself once it answers again.
 */
public final class RedisRateLimiter implements RateLimiter {
    // Missing key or no TTL: a new window. A refusal changes nothing, so a too-large batch costs no quota.
    static final String SCRIPT = """
            local limit = tonumber(ARGV[1])
            local n = tonumber(ARGV[2])
            local window = tonumber(ARGV[3])
            local used = tonumber(redis.call('GET', KEYS[1]) or '0')
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then
              used = 0
              ttl = window
            end
            if used + n > limit then
              return {0, used, ttl}
            end
            if n > 0 then
              if used == 0 then
                redis.call('SET', KEYS[1], n, 'PX', window)
              else
                redis.call('INCRBY', KEYS[1], n)
              end
            end
            return {1, used + n, ttl}
            """;

    private final Redis redis;
    private final RateLimiter fallback;
    private final String keyPrefix;
    private final String windowMillis;
    private volatile String sha;

    public RedisRateLimiter(Redis redis, RateLimiter fallback, long windowMillis) {
        this(redis, fallback, windowMillis, "rl:");
    }

    RedisRateLimiter(Redis redis, RateLimiter fallback, long windowMillis, String keyPrefix) {
        this.redis = redis;
        this.fallback = fallback;
        this.windowMillis = Long.toString(windowMillis);
        this.keyPrefix = keyPrefix;
    }

    @Override
    public Decision acquire(String key, int limit, int permits) {
        Optional<Decision> decision = redis.call(client -> {
            List<String> keys = List.of(keyPrefix + key);
            List<String> args = List.of(Integer.toString(limit), Integer.toString(permits), windowMillis);
            Object reply;
            String loaded = sha;
            if (loaded == null) {
                reply = client.eval(SCRIPT, keys, args);
                sha = client.scriptLoad(SCRIPT);
            } else {
                try {
                    reply = client.evalsha(loaded, keys, args);
                } catch (JedisNoScriptException e) {
                    // Redis restarted or its script cache was flushed.
                    reply = client.eval(SCRIPT, keys, args);
                }
            }
            List<?> r = (List<?>) reply;
            boolean allowed = ((Long) r.get(0)) == 1L;
            int used = ((Long) r.get(1)).intValue();
            return new Decision(allowed, limit, Math.max(0, limit - used), (Long) r.get(2));
        });
        return decision.orElseGet(() -> fallback.acquire(key, limit, permits));
    }
}
