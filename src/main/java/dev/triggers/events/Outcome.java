package dev.triggers.events;

import java.time.Instant;
import java.util.UUID;

/** What became of one submitted event once its transaction committed. */
public sealed interface Outcome {
    /** Stored, with this id and creation time. */
    record Created(UUID id, Instant createdAt) implements Outcome {
    }

    /** Not stored: the organization used the same dedup_id within 24 h for {@code existingId}. */
    record Duplicate(UUID existingId) implements Outcome {
    }
}
