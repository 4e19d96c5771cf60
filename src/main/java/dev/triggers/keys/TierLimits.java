package dev.triggers.keys;

import java.util.EnumMap;
import java.util.Map;

import io.helidon.config.Config;

/** Events per minute for each tier, from {@code rate-limits.*}. */
public final class TierLimits {
    private final Map<Tier, Integer> perMinute = new EnumMap<>(Tier.class);

    public TierLimits(Config rateLimits) {
        perMinute.put(Tier.FREE, rateLimits.get("free").asInt().orElse(100));
        perMinute.put(Tier.PRO, rateLimits.get("pro").asInt().orElse(1_000));
        perMinute.put(Tier.BUSINESS, rateLimits.get("business").asInt().orElse(10_000));
        perMinute.put(Tier.ENTERPRISE, rateLimits.get("enterprise").asInt().orElse(100_000));
        perMinute.forEach((tier, limit) -> {
            if (limit < 1) {
                throw new IllegalArgumentException("rate-limits." + tier.wireName() + " must be at least 1");
            }
        });
    }

    public int perMinute(Tier tier) {
        return perMinute.get(tier);
    }
}
