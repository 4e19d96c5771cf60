package dev.triggers.platform.json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.platform.http.ApiException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;

/**
 * Reads request bodies: content type, size (refused before it is buffered), syntax, depth, and the values
 * PostgreSQL cannot store (U+0000, numbers beyond double range).
 */
public final class JsonBodies {
    private JsonBodies() {
    }

    /** The parsed body of a JSON request of at most {@code maxBytes} bytes; always an object. */
    public static JsonNode readObject(ServerRequest req, long maxBytes) {
        JsonNode node = parse(readBytes(req, maxBytes));
        if (!node.isObject()) {
            throw ApiException.validation("the request body must be a JSON object");
        }
        checkStorable(node, "");
        return node;
    }

    /** The parsed body if the request has one, else empty; for endpoints whose body is optional. */
    public static Optional<JsonNode> readOptionalObject(ServerRequest req, long maxBytes) {
        boolean hasBody = req.headers().contentLength().orElse(0L) > 0 || req.headers().contains(HeaderNames.TRANSFER_ENCODING);
        return hasBody ? Optional.of(readObject(req, maxBytes)) : Optional.empty();
    }

    /** The raw body of a JSON request of at most {@code maxBytes} bytes (content type and size checked). */
    public static byte[] readBytes(ServerRequest req, long maxBytes) {
        requireJsonContentType(req);
        long declared = req.headers().contentLength().orElse(-1L);
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        try (InputStream in = req.content().inputStream()) {
            if (declared >= 0) {
                // Read straight into an array of the declared size: readNBytes would buffer the body in chunks and
                // then copy it, twice the memory of a 16 MiB batch for a moment.
                byte[] body = new byte[(int) declared];
                int read = in.readNBytes(body, 0, body.length);
                return read == body.length ? body : java.util.Arrays.copyOf(body, read);
            }
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return body;
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            // Broken framing (e.g. a chunk size that is not hex) surfaces from the webserver as these; the stream
            // is unusable afterwards, so the connection is closed too.
            throw ApiException.badRequest("malformed_body", "the request body could not be read: invalid HTTP framing")
                    .header("Connection", "close");
        }
    }

    private static ApiException tooLarge(long maxBytes) {
        return ApiException.payloadTooLarge("the request body exceeds the limit of " + maxBytes + " bytes");
    }

    private static void requireJsonContentType(ServerRequest req) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        int semicolon = type.indexOf(';');
        String mediaType = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        if (!mediaType.equalsIgnoreCase("application/json")) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_media_type", "Unsupported Media Type",
                    "the request body must be sent with Content-Type: application/json");
        }
        String charset = semicolon < 0 ? null : charset(type.substring(semicolon + 1));
        if (charset != null && !charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
            throw new ApiException(Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported_charset", "Unsupported Media Type",
                    "the request body must be UTF-8 JSON, not charset=" + (charset.length() > 40 ? charset.substring(0, 40) + "…" : charset));
        }
    }

    /** The value of a {@code charset} parameter among {@code params} ("a=b; charset=\"x\""), or null. */
    static String charset(String params) {
        for (String param : params.split(";")) {
            int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("charset")) {
                String value = param.substring(eq + 1).trim();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("malformed_json", "the request body is empty; a JSON object is required");
        }
        Utf8.require(body);
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("malformed_json", "the request body is empty; a JSON object is required");
            }
            return node;
        } catch (IOException e) {
            throw malformed(e);
        } catch (NumberFormatException e) {
            // A decimal whose exponent overflows BigDecimal ("2e2222222222").
            throw ApiException.validation("the body holds a number outside the range of a double");
        }
    }

    /** The 400 for a body the parser could not read; any IOException from parsing bytes in memory is the input's fault. */
    public static ApiException malformed(IOException io) {
        if (!(io instanceof JsonProcessingException e)) {
            // Not JSON in any encoding Jackson recognises (e.g. truncated UTF-32).
            return ApiException.badRequest("malformed_json", "the body is not valid UTF-8 JSON: " + firstLine(io.getMessage()));
        }
        if (e instanceof StreamConstraintsException) {
            boolean depth = e.getMessage() != null && e.getMessage().contains("nesting depth");
            return ApiException.badRequest(depth ? "json_too_deep" : "malformed_json", depth
                    ? "the JSON body is nested deeper than " + Json.MAX_DEPTH + " levels"
                    : "the JSON body exceeds a parser limit: " + firstLine(e.getOriginalMessage()));
        }
        if (e instanceof JsonParseException p) {
            return ApiException.badRequest("malformed_json", "malformed JSON at line " + p.getLocation().getLineNr()
                    + ", column " + p.getLocation().getColumnNr() + ": " + firstLine(p.getOriginalMessage()));
        }
        return ApiException.badRequest("malformed_json", "malformed JSON: " + firstLine(e.getOriginalMessage()));
    }

    /**
     * Refuses in a string or a key what PostgreSQL's JSON parser refuses ({@link #unstorable}), and numbers outside
     * double range: the contract's rules, so a consumer never gets a NUL or an infinite number.
     *
     * @param path where {@code node} sits, for the error detail ({@code ""} for the body itself)
     */
    public static void checkStorable(JsonNode node, String path) {
        if (node.isTextual()) {
            String problem = unstorable(node.textValue());
            if (problem != null) {
                throw ApiException.validation("field '" + display(path) + "' contains " + problem + ", which cannot be stored");
            }
        } else if (node.isBigDecimal() || node.isBigInteger()) {
            if (Double.isInfinite(node.doubleValue())) {
                throw ApiException.validation("field '" + display(path) + "' holds a number outside the range of a double");
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                String problem = unstorable(field.getKey());
                if (problem != null) {
                    throw ApiException.validation("a key inside '" + display(path) + "' contains " + problem + ", which cannot be stored");
                }
                checkStorable(field.getValue(), child);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkStorable(node.get(i), path + "[" + i + "]");
            }
        }
    }

    /**
     * What in {@code chars[from, to)} PostgreSQL's JSON parser refuses, or null: U+0000, or a UTF-16 surrogate without
     * its partner (JSON can spell one, {@code "\ud800"}; the statement storing it failed, and the request got a 500).
     */
    public static String unstorable(char[] chars, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = chars[i];
            if (c == 0) {
                return "U+0000";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(chars[i + 1])) {
                    i++;
                } else {
                    return "an unpaired UTF-16 surrogate";
                }
            }
        }
        return null;
    }

    public static String unstorable(String s) {
        return unstorable(s.toCharArray(), 0, s.length());
    }

    private static String display(String path) {
        String p = path.isEmpty() ? "(body)" : path.replace("\0", "\\u0000");
        return p.length() > 200 ? p.substring(0, 200) + "…" : p;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid input";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        int source = line.indexOf(" (start marker at");
        line = source < 0 ? line : line.substring(0, source);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
