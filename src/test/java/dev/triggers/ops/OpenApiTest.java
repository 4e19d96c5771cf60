package dev.triggers.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;

/**
 * {@code GET /openapi} serves an OpenAPI 3.1 document that describes the whole contract of
 * docs/API.md: every path and method, the authentication schemes, problem documents on errors.
 * SnakeYAML (brought by Helidon's YAML config) parses it.
 */
@ServerTest
class OpenApiTest {
    /** The contract's surface, method and path, exactly as in docs/API.md. */
    private static final List<String> CONTRACT = List.of(
            "POST /api/keys/generate", "GET /api/keys", "POST /api/keys/rotate",
            "POST /api/webhook/config", "DELETE /api/webhook/config", "POST /api/webhook/rotate-secret",
            "POST /api/events", "POST /api/events/batch", "GET /api/events/{id}", "POST /api/events/{id}/redeliver",
            "GET /api/inbox", "POST /api/inbox/ack", "POST /api/inbox/ack/{id}", "POST /api/ack/{id}",
            "GET /health", "GET /health/live", "GET /health/ready", "GET /metrics", "GET /openapi");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private final ApiClient api;

    OpenApiTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void servesAnOpenApi31YamlDocument() {
        Reply r = api.get("/openapi", null);
        assertThat(r.status(), is(200));
        assertThat(r.contentType(), startsWith("application/yaml"));
        assertThat(String.valueOf(document().get("openapi")), matchesPattern("3\\.1\\.\\d+"));
    }

    @Test
    void documentsEveryContractPathAndMethodAndNothingElse() {
        List<String> documented = new ArrayList<>();
        map(document(), "paths").forEach((path, item) -> ((Map<?, ?>) item).keySet().stream()
                .map(String::valueOf)
                .filter(METHODS::contains)
                .forEach(method -> documented.add(method.toUpperCase() + " " + path)));
        assertThat(documented, containsInAnyOrder(CONTRACT.toArray()));
    }

    @Test
    void declaresApiKeyBearerAndAdminTokenSchemes() {
        Map<String, Object> schemes = map(document(), "components", "securitySchemes");
        assertThat(map(schemes, "apiKey").get("in"), is("header"));
        assertThat(map(schemes, "apiKey").get("name"), is("X-API-Key"));
        assertThat(map(schemes, "bearer").get("scheme"), is("bearer"));
        assertThat(map(schemes, "adminToken").get("in"), is("header"));
        assertThat(map(schemes, "adminToken").get("name"), is("X-Admin-Token"));
        assertThat((List<?>) document().get("security"), containsInAnyOrder(Map.of("apiKey", List.of()),
                Map.of("bearer", List.of())));
    }

    @Test
    void problemDocumentHasTheContractFields() {
        Map<String, Object> problem = map(document(), "components", "schemas", "Problem");
        assertThat((List<?>) problem.get("required"),
                containsInAnyOrder("type", "title", "status", "detail", "error", "request_id"));
    }

    @Test
    void everyApiErrorResponseIsAProblemDocument() {
        Map<String, Object> doc = document();
        List<String> notProblems = new ArrayList<>();
        map(doc, "paths").forEach((path, item) -> {
            if (!String.valueOf(path).startsWith("/api/")) {
                return;
            }
            ((Map<?, ?>) item).forEach((method, op) -> {
                Map<String, Object> responses = map(op, "responses");
                assertThat(method + " " + path + " documents 401", responses, hasKey("401"));
                responses.forEach((status, response) -> {
                    if (status.startsWith("4") || status.startsWith("5")) {
                        Map<String, Object> resolved = resolve(doc, response);
                        if (!map(resolved, "content").containsKey("application/problem+json")) {
                            notProblems.add(method + " " + path + " " + status);
                        }
                    }
                });
            });
        });
        assertThat(notProblems, empty());
    }

    @Test
    void ingestDocumentsRateLimitHeadersLocationAndRetryAfter() {
        Map<String, Object> doc = document();
        Map<String, Object> responses = map(doc, "paths", "/api/events", "post", "responses");
        assertThat(map(responses, "201", "headers").keySet(), containsInAnyOrder(
                "Location", "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"));
        assertThat(map(resolve(doc, responses.get("429")), "headers").keySet(), hasItem("Retry-After"));
        assertThat(map(resolve(doc, responses.get("503")), "headers").keySet(), hasItem("Retry-After"));
        assertThat(map(resolve(doc, responses.get("409")), "content", "application/problem+json", "schema").get("$ref"),
                is("#/components/schemas/DuplicateProblem"));
    }

    @Test
    void everyReferenceResolves() {
        Map<String, Object> doc = document();
        Set<String> refs = new TreeSet<>();
        collectRefs(doc, refs);
        List<String> dangling = refs.stream().filter(ref -> {
            try {
                resolve(doc, Map.of("$ref", ref));
                return false;
            } catch (RuntimeException e) {
                return true;
            }
        }).toList();
        assertThat(refs.isEmpty(), is(false));
        assertThat(dangling, empty());
    }

    private Map<String, Object> document() {
        Reply r = api.get("/openapi", null);
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(r.text());
        return cast(parsed);
    }

    /** Follows a local {@code $ref} (and chains of them); anything else is returned as is. */
    private static Map<String, Object> resolve(Map<String, Object> doc, Object node) {
        Map<String, Object> current = cast(node);
        while (current.get("$ref") instanceof String ref) {
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("not a local reference: " + ref);
            }
            current = map(doc, ref.substring(2).split("/"));
        }
        return current;
    }

    private static void collectRefs(Object node, Set<String> refs) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if ("$ref".equals(k)) {
                    refs.add(String.valueOf(v));
                } else {
                    collectRefs(v, refs);
                }
            });
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collectRefs(v, refs));
        }
    }

    private static Map<String, Object> map(Object node, String... path) {
        Map<String, Object> current = cast(node);
        for (String key : path) {
            Object next = current.get(key);
            if (next == null) {
                throw new IllegalArgumentException("no '" + key + "' in " + String.join("/", path));
            }
            current = cast(next);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object node) {
        if (!(node instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("not a mapping: " + node);
        }
        return (Map<String, Object>) node;
    }
}
