package dev.triggers.platform.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.config.Config;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The optional Redis connection. With {@code redis.url} empty there is none (edge mode) and callers use their
 * in-process fallback.
 *
 * <p>Calls go through {@link #call(Function)}: after a failure Redis is considered down for
 * {@code redis.retry-interval-ms}, during which calls fail at once instead of waiting on timeouts, so a dead Redis
 * costs the ingest path nothing; the first call after the interval tries again, and a success brings it back.
 */
public final class Redis implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Redis.class.getName());

    private final RedisClient client;
    private final long retryIntervalNanos;
    private final long timeoutMillis;
    private volatile long downUntil;
    private volatile boolean down;

    private Redis(RedisClient client, long retryIntervalNanos, long timeoutMillis) {
        this.client = client;
        this.retryIntervalNanos = retryIntervalNanos;
        this.timeoutMillis = timeoutMillis;
    }

    public static Redis create(Config config) {
        String url = config.get("url").asString().orElse("").trim();
        long retry = Duration.ofMillis(config.get("retry-interval-ms").asLong().orElse(1000L)).toNanos();
        int timeout = config.get("timeout-ms").asInt().orElse(1000);
        if (url.isEmpty()) {
            return new Redis(null, retry, timeout);
        }
        URI uri = URI.create(url);
        if (!JedisURIHelper.isValid(uri)) {
            throw new IllegalArgumentException("redis.url is not a valid redis:// URL");
        }
        DefaultJedisClientConfig.Builder clientConfig = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout)
                .clientName("triggers-api")
                .ssl(JedisURIHelper.isRedisSSLScheme(uri))
                .database(JedisURIHelper.getDBIndex(uri));
        if (JedisURIHelper.getPassword(uri) != null) {
            clientConfig.user(JedisURIHelper.getUser(uri)).password(JedisURIHelper.getPassword(uri));
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(config.get("pool.max-size").asInt().orElse(32));
        pool.setMaxIdle(pool.getMaxTotal());
        pool.setMaxWait(Duration.ofMillis(timeout));
        pool.setJmxEnabled(false);
        RedisClient client = RedisClient.builder()
                .hostAndPort(JedisURIHelper.getHostAndPort(uri))
                .clientConfig(clientConfig.build())
                .poolConfig(pool)
                .build();
        return new Redis(client, retry, timeout);
    }

    /** The longest one call waits for a connection or a reply ({@code redis.timeout-ms}). */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    public boolean configured() {
        return client != null;
    }

    /** True when Redis is configured and the last call did not fail (or the retry interval has passed). */
    public boolean usable() {
        return client != null && (!down || System.nanoTime() - downUntil > 0);
    }

    /**
     * Runs {@code action} against Redis, or returns empty when Redis is not configured, is known to be down, or
     * fails now. Never throws for Redis trouble: the caller's fallback takes over.
     */
    public <T> Optional<T> call(Function<RedisClient, T> action) {
        if (!usable()) {
            return Optional.empty();
        }
        try {
            T result = action.apply(client);
            if (down) {
                down = false;
                LOG.log(System.Logger.Level.INFO, "redis is reachable again");
            }
            return Optional.ofNullable(result);
        } catch (RuntimeException e) {
            markDown(e);
            return Optional.empty();
        }
    }

    private void markDown(RuntimeException e) {
        downUntil = System.nanoTime() + retryIntervalNanos;
        if (!down) {
            down = true;
            LOG.log(System.Logger.Level.WARNING, "redis unavailable, using in-process fallbacks: " + e.getMessage());
        }
    }

    /** PING for readiness; does not touch the circuit state. */
    public boolean ping() {
        if (client == null) {
            return false;
        }
        try {
            return "PONG".equals(client.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Optional<RedisClient> client() {
        return Optional.ofNullable(client);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
