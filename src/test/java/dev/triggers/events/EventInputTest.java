package dev.triggers.events;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import dev.triggers.platform.http.ApiException;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The event parsers on bytes no well-behaved client sends: each is a 4xx naming what is wrong, never stored. */
class EventInputTest {
    private static final int MAX_PAYLOAD = 262_144;

    /** Byte sequences RFC 3629 forbids, each with a name for the assertion message. */
    static final List<String[]> INVALID_UTF8 = List.of(
            new String[] {"overlong '/' in two bytes", "c0af"},
            new String[] {"overlong '/' in three bytes", "e080af"},
            new String[] {"overlong in four bytes", "f08080af"},
            new String[] {"C1 lead byte", "c1bf"},
            new String[] {"lone continuation byte", "80"},
            new String[] {"continuation byte after ASCII", "41bf"},
            new String[] {"high surrogate encoded", "eda080"},
            new String[] {"low surrogate encoded", "edbfbf"},
            new String[] {"beyond U+10FFFF", "f4908080"},
            new String[] {"F5 lead byte", "f5808080"},
            new String[] {"FF byte", "ff"},
            new String[] {"two-byte sequence cut short", "c3"},
            new String[] {"three-byte sequence cut short", "e282"},
            new String[] {"four-byte sequence cut short", "f09f98"});

