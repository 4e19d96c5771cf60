package dev.triggers.events;

/** A validated event on its way to the database; {@code payload} is its JSON text, {@code dedupId} may be null. */
public record NewEvent(String type, String payload, String dedupId) {
}
