package dev.triggers.platform.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables the contract promises, mapped to their config keys.
 *
 * <p>Helidon's own environment mapping turns {@code _} into {@code .}, which cannot express the dashed keys of
 * the contract ({@code delivery.max-attempts}, {@code rate-limits.free}); an explicit table is also the
 * single place an operator reads to learn what can be overridden.
 */
public final class EnvOverrides {
    static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("SERVER_PORT", "server.port"),
            Map.entry("SERVER_HOST", "server.host"),
            Map.entry("DB_URL", "db.url"),
            Map.entry("DB_USERNAME", "db.username"),
            Map.entry("DB_PASSWORD", "db.password"),
            Map.entry("DB_POOL_SIZE", "db.pool.max-size"),
            Map.entry("DB_WAL_COMPRESSION", "db.wal-compression"),
            Map.entry("DB_CIRCUIT_PROBE_INTERVAL_MS", "db.circuit.probe-interval-ms"),
            Map.entry("REDIS_URL", "redis.url"),
            Map.entry("INGEST_WRITERS", "ingest.writers"),
            Map.entry("INGEST_MAX_BATCH_ROWS", "ingest.max-batch-rows"),
            Map.entry("BODY_MEMORY_BYTES", "limits.body-memory-bytes"),
            Map.entry("BODY_MEMORY_WAIT_MS", "limits.body-memory-wait-ms"),
            Map.entry("INBOX_MAX_CONCURRENT_PAGES", "inbox.max-concurrent-pages"),
            Map.entry("INBOX_PAGE_WAIT_MS", "inbox.page-wait-ms"),
            Map.entry("SIGNUP_OPEN", "signup.open"),
            Map.entry("SIGNUP_OPEN_IN_PROD_ACKNOWLEDGED", "signup.open-in-prod-acknowledged"),
            Map.entry("ADMIN_TOKEN", "admin.token"),
            Map.entry("KEYS_PEPPER", "keys.pepper"),
            Map.entry("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "webhooks.allow-private-targets"),
            Map.entry("DELIVERY_MAX_ATTEMPTS", "delivery.max-attempts"),
            Map.entry("DELIVERY_INITIAL_BACKOFF_MS", "delivery.initial-backoff-ms"),
            Map.entry("DELIVERY_TIMEOUT_MS", "delivery.timeout-ms"),
            Map.entry("DELIVERY_ENABLED", "delivery.enabled"),
            Map.entry("DELIVERY_MAX_BACKOFF_MS", "delivery.max-backoff-ms"),
            Map.entry("DELIVERY_LEASE_MS", "delivery.lease-ms"),
            Map.entry("DELIVERY_CONCURRENCY", "delivery.concurrency"),
            Map.entry("DELIVERY_PER_ORG_CONCURRENCY", "delivery.per-org-concurrency"),
            Map.entry("DELIVERY_CLAIM_BATCH", "delivery.claim-batch"),
            Map.entry("DELIVERY_POLL_INTERVAL_MS", "delivery.poll-interval-ms"),
            Map.entry("DELIVERY_SHUTDOWN_GRACE_MS", "delivery.shutdown-grace-ms"),
            Map.entry("DELIVERY_YIELD_INGEST_THRESHOLD", "delivery.yield.ingest-threshold"),
            Map.entry("DELIVERY_YIELD_MAX_PER_SECOND", "delivery.yield.max-per-second"),
            Map.entry("DELIVERY_YIELD_WINDOW_MS", "delivery.yield.window-ms"),
            Map.entry("RATE_LIMIT_FREE", "rate-limits.free"),
            Map.entry("RATE_LIMIT_PRO", "rate-limits.pro"),
            Map.entry("RATE_LIMIT_BUSINESS", "rate-limits.business"),
            Map.entry("RATE_LIMIT_ENTERPRISE", "rate-limits.enterprise"),
            Map.entry("ACCESS_LOG", "logging.access"),
            Map.entry("LOG_LEVEL", "logging.level"));

    private EnvOverrides() {
    }

    /** The config entries set by the given environment; variables not in the table are ignored. */
    public static Map<String, String> from(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        KEYS.forEach((var, key) -> {
            String value = env.get(var);
            if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }
}
