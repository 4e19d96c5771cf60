package dev.triggers.delivery;

import io.helidon.config.Config;

/**
 * The {@code delivery.*} configuration, read once.
 *
 * @param leaseMs how long a claimed event stays invisible to every other claimer; never shorter than the request
 *                timeout plus a margin for writing the result, or a slow attempt could be claimed twice
 * @param yielding when and how far deliveries give way to ingestion ({@code delivery.yield.*})
 */
public record DeliverySettings(boolean enabled, int maxAttempts, long initialBackoffMs, long maxBackoffMs, long timeoutMs,
                               long leaseMs, int concurrency, int perOrgConcurrency, int claimBatch, long pollIntervalMs,
                               long shutdownGraceMs, String userAgent, Yielding yielding) {
    static final long LEASE_MARGIN_MS = 1000;

    /**
     * Deliveries yield to ingestion: once the ingest requests in progress on this instance average
     * {@code ingestThreshold} or more over a window of {@code windowMs}, and until a window averages below half of
     * it, the engine claims at most {@code maxPerSecond} events per second. {@code ingestThreshold} 0 turns yielding
     * off; {@code maxPerSecond} is at least 1, so delivery never stops.
     */
    public record Yielding(int ingestThreshold, int maxPerSecond, long windowMs) {
        static Yielding from(Config yield) {
            return new Yielding(Math.max(0, yield.get("ingest-threshold").asInt().orElse(32)),
                    Math.max(1, yield.get("max-per-second").asInt().orElse(500)),
                    Math.max(1, yield.get("window-ms").asLong().orElse(100L)));
        }
    }

    public static DeliverySettings from(Config delivery, String version) {
        long timeout = delivery.get("timeout-ms").asLong().orElse(10_000L);
        long lease = Math.max(delivery.get("lease-ms").asLong().orElse(timeout + 5000), timeout + LEASE_MARGIN_MS);
        int perOrg = delivery.get("per-org-concurrency").asInt().orElse(64);
        return new DeliverySettings(
                delivery.get("enabled").asBoolean().orElse(true),
                Math.max(1, delivery.get("max-attempts").asInt().orElse(5)),
                Math.max(1, delivery.get("initial-backoff-ms").asLong().orElse(1000L)),
                Math.max(1, delivery.get("max-backoff-ms").asLong().orElse(16_000L)),
                timeout,
                lease,
                Math.max(1, delivery.get("concurrency").asInt().orElse(512)),
                Math.max(1, perOrg),
                Math.max(1, delivery.get("claim-batch").asInt().orElse(perOrg)),
                Math.max(10, delivery.get("poll-interval-ms").asLong().orElse(1000L)),
                Math.max(0, delivery.get("shutdown-grace-ms").asLong().orElse(5000L)),
                "triggers-api/" + version,
                Yielding.from(delivery.get("yield")));
    }
}
