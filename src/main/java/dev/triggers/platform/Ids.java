package dev.triggers.platform;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identifiers. Events get UUIDv7 (time-ordered), so the primary-key index grows at its right edge instead of
 * splitting pages all over, which keeps inserts flat as the table grows.
 */
public final class Ids {
    private static final SecureRandom SECURE = new SecureRandom();
    private static final int COUNTER_BITS = 12;
    /** The last UUIDv7 stamp handed out: Unix milliseconds, then a 12-bit counter within the millisecond. */
    private static final AtomicLong LAST_STAMP = new AtomicLong();

    private Ids() {
    }

    /**
     * A UUIDv7 (RFC 9562, section 6.2 method 1): 48 bits of Unix milliseconds, a 12-bit counter in {@code rand_a},
     * then 62 random bits. Ids from this process are strictly increasing, also within one millisecond, so events
     * written together sort in the order they were given (a batch keeps its order in the inbox). A counter that
     * runs out borrows the next millisecond, and a clock that steps back is waited out by the last stamp.
     */
    public static UUID uuidV7() {
        long stamp = nextStamp(System.currentTimeMillis());
        long msb = ((stamp >>> COUNTER_BITS) << 16) | 0x7000L | (stamp & 0x0FFFL);
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    static long nextStamp(long millis) {
        long floor = millis << COUNTER_BITS;
        while (true) {
            long last = LAST_STAMP.get();
            long next = Math.max(floor, last + 1);
            if (LAST_STAMP.compareAndSet(last, next)) {
                return next;
            }
        }
    }

    /** A random UUID (version 4, RFC 9562) from a fast, non-cryptographic generator: for request ids. */
    public static UUID uuidV4() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
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
