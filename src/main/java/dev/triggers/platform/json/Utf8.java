package dev.triggers.platform.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import dev.triggers.platform.http.ApiException;
import io.helidon.http.Status;

/**
 * Request bodies are UTF-8 (RFC 8259 §8.1), checked byte for byte before they are parsed: the parser and the
 * String decoder would otherwise turn a malformed sequence into U+FFFD, or an overlong one into the character it
 * spells, and the stored payload would no longer be what the client sent.
 */
public final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    /**
     * Refuses a body that is not well-formed UTF-8: 415 when it is recognisably UTF-16 or UTF-32 (by its byte
     * order mark, or by the zero bytes of its first ASCII characters, RFC 4627 §3), else 400 with the offset of
     * the first bad byte. A UTF-8 byte order mark is well-formed and left to the parser, which skips it.
     */
    public static void require(byte[] body) {
        String other = otherEncoding(body);
        if (other != null) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_charset", "Unsupported Media Type",
                    "the request body must be UTF-8 JSON; this one is encoded as " + other);
        }
        int bad = firstInvalid(body, 0, body.length);
        if (bad >= 0) {
            throw ApiException.badRequest("invalid_utf8", String.format(
                    "the request body is not valid UTF-8: byte 0x%02X at offset %d is not part of a well-formed sequence",
                    body[bad] & 0xFF, bad));
        }
    }

    /** The UTF-16 or UTF-32 flavour {@code body} is evidently in, or null. */
    static String otherEncoding(byte[] b) {
        int n = b.length;
        if (n >= 4 && b[0] == 0 && b[1] == 0 && (b[2] != 0 || b[3] != 0)) {
            return "UTF-32BE"; // 00 00 FE FF, or 00 00 00 '{'
        }
        if (n >= 4 && (b[0] != 0 && b[1] == 0 && b[2] == 0 && b[3] == 0
                || (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE && b[2] == 0 && b[3] == 0)) {
            return "UTF-32LE";
        }
        if (n >= 2 && ((b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF || b[0] == 0 && b[1] != 0)) {
            return "UTF-16BE";
        }
        if (n >= 2 && ((b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE || b[0] != 0 && b[1] == 0)) {
            return "UTF-16LE";
        }
        return null;
    }

    /**
     * The index of the first byte in {@code b[from, to)} that is not part of a well-formed UTF-8 sequence (RFC 3629
     * §4: no overlong forms, no surrogates, nothing above U+10FFFF), or -1. ASCII runs are skipped eight bytes at a
     * time, so a mostly-ASCII body costs little more than reading it.
     */
    public static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            if (i + 8 <= to && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                i += 8;
                continue;
            }
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                i++;
                continue;
            }
            int length;
            int min = 0x80;
            int max = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                length = 2;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                length = 3;
                if (lead == 0xE0) {
                    min = 0xA0; // below: overlong
                } else if (lead == 0xED) {
                    max = 0x9F; // above: U+D800..U+DFFF
                }
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                length = 4;
                if (lead == 0xF0) {
                    min = 0x90; // below: overlong
                } else if (lead == 0xF4) {
                    max = 0x8F; // above: beyond U+10FFFF
                }
            } else {
                return i; // a continuation byte first, C0/C1 (always overlong), F5..FF
            }
            if (i + length > to) {
                return i;
            }
            int second = b[i + 1] & 0xFF;
            if (second < min || second > max) {
                return i;
            }
            for (int k = 2; k < length; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += length;
        }
        return -1;
    }
}
