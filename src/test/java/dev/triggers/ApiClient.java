package dev.triggers;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.triggers.platform.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webclient.http1.Http1Client;

/**
 * What tests say to the server: requests with an optional key and JSON body, answers with status, headers
 * and parsed body.
 */
public final class ApiClient {
    /** A response, read completely. */
    public record Reply(int status, io.helidon.http.ClientResponseHeaders headers, String text) {
        public JsonNode json() {
            try {
                return text.isEmpty() ? MissingNode.getInstance() : Json.MAPPER.readTree(text);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        public Optional<String> header(String name) {
            return headers.first(HeaderNames.create(name));
        }

        public String contentType() {
            return header("Content-Type").orElse("");
        }
    }

    private final Http1Client client;

    public ApiClient(Http1Client client) {
        this.client = client;
    }

    public Reply get(String path, String key) {
        return send(Method.GET, path, key, null, Map.of());
    }

    public Reply post(String path, String key, String jsonBody) {
        return send(Method.POST, path, key, jsonBody, Map.of());
    }

    public Reply delete(String path, String key) {
        return send(Method.DELETE, path, key, null, Map.of());
    }

    public Reply send(Method method, String path, String key, String jsonBody, Map<String, String> headers) {
        // uri(String) would encode a query's '?' into the path; a URI keeps the (percent-encoded) query a query.
        Http1ClientRequest req = path.indexOf('?') < 0 ? client.method(method).uri(path)
                : client.method(method).uri(java.net.URI.create(path));
        if (key != null) {
            req.header(HeaderNames.create("X-API-Key"), key);
        }
        headers.forEach((k, v) -> req.header(HeaderNames.create(k), v));
        Http1ClientResponse res;
        if (jsonBody != null) {
            if (!headers.containsKey("Content-Type")) {
                req.header(HeaderNames.CONTENT_TYPE, "application/json");
            }
            res = req.submit(jsonBody);
        } else {
            res = req.request();
        }
        try (res) {
            String text = res.entity().hasEntity() ? res.as(String.class) : "";
            return new Reply(res.status().code(), res.headers(), text);
        }
    }

    /** A POST whose body is exactly {@code body}, byte for byte (for bodies no String can spell). */
    public Reply postBytes(String path, String key, String contentType, byte[] body) {
        Http1ClientRequest req = client.method(Method.POST).uri(path).header(HeaderNames.CONTENT_TYPE, contentType);
        if (key != null) {
            req.header(HeaderNames.create("X-API-Key"), key);
        }
        try (Http1ClientResponse res = req.submit(body)) {
            String text = res.entity().hasEntity() ? res.as(String.class) : "";
            return new Reply(res.status().code(), res.headers(), text);
        }
    }

    /** A new organization of the given tier; returns its API key. */
    public String newOrganization(String tier) {
        Reply r = post("/api/keys/generate", null,
                "{\"organization_name\":\"test org\",\"tier\":\"" + tier + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("could not create an organization: " + r.status() + " " + r.text());
        }
        return r.json().get("api_key").asText();
    }

    public String newOrganization() {
        return newOrganization("enterprise");
    }
}
