package dev.triggers.platform.logging;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.Application;
import dev.triggers.TestSupport;
import dev.triggers.platform.json.Json;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** Logs are JSON lines, the access log included, and no line ever carries an API key. */
class LogsKeepSecretsTest {
    @Test
    void accessAndApplicationLogsAreJsonAndNeverContainKeys() throws Exception {
        JsonLogFormatter formatter = new JsonLogFormatter();
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(formatter.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        Level before = root.getLevel();
        root.setLevel(Level.INFO);
        try (Application app = Application.create(TestSupport.config(Map.of("ACCESS_LOG", "true")))) {
            WebServer server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
            try {
                ApiClient api = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build());
                String key = api.newOrganization();
                api.get("/api/keys", key);
                api.send(Method.GET, "/api/keys", null, null, Map.of("Authorization", "Bearer " + key));
                Reply rotated = api.post("/api/keys/rotate", key, null);
                String newKey = rotated.json().get("api_key").asText();
                api.get("/api/keys", key);
                api.get("/api/keys?api_key=" + "zap_test_not_a_real_key_in_query", newKey);

                List<String> accessRoutes = new java.util.ArrayList<>();
                for (String line : lines) {
                    JsonNode json = Json.MAPPER.readTree(line);
                    assertThat(json.has("ts") && json.has("level") && json.has("logger"), is(true));
                    assertThat(line, line.contains(key), is(false));
                    assertThat(line, line.contains(newKey), is(false));
                    if ("access".equals(json.get("logger").asText())) {
                        accessRoutes.add(json.get("method").asText() + " " + json.get("path").asText() + " "
                                + json.get("status").asInt());
                    }
                }
                assertThat(accessRoutes, hasItem("POST /api/keys/rotate 200"));
                assertThat(accessRoutes, hasItem("GET /api/keys 401"));
                assertThat(accessRoutes, not(hasItem(org.hamcrest.Matchers.containsString("zap_"))));
            } finally {
                server.stop();
            }
        } finally {
            root.removeHandler(capture);
            root.setLevel(before);
        }
    }
}
