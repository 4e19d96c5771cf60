package dev.triggers.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;
import dev.triggers.platform.json.Utf8;

/**
 * Validates event objects of a request ({@code {"type", "payload", "dedup_id"}}) into {@link NewEvent}s.
 * Errors name the field, prefixed with where the event sits ({@code events[3].type}) in a batch.
 */
final class EventInput {
    static final int MAX_TYPE_LENGTH = 255;
    static final int MAX_DEDUP_ID_LENGTH = 255;

    private EventInput() {
    }

    /**
     * The single-event body, read in one streaming pass: the payload is stored as the bytes the client sent (a
     * json column: whitespace, key order and duplicate keys as sent), so the hot path builds no tree and serialises
     * nothing. Same rules as a batch item; the payload limit applies to the payload as sent.
     */
    static NewEvent parseSingle(byte[] body, int maxPayloadBytes) {
        if (body.length == 0) {
            throw ApiException.badRequest("malformed_json", "the request body is empty; a JSON object is required");
        }
        Utf8.require(body);
        return parseEvent(body, "", maxPayloadBytes);
    }

    /** One batch item or a rejection of it; exactly one of the two is set. */
    record Item(NewEvent event, ApiException rejection) {
    }

    /**
     * The batch body {@code {"events": [...]}}, read in one streaming pass like the single event: no tree of the
     * whole body (a 16 MiB batch would be several times that on the heap), each payload kept as the bytes sent.
     * Malformed JSON anywhere, or an {@code events} that is not an array of 1 to {@code maxEvents}, refuses the
     * whole request; an item that breaks a rule (including U+0000 or an out-of-range number inside it) is
     * rejected alone, its index in the error. A body that is not UTF-8 is malformed too, so it refuses the whole
     * request.
     */
    static List<Item> parseBatch(byte[] body, int maxEvents, int maxPayloadBytes) {
        if (body.length == 0) {
            throw ApiException.badRequest("malformed_json", "the request body is empty; a JSON object is required");
        }
        Utf8.require(body);
        String shape = "field 'events' must be an array of 1 to " + maxEvents + " events";
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.validation("the request body must be a JSON object");
            }
            List<Item> items = null;
            JsonToken field;
            while ((field = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("events") && value == JsonToken.START_ARRAY) {
                    items = new ArrayList<>();
                    JsonToken t;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == null) {
                            throw ApiException.badRequest("malformed_json", "malformed JSON: the body ends inside 'events'");
                        }
                        if (items.size() == maxEvents) {
                            throw ApiException.validation(shape);
                        }
                        items.add(item(p, t, body, "events[" + items.size() + "].", maxPayloadBytes));
                    }
                } else if (name.equals("events")) {
                    throw ApiException.validation(shape);
                } else {
                    skipStorable(p, name);
                }
            }
            if (field != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw ApiException.badRequest("malformed_json", "malformed JSON: the body is not one JSON object");
            }
            if (items == null || items.isEmpty()) {
                throw ApiException.validation(shape);
            }
            return items;
        } catch (IOException e) {
            throw JsonBodies.malformed(e);
        } catch (NumberFormatException e) {
            throw ApiException.validation("the body holds a number outside the range of a double");
        }
    }

    /** One array element: its syntax is checked by skipping over it, then its rules on its own bytes. */
    private static Item item(JsonParser p, JsonToken first, byte[] body, String prefix, int maxPayloadBytes) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        if (first != JsonToken.START_OBJECT) {
            return new Item(null, ApiException.validation("'" + prefix.substring(0, prefix.length() - 1)
                    + "' must be a JSON object"));
        }
        int end = (int) p.currentLocation().getByteOffset();
        try {
            return new Item(parseEvent(Arrays.copyOfRange(body, start, end), prefix, maxPayloadBytes), null);
        } catch (ApiException e) {
            return new Item(null, e);
        }
    }

    /** An event object, alone in {@code body}; error details name fields with {@code prefix} ("events[3]."). */
    private static NewEvent parseEvent(byte[] body, String prefix, int maxPayloadBytes) {
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
                    case "payload" -> payload = rawPayload(p, value, body, prefix, maxPayloadBytes);
                    case "dedup_id" -> {
                        dedupId = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                            throw ApiException.validation("field '" + prefix + "dedup_id' must be a string");
                        }
                    }
                    default -> skipStorable(p, prefix + name);
                }
            }
            if (field != JsonToken.END_OBJECT) {
                throw ApiException.badRequest("malformed_json", "malformed JSON: the body ends inside the object");
            }
            if (p.nextToken() != null) {
                throw ApiException.badRequest("malformed_json", "malformed JSON: the body is not one JSON object");
            }
            if (type == null && typeSeen) {
                throw ApiException.validation("field '" + prefix + "type' must be a string");
            }
            if (type == null) {
                throw ApiException.validation("field '" + prefix + "type' is required");
            }
            checkType(type, prefix + "type");
            if (payload == null) {
                throw ApiException.validation("field '" + prefix + "payload' is required");
            }
            if (dedupId != null) {
                checkDedupId(dedupId, prefix + "dedup_id");
            }
            return new NewEvent(type, payload, dedupId);
        } catch (IOException e) {
            throw JsonBodies.malformed(e);
        }
    }

    /** The payload object's bytes as sent, after checking it holds nothing PostgreSQL would refuse (checkStorable). */
    private static String rawPayload(JsonParser p, JsonToken value, byte[] body, String prefix, int maxPayloadBytes)
            throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_OBJECT) {
            throw ApiException.validation("field '" + prefix + "payload' must be a JSON object");
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        checkStorable(p, prefix + "payload");
        int end = (int) p.currentLocation().getByteOffset();
        if (end - start > maxPayloadBytes) {
            throw ApiException.payloadTooLarge("field '" + prefix + "payload' exceeds " + maxPayloadBytes + " bytes serialized");
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

    /**
     * Walks the structure the parser is at the start of, to its end, refusing what {@link JsonBodies#unstorable}
     * names and numbers beyond double.
     */
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
                    String problem = unstorable(p);
                    if (problem != null) {
                        throw ApiException.validation("a key inside '" + path + "' contains " + problem + ", which cannot be stored");
                    }
                }
                default -> checkScalar(p, field);
            }
        }
    }

    /** The current string or key token's problem, read from the parser's own buffer (no String per key or value). */
    private static String unstorable(JsonParser p) throws IOException {
        int offset = p.getTextOffset();
        return JsonBodies.unstorable(p.getTextCharacters(), offset, offset + p.getTextLength());
    }

    private static void checkScalar(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            String problem = unstorable(p);
            if (problem != null) {
                throw ApiException.validation("field '" + field.replace("\0", "\\u0000") + "' contains " + problem
                        + ", which cannot be stored");
            }
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT || (t == JsonToken.VALUE_NUMBER_INT
                && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)) {
            if (mayOverflowDouble(p) && Double.isInfinite(p.getDoubleValue())) {
                throw ApiException.validation("field '" + field + "' holds a number outside the range of a double");
            }
        }
    }

    /**
     * Whether a number token could lie beyond double range: only with an exponent or 300+ characters. Parsing every
     * decimal of every payload to a double just to find out would be a visible share of the hot path's allocations.
     */
    private static boolean mayOverflowDouble(JsonParser p) throws IOException {
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        int length = p.getTextLength();
        if (length >= 300) {
            return true;
        }
        for (int i = offset; i < offset + length; i++) {
            if (chars[i] == 'e' || chars[i] == 'E') {
                return true;
            }
        }
        return false;
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

    private static String checkDedupId(String id, String field) {
        // An unpaired surrogate would reach PostgreSQL as '?' (the driver's encoder replaces it), so two different
        // ids would collide, or the dedup claim fails to find its own row.
        String problem = JsonBodies.unstorable(id);
        if (problem != null) {
            throw ApiException.validation("field '" + field + "' contains " + problem + ", which cannot be stored");
        }
        int length = id.codePointCount(0, id.length());
        if (length < 1 || length > MAX_DEDUP_ID_LENGTH) {
            throw ApiException.validation("field '" + field + "' must be 1 to " + MAX_DEDUP_ID_LENGTH + " characters");
        }
        return id;
    }
}
