package dev.triggers.platform.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.triggers.ApiClient;
import dev.triggers.TestSupport;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;

/**
 * Fuzzed headers, query strings and bodies sent over a real socket to the ingest and inbox paths: every answer is
 * below 500 (the server may also close a connection on bytes that are not HTTP).
 */
class HttpInputFuzzTest {
    private static final String[] TARGETS = {"/api/events", "/api/events/batch", "/api/inbox", "/api/inbox/ack",
            "/api/ack/", "/api/events/"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8", "text/plain",
            "", "application/json;;", "APPLICATION/JSON"};
    private static WebServer server;
    private static String key;

    private static synchronized void start() {
        if (server == null) {
            io.helidon.webserver.WebServerConfig.Builder builder = WebServer.builder();
            TestSupport.setUpServer(builder);
            server = builder.build().start();
            key = new ApiClient(Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build()).newOrganization();
        }
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzedRequestsNeverGet5xx(FuzzedDataProvider data) throws IOException {
        start();
        String target = data.pickValue(TARGETS);
        String method = target.startsWith("/api/inbox") && !target.endsWith("ack") ? "GET" : "POST";
        if (target.endsWith("/")) {
            target += data.consumeString(40);
        }
        String query = data.consumeBoolean() ? "?" + data.consumeString(100) : "";
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(sanitizePath(target + query)).append(" HTTP/1.1\r\nHost: x\r\n");
        switch (data.consumeInt(0, 3)) {
            case 0 -> head.append("X-API-Key: ").append(key).append("\r\n");
            case 1 -> head.append("Authorization: Bearer ").append(key).append("\r\n");
            case 2 -> head.append("X-API-Key: ").append(headerValue(data.consumeString(60))).append("\r\n");
            default -> { }
        }
        head.append("Content-Type: ").append(data.pickValue(CONTENT_TYPES)).append("\r\n");
        if (data.consumeBoolean()) {
            head.append("X-Request-Id: ").append(headerValue(data.consumeString(200))).append("\r\n");
        }
        byte[] body = data.consumeRemainingAsBytes();
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.write(body);

        String response = exchange(request.toByteArray());
        if (response.startsWith("HTTP/1.1 ")) {
            int status = Integer.parseInt(response.substring(9, 12));
            assertThat(head + "\n" + response, status, lessThan(500));
        }
    }

    /** A request target the HTTP parser takes as one token (no spaces or control characters). */
    private static String sanitizePath(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c > 0x20 && c < 0x7f ? String.valueOf(c) : "%" + String.format("%02X", (int) c & 0xff));
        }
        return out.toString();
    }

    private static String headerValue(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static String exchange(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            // Only the status line is judged; the server may keep the socket open after "Connection: close".
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        } catch (java.net.SocketException closed) {
            return "";
        }
    }
}
