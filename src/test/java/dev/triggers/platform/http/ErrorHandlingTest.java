package dev.triggers.platform.http;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** Every error path answers with an RFC 9457 problem document carrying the request id. */
@ServerTest
class ErrorHandlingTest {
    private static final String GENERATE = "/api/keys/generate";
    private final ApiClient api;

    ErrorHandlingTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    private static JsonNode assertProblem(Reply r, int status, String error) {
        assertThat(r.text(), r.status(), is(status));
        assertThat(r.contentType(), startsWith("application/problem+json"));
        JsonNode p = r.json();
        assertThat(p.get("status").asInt(), is(status));
        assertThat(p.get("error").asText(), is(error));
        assertThat(p.get("type").asText(), is("/problems/" + error));
        assertThat(p.get("title").asText(), not(""));
        assertThat(p.get("detail").asText(), not(""));
        assertThat(p.get("request_id").asText(), is(r.header("X-Request-Id").orElseThrow()));
        assertThat(r.text(), not(containsString("Exception")));
        return p;
    }

    @Test
    void unknownRoutesAre404Problems() {
        assertProblem(api.get("/api/nothing-here", null), 404, "not_found");
        assertProblem(api.get("/", null), 404, "not_found");
    }

    @Test
    void wrongMethodsAre405ProblemsWithAllow() {
        Reply r = api.send(Method.DELETE, GENERATE, null, null, Map.of());
        assertProblem(r, 405, "method_not_allowed");
        assertThat(r.header("Allow").orElse(""), is("POST"));
        assertProblem(api.post("/health", null, "{}"), 405, "method_not_allowed");
    }

    @Test
    void nonJsonContentTypeIs415() {
        Reply r = api.send(Method.POST, GENERATE, null, "{\"organization_name\":\"a\"}", Map.of("Content-Type", "text/plain"));
        assertProblem(r, 415, "unsupported_media_type");
    }

    @Test
    void jsonWithCharsetIsAccepted() {
        Reply r = api.send(Method.POST, GENERATE, null, "{\"organization_name\":\"a\"}",
                Map.of("Content-Type", "application/json; charset=utf-8"));
        assertThat(r.status(), is(201));
    }

    @Test
    void malformedJsonIs400NamingThePosition() {
        JsonNode p = assertProblem(api.post(GENERATE, null, "{\"organization_name\": "), 400, "malformed_json");
        assertThat(p.get("detail").asText(), containsString("line 1"));
        assertProblem(api.post(GENERATE, null, "not json"), 400, "malformed_json");
        assertProblem(api.post(GENERATE, null, ""), 400, "malformed_json");
        assertProblem(api.post(GENERATE, null, "{} {}"), 400, "malformed_json");
    }

    @Test
    void nestingIsLimitedTo64LevelsCountingTheTopLevelObject() {
        // organization_name plus a field nested so that the deepest object is at level 64: accepted.
        assertThat(api.post(GENERATE, null, nested(64)).status(), is(201));
        JsonNode p = assertProblem(api.post(GENERATE, null, nested(65)), 400, "json_too_deep");
        assertThat(p.get("detail").asText(), containsString("64"));
        assertProblem(api.post(GENERATE, null, "[".repeat(10_000)), 400, "json_too_deep");
    }

    private static String nested(int levels) {
        // level 1 is the body itself; each "x" adds one object level below it
        return "{\"organization_name\":\"deep\",\"x\":" + "{\"x\":".repeat(levels - 2) + "{}" + "}".repeat(levels - 2) + "}";
    }

    @Test
    void nulCharactersAndHugeNumbersAre400NamingTheField() {
        JsonNode p = assertProblem(api.post(GENERATE, null, "{\"organization_name\":\"a\\u0000b\"}"), 400, "validation_error");
        assertThat(p.get("detail").asText(), containsString("organization_name"));
        p = assertProblem(api.post(GENERATE, null, "{\"organization_name\":\"a\",\"meta\":{\"n\":1e400}}"), 400, "validation_error");
        assertThat(p.get("detail").asText(), containsString("meta.n"));
        assertProblem(api.post(GENERATE, null, "{\"organization_name\":\"a\",\"k\\u0000\":1}"), 400, "validation_error");
        // An exponent beyond BigDecimal's range.
        assertProblem(api.post(GENERATE, null, "{\"organization_name\":\"a\",\"n\":2e2222222222}"), 400, "validation_error");
    }

    @Test
    void oversizedBodiesAre413BeforeTheyAreRead() {
        String big = "{\"organization_name\":\"" + "a".repeat(70_000) + "\"}";
        assertProblem(api.post(GENERATE, null, big), 413, "payload_too_large");
    }

    @Test
    void everyResponseCarriesARequestIdEchoingASaneClientValue() {
        Reply r = api.send(Method.GET, "/health", null, null, Map.of("X-Request-Id", "abc-123"));
        assertThat(r.header("X-Request-Id").orElse(""), is("abc-123"));
        Reply generated = api.get("/health", null);
        assertThat(generated.header("X-Request-Id").orElse("").length(), is(36));
        Reply insane = api.send(Method.GET, "/health", null, null, Map.of("X-Request-Id", "x".repeat(300)));
        assertThat(insane.header("X-Request-Id").orElse("").length(), is(36));
        Reply problem = api.send(Method.GET, "/nope", null, null, Map.of("X-Request-Id", "trace-me"));
        assertThat(problem.json().get("request_id").asText(), is("trace-me"));
    }
}
