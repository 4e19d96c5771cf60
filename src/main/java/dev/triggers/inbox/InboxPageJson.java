package dev.triggers.inbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.json.Json;

/**
 * The body of {@code GET /api/inbox}, written straight into the byte array the response sends, from the bytes the
 * driver received: decoding the payload text PostgreSQL already rendered and encoding it again would be most of a
 * page's CPU and garbage. One pass sizes the array, a second fills it. The output is byte for byte what Jackson's
 * generator writes ({@code InboxPageJsonTest} compares the two), timestamps as {@link Timestamps#format} writes them.
 */
final class InboxPageJson {
    private static final byte[] START = ascii("{\"events\":[");
    private static final byte[] ID = ascii("{\"id\":");
    private static final byte[] TYPE = ascii(",\"type\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");
    private static final byte[] DEDUP_ID = ascii(",\"dedup_id\":");
    private static final byte[] CREATED_AT = ascii(",\"created_at\":");
    private static final byte[] DELIVERY_STATUS = ascii(",\"delivery_status\":");
    private static final byte[] ATTEMPTS = ascii(",\"attempts\":");
    private static final byte[] NEXT_CURSOR = ascii("],\"next_cursor\":");
    private static final byte[] HAS_MORE = ascii(",\"has_more\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] HEX = ascii("0123456789abcdef");
    /** {@code "0190b5a4-…"} with its quotes. */
    private static final int UUID_JSON_LENGTH = 38;
    /** {@code "2026-11-27T10:30:00.123456Z"} with its quotes. */
    private static final int TIMESTAMP_JSON_LENGTH = 29;
    /** Each status's wire name as a JSON string, by code. */
    private static final byte[][] STATUS_JSON = statusJson();

    private final byte[] out;
    private int pos;

    private InboxPageJson(int size) {
        this.out = new byte[size];
    }

    static byte[] render(List<InboxStore.InboxEvent> events, String nextCursor, boolean hasMore) {
        byte[] cursor = nextCursor == null ? null : nextCursor.getBytes(StandardCharsets.UTF_8);
        int size = START.length + NEXT_CURSOR.length + (cursor == null ? NULL.length : stringLength(cursor))
                + HAS_MORE.length + (hasMore ? TRUE.length : FALSE.length) + 1;
        for (InboxStore.InboxEvent e : events) {
            size += ID.length + UUID_JSON_LENGTH + TYPE.length + stringLength(e.type())
                    + PAYLOAD.length + e.payload().length
                    + DEDUP_ID.length + (e.dedupId() == null ? NULL.length : stringLength(e.dedupId()))
                    + CREATED_AT.length + timestampLength(e.createdAt())
                    + DELIVERY_STATUS.length + statusJson(e.status()).length
                    + ATTEMPTS.length + intLength(e.attempts()) + 1;
        }
        size += Math.max(0, events.size() - 1); // the commas between events

        InboxPageJson json = new InboxPageJson(size);
        json.write(START);
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                json.write((byte) ',');
            }
            json.event(events.get(i));
        }
        json.write(NEXT_CURSOR);
        if (cursor == null) {
            json.write(NULL);
        } else {
            json.string(cursor);
        }
        json.write(HAS_MORE);
        json.write(hasMore ? TRUE : FALSE);
        json.write((byte) '}');
        if (json.pos != size) {
            throw new IllegalStateException("inbox page sized " + size + " bytes but wrote " + json.pos);
        }
        return json.out;
    }

    private void event(InboxStore.InboxEvent e) {
        write(ID);
        uuid(e.id());
        write(TYPE);
        string(e.type());
        write(PAYLOAD);
        write(e.payload());
        write(DEDUP_ID);
        if (e.dedupId() == null) {
            write(NULL);
        } else {
            string(e.dedupId());
        }
        write(CREATED_AT);
        timestamp(e.createdAt());
        write(DELIVERY_STATUS);
        write(statusJson(e.status()));
        write(ATTEMPTS);
        integer(e.attempts());
        write((byte) '}');
    }

    private void write(byte[] bytes) {
        System.arraycopy(bytes, 0, out, pos, bytes.length);
        pos += bytes.length;
    }

    private void write(byte b) {
        out[pos++] = b;
    }

    /** A JSON string of UTF-8 text: its bytes in quotes, or Jackson's escaping when it has anything to escape. */
    private void string(byte[] utf8) {
        if (needsEscaping(utf8)) {
            write(escaped(utf8));
        } else {
            write((byte) '"');
            write(utf8);
            write((byte) '"');
        }
    }

    private static int stringLength(byte[] utf8) {
        return needsEscaping(utf8) ? escaped(utf8).length : utf8.length + 2;
    }

    /**
     * Whether Jackson's UTF-8 generator writes anything but the text's own bytes: it escapes quote, backslash and
     * control characters, and writes each half of a surrogate pair (a character beyond U+FFFF, four bytes in UTF-8)
     * as a six-character escape (backslash, u, four hex digits). The bytes of multi-byte sequences are all 0x80 or
     * above, so a byte scan finds exactly these characters: ASCII ones directly, four-byte sequences by their lead
     * byte (0xF0 to 0xF4).
     */
    private static boolean needsEscaping(byte[] utf8) {
        for (byte b : utf8) {
            if ((b >= 0 && b < 0x20) || b == '"' || b == '\\' || (b & 0xF8) == 0xF0) {
                return true;
            }
        }
        return false;
    }

    /** The string as the generator that wrote pages before writes it (the rare path: see needsEscaping). */
    private static byte[] escaped(byte[] utf8) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(utf8.length * 2 + 2);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
            g.writeString(new String(utf8, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The canonical lower-case form, as {@link UUID#toString()}. */
    private void uuid(UUID id) {
        write((byte) '"');
        hex(id.getMostSignificantBits() >>> 32, 8);
        write((byte) '-');
        hex(id.getMostSignificantBits() >>> 16, 4);
        write((byte) '-');
        hex(id.getMostSignificantBits(), 4);
        write((byte) '-');
        hex(id.getLeastSignificantBits() >>> 48, 4);
        write((byte) '-');
        hex(id.getLeastSignificantBits(), 12);
        write((byte) '"');
    }

    /** The low {@code digits} hex digits of {@code value}. */
    private void hex(long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[pos + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
        pos += digits;
    }

    private static int timestampLength(OffsetDateTime t) {
        return isPlainYear(t) ? TIMESTAMP_JSON_LENGTH : stringLength(formatted(t));
    }

    /** {@link Timestamps#format}: {@code uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'} in UTC. */
    private void timestamp(OffsetDateTime t) {
        if (!isPlainYear(t)) {
            string(formatted(t)); // signed or five-digit years, which no stored event has
            return;
        }
        OffsetDateTime utc = utc(t);
        write((byte) '"');
        digits(utc.getYear(), 4);
        write((byte) '-');
        digits(utc.getMonthValue(), 2);
        write((byte) '-');
        digits(utc.getDayOfMonth(), 2);
        write((byte) 'T');
        digits(utc.getHour(), 2);
        write((byte) ':');
        digits(utc.getMinute(), 2);
        write((byte) ':');
        digits(utc.getSecond(), 2);
        write((byte) '.');
        digits(utc.getNano() / 1000, 6); // the pattern's SSSSSS truncates to microseconds too
        write((byte) 'Z');
        write((byte) '"');
    }

    /** Years the pattern's {@code uuuu} writes as exactly four digits with no sign. */
    private static boolean isPlainYear(OffsetDateTime t) {
        int year = utc(t).getYear();
        return year >= 0 && year <= 9999;
    }

    private static OffsetDateTime utc(OffsetDateTime t) {
        // The driver reads binary timestamptz in UTC; text results carry the session's offset.
        return t.getOffset().equals(ZoneOffset.UTC) ? t : t.withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static byte[] formatted(OffsetDateTime t) {
        return Timestamps.format(t.toInstant()).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code value} (0 or more) zero-padded to {@code width} digits. */
    private void digits(int value, int width) {
        for (int i = width - 1; i >= 0; i--) {
            out[pos + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        pos += width;
    }

    private void integer(int value) {
        if (value < 0) {
            write(Integer.toString(value).getBytes(StandardCharsets.US_ASCII));
        } else {
            digits(value, intLength(value));
        }
    }

    private static int intLength(int value) {
        if (value < 0) {
            return Integer.toString(value).length();
        }
        int length = 1;
        while (value >= 10) {
            value /= 10;
            length++;
        }
        return length;
    }

    private static byte[] statusJson(int code) {
        if (code < 0 || code >= STATUS_JSON.length || STATUS_JSON[code] == null) {
            throw new IllegalArgumentException("unknown status code " + code);
        }
        return STATUS_JSON[code];
    }

    private static byte[][] statusJson() {
        int max = 0;
        for (DeliveryStatus s : DeliveryStatus.values()) {
            max = Math.max(max, s.code());
        }
        byte[][] json = new byte[max + 1][];
        for (DeliveryStatus s : DeliveryStatus.values()) {
            json[s.code()] = ascii("\"" + s.wireName() + "\"");
        }
        return json;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
