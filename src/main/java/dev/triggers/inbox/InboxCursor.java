package dev.triggers.inbox;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * The position after which the next page starts: the (created_at, id) of the last event handed out, plus the order
 * and a hash of the filters it was issued for, so a cursor replayed with another query is refused instead of
 * skipping or repeating events. 30 bytes, base64url (40 characters); no organization and no signature needed: every
 * query is scoped by the caller's org id, so a forged position only moves within the caller's own events.
 */
record InboxCursor(boolean ascending, int filterHash, Instant createdAt, UUID id) {
    private static final byte VERSION = 1;
    private static final int LENGTH = 1 + 1 + 4 + 8 + 16;

    String encode() {
        ByteBuffer buf = ByteBuffer.allocate(LENGTH)
                .put(VERSION)
                .put((byte) (ascending ? 1 : 0))
                .putInt(filterHash)
                .putLong(ChronoUnit.MICROS.between(Instant.EPOCH, createdAt))
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }

    /** The cursor in {@code text}, or null when it is not one this server issued (in shape). */
    static InboxCursor decode(String text) {
        if (text.length() != 40) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length != LENGTH || buf.get() != VERSION) {
            return null;
        }
        byte order = buf.get();
        if (order != 0 && order != 1) {
            return null;
        }
        int hash = buf.getInt();
        long micros = buf.getLong();
        // Anything outside years 1..9999 cannot come from a stored created_at.
        if (micros < -62_135_596_800_000_000L || micros > 253_402_300_799_999_999L) {
            return null;
        }
        Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        return new InboxCursor(order == 1, hash, at, new UUID(buf.getLong(), buf.getLong()));
    }
}
