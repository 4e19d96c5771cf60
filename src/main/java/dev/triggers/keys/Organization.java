package dev.triggers.keys;

import java.time.Instant;
import java.util.UUID;

/** What the server knows of an organization on every request; cached by {@link Authenticator}. */
public record Organization(UUID id, String name, Tier tier, String webhookUrl, Instant createdAt, Instant updatedAt) {
    public boolean pushEnabled() {
        return webhookUrl != null;
    }
}
