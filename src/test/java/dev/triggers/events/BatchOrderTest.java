package dev.triggers.events;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Events of one batch share their commit's timestamp; their ids keep the batch's order in the inbox. */
@ServerTest
class BatchOrderTest {
    private final ApiClient api;

    BatchOrderTest(Http1Client client) {
        this.api = new ApiClient(client);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    @Test
    void theInboxInAscendingOrderReturnsABatchInTheOrderItWasSent() {
        String key = api.newOrganization();
        StringBuilder body = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 200; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"seq\",\"payload\":{\"i\":").append(i).append("}}");
        }
        Reply batch = api.post("/api/events/batch", key, body.append("]}").toString());
        assertThat(batch.text(), batch.status(), is(200));
        List<String> sent = new ArrayList<>();
        batch.json().get("results").forEach(r -> sent.add(r.get("id").asText()));

        Reply page = api.get("/api/inbox?order=asc&limit=1000", key);
        assertThat(page.status(), is(200));
        List<String> listed = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (JsonNode e : page.json().get("events")) {
            listed.add(e.get("id").asText());
            positions.add(e.get("payload").get("i").asInt());
        }
        assertThat(listed, is(sent));
        for (int i = 0; i < positions.size(); i++) {
            assertThat(positions.get(i), is(i));
        }
    }
}
