package dev.triggers.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;

/**
 * Validates one event object of a request ({@code {"type", "payload", "dedup_id"}}) into a {@link NewEvent}.
 * Errors name the field, prefixed with where the event sits ({@code events[3].type}) in a batch.
 */
final class EventInput {
    static final int MAX_TYPE_LENGTH = 255;
    static final int MAX_DEDUP_ID_LENGTH = 255;

    private EventInput() {
    }

    /**
     * The single-event body, read in one streaming pass: the payload is stored as the bytes the client sent (jsonb
     * normalises them), so the hot path builds no tree and serialises nothing. Same rules as {@link #parse}; the
     * payload limit applies to the payload as sent.
     */
    static NewEvent parseSingle(byte[] body, int maxPayloadBytes) {
        if (body.length == 0) {
            throw ApiException.badRequest("malformed_json", "the request body is empty; a JSON object is required");
        }
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.validation("the request body must be a JSON object");
            }
            String type = null;
            boolean typeSeen = false;
            String payload = null;
            String dedupId = null;
            JsonToken field;
            while ((field = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "type" -> {
                        typeSeen = value != JsonToken.VALUE_NULL;
                        type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    case "payload" -> payload = rawPayload(p, value, body, maxPayloadBytes);
                    case "dedup_id" -> {
                        dedupId = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                            throw ApiException.validation("field 'dedup_id' must be a string");
                        }
                    }
                    default -> skipStorable(p, name);
                }
            }
            if (field != JsonToken.END_OBJECT) {
                throw ApiException.badRequest("malformed_json", "malformed JSON: the body ends inside the object");
            }
            if (type == null && typeSeen) {
                throw ApiException.validation("field 'type' must be a string");
            }
            if (type == null) {
                throw ApiException.validation("field 'type' is required");
            }
            checkType(type, "type");
            if (payload == null) {
                throw ApiException.validation("field 'payload' is required");
            }
            if (dedupId != null) {
                checkDedupId(dedupId, "dedup_id");
            }
            return new NewEvent(type, payload, dedupId);
        } catch (IOException e) {
            throw JsonBodies.malformed(e);
        }
    }

    /** The payload object's bytes as sent, after checking it holds nothing jsonb refuses. */
    private static String rawPayload(JsonParser p, JsonToken value, byte[] body, int maxPayloadBytes) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_OBJECT) {
            throw ApiException.validation("field 'payload' must be a JSON object");
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        checkStorable(p, "payload");
        int end = (int) p.currentLocation().getByteOffset();
        if (end - start > maxPayloadBytes) {
            throw ApiException.payloadTooLarge("field 'payload' exceeds " + maxPayloadBytes + " bytes serialized");
        }
        return new String(body, start, end - start, StandardCharsets.UTF_8);
    }

    private static void skipStorable(JsonParser p, String name) throws IOException {
        if (p.currentToken().isStructStart()) {
            checkStorable(p, name);
        } else {
            checkScalar(p, name);
        }
    }

    /** Walks the structure the parser is at the start of, to its end, refusing U+0000 and numbers beyond double. */
    private static void checkStorable(JsonParser p, String path) throws IOException {
        int depth = 1;
        String field = path;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw ApiException.badRequest("malformed_json", "malformed JSON: the body ends inside '" + path + "'");
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case FIELD_NAME -> {
                    field = path + "." + p.currentName();
                    if (p.currentName().indexOf('\0') >= 0) {
                        throw ApiException.validation("a key inside '" + path + "' contains U+0000, which cannot be stored");
                    }
                }
                default -> checkScalar(p, field);
            }
        }
    }

    private static void checkScalar(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            char[] chars = p.getTextCharacters();
            int offset = p.getTextOffset();
            for (int i = offset, end = offset + p.getTextLength(); i < end; i++) {
                if (chars[i] == 0) {
                    throw ApiException.validation("field '" + field.replace("\0", "\\u0000")
                            + "' contains U+0000, which cannot be stored");
                }
            }
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT || (t == JsonToken.VALUE_NUMBER_INT
                && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)) {
            if (Double.isInfinite(p.getDoubleValue())) {
                throw ApiException.validation("field '" + field + "' holds a number outside the range of a double");
            }
        }
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
        return checkType(node.textValue(), field);
    }

    private static String checkType(String type, String field) {
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
        return checkDedupId(node.textValue(), field);
    }

    private static String checkDedupId(String id, String field) {
        if (id.indexOf('\0') >= 0) {
            throw ApiException.validation("field '" + field + "' contains U+0000, which cannot be stored");
        }
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
