package dev.triggers.inbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.json.Json;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The page body is written by hand from the driver's bytes; it must stay byte for byte what the Jackson generator
 * wrote for the same page, which {@link #jackson} reproduces (the implementation before the hand-written one).
 */
class InboxPageJsonTest {
    private static final String[] STRINGS = {
            "order.created", "a", "dedup-42", "x/y", "quote\"d", "back\\slash", "tab\tnew\nline\rcr", "\b\f",
            "\u0001\u001f\u007f", "é ü ß", "日本語", "emoji \uD83D\uDE00", "\u2028\u2029", "</script>", "'single'",
    };
    private static final String[] PAYLOADS = {
            "{}", "[]", "null", "42", "\"text\"", "{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"\\u0000\\n\"}}",
            "{\"name\": \"日本語 \uD83D\uDE00\", \"esc\": \"\\\"\\\\\"}",
    };

    @Test
    void everyPageIsWhatTheJacksonGeneratorWrote() {
        Random random = new Random(7);
        for (int round = 0; round < 500; round++) {
            List<InboxStore.InboxEvent> events = new ArrayList<>();
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                events.add(event(random));
            }
            String cursor = random.nextBoolean() ? null : "AQEAAAAAAAYXd6eyKe0BmaZ2-1NHk1zFrQ7eNnGB";
            boolean hasMore = random.nextBoolean();
            String expected = new String(jackson(events, cursor, hasMore), StandardCharsets.UTF_8);
            assertThat(new String(InboxPageJson.render(events, cursor, hasMore), StandardCharsets.UTF_8), is(expected));
        }
    }

    @Test
    void timestampsAreTheContractFormatAtEveryInstantAndOffset() {
        Random random = new Random(11);
        List<Instant> instants = new ArrayList<>(List.of(Instant.parse("0001-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999Z"), Instant.parse("1970-01-01T00:00:00Z"),
                Instant.parse("2026-11-27T10:30:00.000001Z"), Instant.parse("2024-02-29T23:59:59.999999Z"),
                Instant.parse("0999-03-01T00:00:00.5Z"), Instant.parse("-0001-12-31T23:59:59Z"),
                Instant.parse("+10000-01-01T00:00:00Z")));
        for (int i = 0; i < 2000; i++) {
            long micros = random.nextLong(-62_135_596_800_000_000L, 253_402_300_800_000_000L);
            instants.add(Instant.EPOCH.plusNanos(micros * 1000));
        }
        for (Instant at : instants) {
            for (ZoneOffset offset : List.of(ZoneOffset.UTC, ZoneOffset.ofHours(14), ZoneOffset.ofHoursMinutes(-9, -30))) {
                InboxStore.InboxEvent e = new InboxStore.InboxEvent(UUID.randomUUID(), bytes("t"), bytes("{}"), null,
                        at.atOffset(offset), 0, 0);
                String json = new String(InboxPageJson.render(List.of(e), null, false), StandardCharsets.UTF_8);
                String expected = new String(jackson(List.of(e), null, false), StandardCharsets.UTF_8);
                assertThat(at + " at " + offset, json, is(expected));
            }
        }
    }

    private static InboxStore.InboxEvent event(Random random) {
        UUID id = new UUID(random.nextLong(), random.nextLong());
        String type = STRINGS[random.nextInt(STRINGS.length)];
        String payload = PAYLOADS[random.nextInt(PAYLOADS.length)];
        String dedup = random.nextInt(3) == 0 ? null : STRINGS[random.nextInt(STRINGS.length)];
        Instant at = Instant.parse("2026-01-01T00:00:00Z").plusNanos(random.nextLong(0, 10_000_000_000_000L) * 1000);
        int status = DeliveryStatus.values()[random.nextInt(DeliveryStatus.values().length)].code();
        int attempts = random.nextInt(5) == 0 ? random.nextInt() : random.nextInt(12);
        return new InboxStore.InboxEvent(id, bytes(type), bytes(payload), dedup == null ? null : bytes(dedup),
                at.atOffset(ZoneOffset.UTC), status, attempts);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The page as the server wrote it with a Jackson generator. */
    private static byte[] jackson(List<InboxStore.InboxEvent> events, String nextCursor, boolean hasMore) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeArrayFieldStart("events");
            for (InboxStore.InboxEvent e : events) {
                g.writeStartObject();
                g.writeStringField("id", e.id().toString());
                g.writeStringField("type", new String(e.type(), StandardCharsets.UTF_8));
                g.writeFieldName("payload");
                g.writeRawValue(new String(e.payload(), StandardCharsets.UTF_8));
                g.writeStringField("dedup_id",
                        e.dedupId() == null ? null : new String(e.dedupId(), StandardCharsets.UTF_8));
                g.writeStringField("created_at", Timestamps.format(e.createdAt().toInstant()));
                g.writeStringField("delivery_status", DeliveryStatus.fromCode(e.status()).wireName());
                g.writeNumberField("attempts", e.attempts());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("next_cursor", nextCursor);
            g.writeBooleanField("has_more", hasMore);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }
}
