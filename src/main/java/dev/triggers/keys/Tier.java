package dev.triggers.keys;

import java.util.Locale;
import java.util.Optional;

/** An organization's plan; it sets the ingest rate limit. */
public enum Tier {
    FREE, PRO, BUSINESS, ENTERPRISE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Tier> parse(String text) {
        for (Tier t : values()) {
            if (t.wireName().equals(text)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
