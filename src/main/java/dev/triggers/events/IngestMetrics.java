package dev.triggers.events;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/** The ingestion meters, registered once per process in the global registry (Prometheus at /metrics). */
public final class IngestMetrics {
    private final Counter ingested;
    private final Counter duplicates;
    private final Counter rateLimited;
    private final DistributionSummary batchSize;

    public IngestMetrics() {
        MeterRegistry registry = Metrics.globalRegistry();
        ingested = registry.getOrCreate(Counter.builder("events.ingested").description("events committed"));
        duplicates = registry.getOrCreate(Counter.builder("events.duplicates").description("events refused as duplicates"));
        rateLimited = registry.getOrCreate(Counter.builder("events.rate_limited")
                .description("events refused by the rate limit"));
        batchSize = registry.getOrCreate(DistributionSummary.builder("events.group_commit.rows")
                .description("events written per group-commit transaction"));
    }

    void ingested(int n) {
        ingested.increment(n);
    }

    void duplicates(int n) {
        duplicates.increment(n);
    }

    void rateLimited(int n) {
        rateLimited.increment(n);
    }

    void batch(int rows) {
        batchSize.record(rows);
    }
}
