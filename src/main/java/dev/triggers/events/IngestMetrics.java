package dev.triggers.events;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/** The ingestion meters, registered once per process in the global registry (Prometheus at /metrics). */
public final class IngestMetrics {
    private final Counter ingested;
    private final Counter duplicates;
    private final Counter rateLimited;
    private final DistributionSummary batchSize;

    public IngestMetrics(HikariDataSource pool) {
        MeterRegistry registry = Metrics.globalRegistry();
        ingested = registry.getOrCreate(Counter.builder("events.ingested").description("events committed"));
        duplicates = registry.getOrCreate(Counter.builder("events.duplicates").description("events refused as duplicates"));
        rateLimited = registry.getOrCreate(Counter.builder("events.rate_limited")
                .description("events refused by the rate limit"));
        batchSize = registry.getOrCreate(DistributionSummary.builder("events.group_commit.rows")
                .description("events written per group-commit transaction"));
        // Suppliers read the pool at scrape time; a second Application (tests) re-registers nothing.
        gauge(registry, "db.pool.active", pool, HikariPoolMXBean::getActiveConnections);
        gauge(registry, "db.pool.idle", pool, HikariPoolMXBean::getIdleConnections);
        gauge(registry, "db.pool.total", pool, HikariPoolMXBean::getTotalConnections);
        gauge(registry, "db.pool.pending", pool, HikariPoolMXBean::getThreadsAwaitingConnection);
    }

    private static void gauge(MeterRegistry registry, String name, HikariDataSource pool,
                              java.util.function.ToIntFunction<HikariPoolMXBean> read) {
        registry.getOrCreate(Gauge.builder(name, pool, ds -> {
            HikariPoolMXBean bean = ds.getHikariPoolMXBean();
            return bean == null ? 0 : read.applyAsInt(bean);
        }));
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
