package dev.triggers.events;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The event parsers take any bytes: the single-event parser yields an event that satisfies the contract's rules,
 * the batch parser yields 1 to N items each such an event or a 4xx rejection, or either refuses with a 4xx.
 * Nothing else (no 5xx, no exception escaping, no payload beyond the limit) comes out.
 */
class EventInputFuzzTest {
    private static final int MAX_PAYLOAD = 4096;
    private static final int MAX_ITEMS = 8;

    @FuzzTest(maxDuration = "30s")
    void anyBodyBecomesAValidEventOrA4xx(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        NewEvent event;
        try {
            event = EventInput.parseSingle(body, MAX_PAYLOAD);
        } catch (ApiException e) {
            assertThat(e.getMessage(), e.status().code() / 100, is(4));
            return;
        }
        assertValid(event, body);
    }

    @FuzzTest(maxDuration = "30s")
    void anyBatchBodyBecomesValidItemsOrA4xx(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        java.util.List<EventInput.Item> items;
        try {
            items = EventInput.parseBatch(body, MAX_ITEMS, MAX_PAYLOAD);
        } catch (ApiException e) {
            assertThat(e.getMessage(), e.status().code() / 100, is(4));
            return;
        }
        assertThat(items.isEmpty(), is(false));
        assertThat(items.size(), lessThanOrEqualTo(MAX_ITEMS));
        for (EventInput.Item item : items) {
            if (item.event() != null) {
                assertValid(item.event(), body);
            } else {
                assertThat(item.rejection().getMessage(), item.rejection().status().code() / 100, is(4));
            }
        }
    }

    private static void assertValid(NewEvent event, byte[] body) {
        // Stored exactly as sent: the payload's bytes are a run of the body's, not a re-decoding of it.
        byte[] sent = event.payload().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat("payload is not the client's bytes: " + event.payload(), indexOf(body, sent) >= 0, is(true));
        assertThat(event.type().matches("[A-Za-z0-9._:-]{1,255}"), is(true));
        if (event.dedupId() != null) {
            assertThat(event.dedupId().isEmpty(), is(false));
            assertThat(JsonBodies.unstorable(event.dedupId()), is((String) null));
        }
        assertThat(event.payload().length(), lessThanOrEqualTo(MAX_PAYLOAD));
        // What will be stored is one JSON object that PostgreSQL can hold.
        try {
            var payload = Json.MAPPER.readTree(event.payload());
            assertThat(payload.isObject(), is(true));
            JsonBodies.checkStorable(payload, "payload");
        } catch (ApiException e) {
            throw new AssertionError("accepted a payload PostgreSQL cannot store: " + event.payload(), e);
        } catch (Exception e) {
            throw new AssertionError("accepted a payload that is not JSON: " + event.payload(), e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
