package dev.triggers.platform.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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

    /** Every variable of the table (each also has its {@code _FILE} variant). */
    public static Set<String> variables() {
        return KEYS.keySet();
    }

    /** Suffix of the variable that names a file holding the value (Docker and Kubernetes secrets). */
    static final String FILE_SUFFIX = "_FILE";

    /**
     * The config entries set by the given environment; variables not in the table are ignored. For each variable
     * {@code X}, {@code X_FILE} may name a file whose content (without its trailing line break) is the value;
     * setting both is refused, and so is a file that cannot be read.
     */
    public static Map<String, String> from(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        KEYS.forEach((var, key) -> {
            String value = env.get(var);
            String file = env.get(var + FILE_SUFFIX);
            if (value != null && file != null) {
                throw new IllegalStateException("both " + var + " and " + var + FILE_SUFFIX + " are set; set one");
            }
            if (file != null) {
                value = readSecret(var + FILE_SUFFIX, file);
            }
            if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }

    private static String readSecret(String var, String file) {
        try {
            String content = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            return content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                    : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(var + "=" + file + " cannot be read: " + e.getMessage());
        }
    }
}
