package dev.triggers.platform;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers. Events get UUIDv7 (time-ordered), so the primary-key index grows at its right edge instead of
 * splitting pages all over, which keeps inserts flat as the table grows.
 */
public final class Ids {
    private static final SecureRandom SECURE = new SecureRandom();

    private Ids() {
    }

    /** A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. */
    public static UUID uuidV7() {
        long millis = System.currentTimeMillis();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (millis << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** Random bytes from a cryptographic generator, for secrets and keys. */
    public static byte[] secureRandom(int length) {
        byte[] bytes = new byte[length];
        SECURE.nextBytes(bytes);
        return bytes;
    }

    /** The UUID in {@code text}, or null if it is not one in canonical form. */
    public static UUID parseUuid(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
