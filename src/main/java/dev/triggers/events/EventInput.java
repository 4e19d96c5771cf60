package dev.triggers.events;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.json.Json;

/**
 * Validates one event object of a request ({@code {"type", "payload", "dedup_id"}}) into a {@link NewEvent}.
 * Errors name the field, prefixed with where the event sits ({@code events[3].type}) in a batch.
 */
final class EventInput {
    static final int MAX_TYPE_LENGTH = 255;
    static final int MAX_DEDUP_ID_LENGTH = 255;

    private EventInput() {
    }

    static NewEvent parse(JsonNode event, String prefix, int maxPayloadBytes) {
        if (event == null || !event.isObject()) {
            throw ApiException.validation("'" + (prefix.isEmpty() ? "(body)" : prefix) + "' must be a JSON object");
        }
        String type = type(event.get("type"), prefix + "type");
        JsonNode payloadNode = event.get("payload");
        if (payloadNode == null || payloadNode.isNull()) {
            throw ApiException.validation("field '" + prefix + "payload' is required");
        }
        if (!payloadNode.isObject()) {
            throw ApiException.validation("field '" + prefix + "payload' must be a JSON object");
        }
        String payload = Json.string(payloadNode);
        if (utf8LongerThan(payload, maxPayloadBytes)) {
            throw ApiException.payloadTooLarge("field '" + prefix + "payload' exceeds " + maxPayloadBytes
                    + " bytes serialized");
        }
        return new NewEvent(type, payload, dedupId(event.get("dedup_id"), prefix + "dedup_id"));
    }

    private static String type(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw ApiException.validation("field '" + field + "' is required");
        }
        if (!node.isTextual()) {
            throw ApiException.validation("field '" + field + "' must be a string");
        }
        String type = node.textValue();
        if (type.isEmpty() || type.length() > MAX_TYPE_LENGTH) {
            throw ApiException.validation("field '" + field + "' must be 1 to " + MAX_TYPE_LENGTH + " characters");
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                throw ApiException.validation("field '" + field + "' may only contain A-Z, a-z, 0-9 and . _ : -");
            }
        }
        return type;
    }

    private static String dedupId(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.validation("field '" + field + "' must be a string");
        }
        String id = node.textValue();
        int length = id.codePointCount(0, id.length());
        if (length < 1 || length > MAX_DEDUP_ID_LENGTH) {
            throw ApiException.validation("field '" + field + "' must be 1 to " + MAX_DEDUP_ID_LENGTH + " characters");
        }
        return id;
    }

    /** Whether {@code s} takes more than {@code max} bytes in UTF-8, counting no further than needed. */
    static boolean utf8LongerThan(String s, int max) {
        if ((long) s.length() * 3 <= max) {
            return false; // at most 3 bytes per UTF-16 unit
        }
        long bytes = 0;
        for (int i = 0; i < s.length() && bytes <= max; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes > max;
    }
}
