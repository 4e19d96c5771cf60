package dev.triggers.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import dev.triggers.TestSupport;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Raw bytes that are not valid HTTP: the server answers 4xx (or closes the connection) and stays healthy.
 */
@ServerTest
class MalformedHttpTest {
    private final int port;

    MalformedHttpTest(WebServer server) {
        this.port = server.port();
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        TestSupport.setUpServer(server);
    }

    private String exchange(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput();
            } catch (SocketException closedEarly) {
                // The server may refuse and close before it has read everything; what it answered still counts.
            }
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(64 * 1024), StandardCharsets.ISO_8859_1);
        } catch (SocketException reset) {
            return "";
        }
    }

    private void assertStillHealthy() throws IOException {
        String r = exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r, startsWith("HTTP/1.1 200"));
    }


    private void assertRefused(String response, String... statuses) {
        if (!response.isEmpty()) {
            String status = response.substring(9, 12);
            assertThat(response, java.util.Arrays.asList(statuses).contains(status), is(true));
            if (response.contains("Content-Type")) {
                assertThat(response, containsString("application/problem+json"));
            }
        }
    }

    @Test
    void absurdContentLengthIs413WithoutReadingTheBody() throws IOException {
        String r = exchange(("POST /api/keys/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 999999999999\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
        assertThat(r, anyOf(startsWith("HTTP/1.1 413"), startsWith("HTTP/1.1 400")));
        assertThat(r, containsString("application/problem+json"));
        assertStillHealthy();
    }

    @Test
    void oversizedRequestLineAndHeadersAreRefused() throws IOException {
        assertRefused(exchange(("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII)),
                "400", "414", "431");
        assertRefused(exchange(("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)), "400", "431");
        assertStillHealthy();
    }

    @Test
    void badChunkingIsRefused() throws IOException {
        assertRefused(exchange(("POST /api/keys/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)), "400", "413");
        assertStillHealthy();
    }

    @Test
    void tlsBytesOnThePlainPortAreRefused() throws IOException {
        byte[] clientHello = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8,
                '\r', '\n', '\r', '\n'};
        assertRefused(exchange(clientHello), "400", "505");
        assertStillHealthy();
    }

    @Test
    void garbageAndTruncatedRequestsLeaveTheServerHealthy() throws IOException {
        assertRefused(exchange("HELLO\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), "400", "501", "505");
        assertRefused(exchange("GET /health HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), "400", "505");
        exchange("POST /api/keys/generate HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"a\"".getBytes(StandardCharsets.US_ASCII));
        assertStillHealthy();
    }
}
