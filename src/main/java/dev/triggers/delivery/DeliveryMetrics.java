package dev.triggers.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * What operators watch of push delivery: attempts by outcome, how long receivers take, how long an event waited
 * from creation to its successful delivery, how many events are due or in flight, and whether delivery is yielding
 * to ingestion.
 */
final class DeliveryMetrics {
    enum Outcome { DELIVERED, RETRYING, FAILED, GONE }

    private static final Duration[] LATENCY_BUCKETS = {ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250),
            ms(500), ms(1000), ms(2500), ms(5000), ms(10000), ms(30000)};
    private static final Duration[] LAG_BUCKETS = {ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000),
            ms(2500), ms(5000), ms(15000), ms(60000), ms(300000), ms(3600000)};

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final Map<Outcome, Counter> outcomes = new ConcurrentHashMap<>();
    private final Timer attemptDuration;
    private final Timer lag;
    final AtomicLong backlog = new AtomicLong();

    DeliveryMetrics(Supplier<Integer> inFlight, BooleanSupplier yielding) {
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, registry.getOrCreate(Counter.builder("delivery.attempts")
                    .description("Push delivery attempts by outcome")
                    .tags(List.of(Tag.create("outcome", o.name().toLowerCase(java.util.Locale.ROOT))))));
        }
        attemptDuration = registry.getOrCreate(Timer.builder("delivery.attempt.duration")
                .description("Time from sending a delivery to the receiver's answer (or the error)").buckets(LATENCY_BUCKETS));
        lag = registry.getOrCreate(Timer.builder("delivery.lag")
                .description("Event created to successfully delivered").buckets(LAG_BUCKETS));
        // Gauges read this engine's state: one registered by an earlier engine of the process (tests and embedders
        // start several) is replaced, or it would keep reading a closed engine.
        replace(registry, Gauge.builder("delivery.backlog", backlog, AtomicLong::doubleValue)
                .description("Events due or in flight for push delivery (refreshed every few seconds)"));
        replace(registry, Gauge.builder("delivery.in_flight", inFlight)
                .description("Delivery attempts in flight on this instance"));
        replace(registry, Gauge.builder("delivery.yielding", () -> yielding.getAsBoolean() ? 1 : 0)
                .description("1 while ingestion on this instance is under pressure: deliveries go at the yield pace"));
    }

    /** Registers {@code gauge}, replacing one of the same name. */
    private static void replace(MeterRegistry registry, Gauge.Builder<?> gauge) {
        registry.remove(gauge.name(), List.of());
        registry.getOrCreate(gauge);
    }

    void attempt(Outcome outcome, long durationNanos) {
        outcomes.get(outcome).increment();
        attemptDuration.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    void delivered(Duration sinceCreated) {
        lag.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