    static byte[] bytes(String before, String hex, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(HexFormat.of().parseHex(hex));
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static ApiException refusedSingle(byte[] body) {
        return assertThrows(ApiException.class, () -> EventInput.parseSingle(body, MAX_PAYLOAD));
    }

    @Test
    void trailingContentAfterTheEventIsMalformed() {
        for (String body : new String[] {"{\"type\":\"a\",\"payload\":{}}xx", "{\"type\":\"a\",\"payload\":{}}{\"type\":\"b\",\"payload\":{}}",
                "{\"type\":\"a\",\"payload\":{}} 1", "{\"type\":\"a\",\"payload\":{}}]"}) {
            ApiException e = refusedSingle(body.getBytes(StandardCharsets.UTF_8));
            assertThat(body, e.status().code(), is(400));
            assertThat(body, e.error(), is("malformed_json"));
        }
        NewEvent spaced = EventInput.parseSingle("{\"type\":\"a\",\"payload\":{}} \r\n\t".getBytes(StandardCharsets.UTF_8), MAX_PAYLOAD);
        assertThat(spaced.type(), is("a"));
    }

    @Test
    void unpairedSurrogateEscapesInTheDedupIdAreRefused() {
        for (String id : new String[] {"x\\ud800", "x\\udfff", "\\udbff", "\\udc00\\ud800", "a\\ud83d b"}) {
            ApiException e = refusedSingle(("{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(id, e.status().code(), is(400));
            assertThat(id, e.detail(), containsString("'dedup_id'"));
            assertThat(id, e.detail(), containsString("surrogate"));
        }
        NewEvent paired = EventInput.parseSingle("{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"x\\ud83d\\ude00\"}"
                .getBytes(StandardCharsets.UTF_8), MAX_PAYLOAD);
        assertThat(paired.dedupId(), is("x\uD83D\uDE00"));
    }

    @Test
    void batchItemsWithUnpairedSurrogatesInTheDedupIdAreRejectedAlone() {
        String body = "{\"events\":[{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"b\\ud800\"},"
                + "{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"b\\udbff\"},{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"b\"}]}";
        List<EventInput.Item> items = EventInput.parseBatch(body.getBytes(StandardCharsets.UTF_8), 10, MAX_PAYLOAD);
        assertThat(items.get(0).rejection().detail(), containsString("events[0].dedup_id"));
        assertThat(items.get(1).rejection().detail(), containsString("events[1].dedup_id"));
        assertThat(items.get(2).event().dedupId(), is("b"));
    }

    @Test
    void invalidUtf8AnywhereRefusesTheSingleEvent() {
        for (String[] c : INVALID_UTF8) {
            for (byte[] body : new byte[][] {
                    bytes("{\"type\":\"a\",\"payload\":{\"s\":\"x", c[1], "\"}}"),
                    bytes("{\"type\":\"a\",\"payload\":{\"k", c[1], "\":1}}"),
                    bytes("{\"type\":\"a\",\"payload\":{},\"dedup_id\":\"", c[1], "\"}"),
                    bytes("{\"type\":\"a\",\"payload\":{},\"other\":\"", c[1], "\"}"),
                    bytes("{\"type\":\"a", c[1], "\",\"payload\":{}}"),
                    bytes("{\"type\":\"a\",\"payload\":{}}", c[1], "")}) {
                ApiException e = refusedSingle(body);
                assertThat(c[0], e.status().code(), is(400));
                assertThat(c[0], e.error(), is("invalid_utf8"));
                assertThat(c[0], e.detail(), containsString("offset"));
            }
        }
    }

    @Test
    void invalidUtf8AnywhereRefusesTheWholeBatch() {
        for (String[] c : INVALID_UTF8) {
            for (byte[] body : new byte[][] {
                    bytes("{\"events\":[{\"type\":\"a\",\"payload\":{}},{\"type\":\"a\",\"payload\":{\"s\":\"", c[1], "\"}}]}"),
                    bytes("{\"events\":[{\"type\":\"a\",\"payload\":{}}],\"note\":\"", c[1], "\"}")}) {
                ApiException e = assertThrows(ApiException.class, () -> EventInput.parseBatch(body, 10, MAX_PAYLOAD));
                assertThat(c[0], e.status().code(), is(400));
                assertThat(c[0], e.error(), is("invalid_utf8"));
            }
        }
    }

    @Test
    void everyWellFormedSequenceIsKeptByteForByte() {
        // Edges of each length class and around the surrogate block.
        String hex = "7f" + "c280" + "dfbf" + "e0a080" + "ed9fbf" + "ee8080" + "efbfbf" + "f0908080" + "f48fbfbf" + "efbbbf";
        byte[] body = bytes("{\"type\":\"a\",\"payload\":{\"s\":\"", hex, "\"}}");
        NewEvent e = EventInput.parseSingle(body, MAX_PAYLOAD);
        assertThat(HexFormat.of().formatHex(e.payload().getBytes(StandardCharsets.UTF_8)),
                is(HexFormat.of().formatHex(bytes("{\"s\":\"", hex, "\"}"))));
        List<EventInput.Item> items = EventInput.parseBatch(bytes("{\"events\":[{\"type\":\"a\",\"payload\":{\"s\":\"", hex, "\"}}]}"),
                10, MAX_PAYLOAD);
        assertThat(items.getFirst().event().payload(), is(e.payload()));
    }

    @Test
    void utf16AndUtf32BodiesAreRefusedNamingTheEncoding() {
        String json = "{\"type\":\"a\",\"payload\":{\"s\":\"é\"}}";
        String batch = "{\"events\":[" + json + "]}";
        for (String charset : new String[] {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            for (boolean bom : new boolean[] {false, true}) {
                Charset cs = Charset.forName(charset);
                ApiException single = refusedSingle(encode(json, cs, bom));
                ApiException whole = assertThrows(ApiException.class, () -> EventInput.parseBatch(encode(batch, cs, bom), 10, MAX_PAYLOAD));
                for (ApiException e : List.of(single, whole)) {
                    assertThat(charset, e.status().code(), is(415));
                    assertThat(charset, e.error(), is("unsupported_charset"));
                    assertThat(charset, e.detail(), containsString(charset));
                }
            }
        }
    }

    @Test
    void aUtf8ByteOrderMarkIsSkippedAndThePayloadKeptAsSent() {
        byte[] body = bytes("", "efbbbf", "{\"type\":\"a\",\"payload\":{\"s\": \"é\"}}");
        assertThat(EventInput.parseSingle(body, MAX_PAYLOAD).payload(), is("{\"s\": \"é\"}"));
        byte[] batch = bytes("", "efbbbf", "{\"events\":[{\"type\":\"a\",\"payload\":{\"s\": \"é\"}}]}");
        assertThat(EventInput.parseBatch(batch, 10, MAX_PAYLOAD).getFirst().event().payload(), is("{\"s\": \"é\"}"));
    }

    static byte[] encode(String json, Charset charset, boolean bom) {
        // Java's UTF-16LE/BE and UTF-32LE/BE encoders write no BOM: U+FEFF first is one.
        return ((bom ? "\uFEFF" : "") + json).getBytes(charset);
    }
}
