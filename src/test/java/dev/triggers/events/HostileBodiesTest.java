package dev.triggers.events;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static dev.triggers.events.EventInputTest.INVALID_UTF8;
import static dev.triggers.events.EventInputTest.bytes;
import static dev.triggers.events.EventsServiceTest.countEvents;
import static dev.triggers.events.EventsServiceTest.event;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/** Bodies a careless or hostile client sends: always a 4xx problem naming what is wrong, nothing stored. */
@ServerTest
class HostileBodiesTest {
    private static final String JSON = "application/json";

    private final ApiClient api;

    HostileBodiesTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    private static void assertProblem(String what, Reply r, int status, String error) {
        assertThat(what + ": " + r.text(), r.status(), is(status));
        assertThat(what, r.contentType(), startsWith("application/problem+json"));
        assertThat(what, r.json().get("error").asText(), is(error));
    }

    @Test
    void invalidUtf8Is400AndNothingIsStored() throws Exception {
        String key = api.newOrganization();
        for (String[] c : INVALID_UTF8) {
            assertProblem(c[0], api.postBytes("/api/events", key, JSON,
                    bytes("{\"type\":\"utf8.single\",\"payload\":{\"s\":\"", c[1], "\"}}")), 400, "invalid_utf8");
            assertProblem(c[0], api.postBytes("/api/events/batch", key, JSON,
                    bytes("{\"events\":[" + event("utf8.batch", "{}", null) + ",{\"type\":\"utf8.batch\",\"payload\":{\"s\":\"",
                            c[1], "\"}}]}")), 400, "invalid_utf8");
        }
        assertThat(countEvents("type IN ('utf8.single', 'utf8.batch')"), is(0));
        // The tree-parsed bodies too: an overlong '/' is not the name "a/b".
        assertProblem("generate", api.postBytes("/api/keys/generate", null, JSON,
                bytes("{\"organization_name\":\"a", "c0af", "b\"}")), 400, "invalid_utf8");
    }

    @Test
    void utf16AndUtf32BodiesAre415NamingTheEncoding() throws Exception {
        String key = api.newOrganization();
        String single = event("utf16", "{\"s\":\"é\"}", null);
        for (String charset : new String[] {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            for (boolean bom : new boolean[] {false, true}) {
                Charset cs = Charset.forName(charset);
                for (Reply r : new Reply[] {api.postBytes("/api/events", key, JSON, EventInputTest.encode(single, cs, bom)),
                        api.postBytes("/api/events/batch", key, JSON, EventInputTest.encode("{\"events\":[" + single + "]}", cs, bom))}) {
                    assertProblem(charset, r, 415, "unsupported_charset");
                    assertThat(r.json().get("detail").asText(), containsString(charset));
                }
            }
        }
        assertThat(countEvents("type = 'utf16'"), is(0));
    }

    @Test
    void aCharsetOtherThanUtf8InTheContentTypeIs415() {
        String key = api.newOrganization();
        byte[] body = event("charset", "{}", null).getBytes(StandardCharsets.UTF_8);
        for (String type : new String[] {"application/json; charset=utf-16", "application/json;charset=\"UTF-32\"",
                "application/json; charset=iso-8859-1"}) {
            assertProblem(type, api.postBytes("/api/events", key, type, body), 415, "unsupported_charset");
            assertProblem(type, api.postBytes("/api/events/batch", key, type, ("{\"events\":[" + new String(body, StandardCharsets.UTF_8) + "]}")
                    .getBytes(StandardCharsets.UTF_8)), 415, "unsupported_charset");
        }
        for (String type : new String[] {"application/json; charset=utf-8", "application/json; charset=\"UTF-8\"",
                "Application/JSON;Charset=UTF-8"}) {
            assertThat(type, api.postBytes("/api/events", key, type, body).status(), is(201));
        }
    }

    @Test
    void trailingContentAfterASingleEventIs400() throws Exception {
        String key = api.newOrganization();
        String valid = event("trailing", "{}", null);
        for (String body : new String[] {valid + "xx", valid + valid, valid + " {}", valid + "]"}) {
            assertProblem(body, api.post("/api/events", key, body), 400, "malformed_json");
        }
        assertThat(countEvents("type = 'trailing'"), is(0));
        assertThat(api.post("/api/events", key, valid + " \n").status(), is(201));
    }

    /** A lone surrogate in a dedup_id reached PostgreSQL as '?': a false 409 for a later "x?", or a 500. */
    @Test
    void unpairedSurrogatesInTheDedupIdAre400AndCollideWithNothing() throws Exception {
        String key = api.newOrganization();
        for (String id : new String[] {"x\\ud800", "x\\udfff", "\\udbff"}) {
            Reply r = api.post("/api/events", key, event("lone", "{}", id));
            assertProblem(id, r, 400, "validation_error");
            assertThat(r.json().get("detail").asText(), containsString("dedup_id"));
        }
        assertThat(api.post("/api/events", key, event("lone", "{}", "x?")).status(), is(201));
        Reply batch = api.post("/api/events/batch", key, "{\"events\":[" + event("lone", "{}", "b\\ud800") + ","
                + event("lone", "{}", "b\\udbff") + "," + event("lone", "{}", "b?") + "]}");
        assertThat(batch.text(), batch.status(), is(200));
        assertThat(batch.json().get("rejected").asInt(), is(2));
        assertThat(batch.json().get("accepted").asInt(), is(1));
        assertThat(batch.json().get("results").get(1).get("error").asText(), containsString("events[1].dedup_id"));
        assertThat(countEvents("type = 'lone'"), is(2));
    }
}
