package dev.triggers.platform.http;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.triggers.ApiClient;
import dev.triggers.ApiClient.Reply;
import dev.triggers.Application;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Large request bodies share one memory budget: while bodies in progress hold it, another large body waits a
 * bounded time and then gets 503 + Retry-After, small bodies are not held up, and the budget comes back when a
 * request ends.
 */
class BodyMemoryBudgetTest {
    private static final int BUDGET = 256 * 1024;

    @Test
    void aLargeBodyWaitsForTheBudgetThen503sAndSmallBodiesPass() throws Exception {
        Map<String, String> env = Map.of("BODY_MEMORY_BYTES", Integer.toString(BUDGET), "BODY_MEMORY_WAIT_MS", "300");
        try (Application app = Application.create(TestSupport.config(env))) {
            WebServer server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
            try {
                ApiClient api = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build());
                String key = api.newOrganization();
                String large = event(200 * 1024);

                // A client that declares a 200 KiB body and sends only half holds that much of the budget.
                try (Socket slow = new Socket("127.0.0.1", server.port())) {
                    slow.setSoTimeout(10_000);
                    byte[] body = large.getBytes(StandardCharsets.US_ASCII);
                    OutputStream out = slow.getOutputStream();
                    out.write(("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: " + key
                            + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    Thread.sleep(300); // the handler is now reading the body, its reservation taken

                    long start = System.nanoTime();
                    Reply refused = api.post("/api/events", key, large);
                    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
                    assertThat(refused.status(), is(503));
                    assertThat(refused.header("Retry-After").orElseThrow(), is("1"));
                    assertThat(refused.json().get("detail").asText(), containsString("large request bodies"));
                    assertThat("waited " + waitedMillis + " ms", waitedMillis >= 250, is(true));

                    assertThat(api.post("/api/events", key, event(1024)).status(), is(201));

                    out.write(body, body.length / 2, body.length - body.length / 2);
                    out.flush();
                    InputStream in = slow.getInputStream();
                    assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII), startsWith("HTTP/1.1 201"));
                }
                assertThat(api.post("/api/events", key, large).status(), is(201));
                assertThat(api.get("/metrics", null).text(), containsString("http_body_memory_reserved"));
            } finally {
                server.stop();
            }
        }
    }

    private static String event(int payloadBytes) {
        return "{\"type\":\"budget.test\",\"payload\":{\"pad\":\"" + "x".repeat(payloadBytes) + "\"}}";
    }
}
