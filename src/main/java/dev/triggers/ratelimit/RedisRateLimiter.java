package dev.triggers.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.triggers.platform.redis.Redis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The global limiter: a fixed window per organization in Redis, the key's TTL being the window. Concurrent
 * requests queue their acquisitions and one dispatcher thread sends everything queued as one script call, so under
 * load a round trip serves many requests. While Redis is absent, down or slow, {@code fallback} decides, so
 * ingestion never fails because of Redis.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    private static final int MAX_PER_CALL = 256;

    // For each key in turn (ARGV: window, then limit and permits per key). A refusal changes nothing, so a
    // too-large batch costs no quota. A missing key or one without TTL opens a new window.
    static final String SCRIPT = """
            local window = tonumber(ARGV[1])
            local out = {}
            for i, key in ipairs(KEYS) do
              local limit = tonumber(ARGV[2 * i])
              local n = tonumber(ARGV[2 * i + 1])
              local used = tonumber(redis.call('GET', key) or '0')
              local ttl = redis.call('PTTL', key)
              if ttl < 0 then
                used = 0
                ttl = window
              end
              if used + n > limit then
                out[i] = {0, used, ttl}
              else
                if n > 0 then
                  if used == 0 then
                    redis.call('SET', key, n, 'PX', window)
                  else
                    redis.call('INCRBY', key, n)
                  end
                end
                out[i] = {1, used + n, ttl}
              end
            end
            return out
            """;

    private record Request(String key, int limit, int permits, CompletableFuture<Decision> result) {
    }

    private final Redis redis;
    private final RateLimiter fallback;
    private final String keyPrefix;
    private final String windowMillis;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread dispatcher;
    private volatile boolean running = true;
    private volatile String sha;

    public RedisRateLimiter(Redis redis, RateLimiter fallback, long windowMillis) {
        this(redis, fallback, windowMillis, "rl:");
    }

    RedisRateLimiter(Redis redis, RateLimiter fallback, long windowMillis, String keyPrefix) {
        this.redis = redis;
        this.fallback = fallback;
        this.windowMillis = Long.toString(windowMillis);
        this.keyPrefix = keyPrefix;
        this.dispatcher = redis.configured()
                ? Thread.ofPlatform().daemon().name("rate-limit-dispatcher").start(this::dispatch)
                : null;
    }

    @Override
    public Decision acquire(String key, int limit, int permits) {
        if (dispatcher == null || !redis.usable()) {
            return fallback.acquire(key, limit, permits);
        }
        Request r = new Request(key, limit, permits, new CompletableFuture<>());
        queue.add(r);
        try {
            // The dispatcher's call gives up after the Redis timeout (a connection wait plus a reply at most); waiting
            // less here would let the fallback admit a request that Redis also counts.
            Decision d = r.result().get(2 * redis.timeoutMillis() + 250, TimeUnit.MILLISECONDS);
            return d != null ? d : fallback.acquire(key, limit, permits);
        } catch (TimeoutException | ExecutionException e) {
            return fallback.acquire(key, limit, permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback.acquire(key, limit, permits);
        }
    }

    private void dispatch() {
        List<Request> batch = new ArrayList<>();
        while (running) {
            try {
                Request first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_PER_CALL - 1);
                Optional<List<?>> replies = redis.call(client -> run(client, batch));
                for (int i = 0; i < batch.size(); i++) {
                    Request r = batch.get(i);
                    // null: Redis was unusable; the caller's fallback decides.
                    r.result().complete(replies.isEmpty() ? null : decision((List<?>) replies.get().get(i), r.limit()));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // The callers' fallback decides; the dispatcher must outlive any one failed call.
                batch.forEach(r -> r.result().complete(null));
            } finally {
                batch.clear();
            }
        }
    }

    private List<?> run(redis.clients.jedis.RedisClient client, List<Request> batch) {
        List<String> keys = new ArrayList<>(batch.size());
        List<String> args = new ArrayList<>(batch.size() * 2 + 1);
        args.add(windowMillis);
        for (Request r : batch) {
            keys.add(keyPrefix + r.key());
            args.add(Integer.toString(r.limit()));
            args.add(Integer.toString(r.permits()));
        }
        String loaded = sha;
        if (loaded == null) {
            sha = client.scriptLoad(SCRIPT);
            loaded = sha;
        }
        try {
            return (List<?>) client.evalsha(loaded, keys, args);
        } catch (JedisNoScriptException e) {
            // Redis restarted or its script cache was flushed.
            sha = client.scriptLoad(SCRIPT);
            return (List<?>) client.evalsha(sha, keys, args);
        }
    }

    private static Decision decision(List<?> reply, int limit) {
        boolean allowed = ((Long) reply.get(0)) == 1L;
        int used = ((Long) reply.get(1)).intValue();
        return new Decision(allowed, limit, Math.max(0, limit - used), (Long) reply.get(2));
    }

    @Override
    public void close() {
        running = false;
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
    }
}
