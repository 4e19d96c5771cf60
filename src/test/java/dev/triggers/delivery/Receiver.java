package dev.triggers.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake webhook receiver on 127.0.0.1 (ports 18150-18199): records every request and answers as the test's
 * script says; the script may block to hold a request in flight.
 */
public final class Receiver implements AutoCloseable {
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(18150);

    /** One request as the receiver saw it. */
    public record Request(String id, String timestamp, String signature, String body, Headers headers, long receivedNanos,
                          String target) {
    }

    /** What to answer. */
    public record Reply(int status, Map<String, String> headers) {
        public static Reply of(int status) {
            return new Reply(status, Map.of());
        }
    }

    /** The receiver's script: {@code nth} counts requests from 0. */
    @FunctionalInterface
    public interface Script {
        Reply answer(Request request, int nth) throws Exception;
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    private Receiver(Script script) throws IOException {
        this.server = bind();
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> handle(exchange, script));
        server.start();
    }

    public static Receiver start(Script script) {
        try {
            return new Receiver(script);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Receiver ok() {
        return start((r, n) -> Reply.of(200));
    }

    private static HttpServer bind() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = 18150 + Math.floorMod(NEXT_PORT.getAndIncrement() - 18150, 50);
            try {
                return HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
            } catch (BindException taken) {
                // another receiver of this run (or a test still closing) holds it; try the next one
            }
        }
        throw new BindException("no free port in 18150-18199");
    }

    private void handle(HttpExchange exchange, Script script) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Headers h = exchange.getRequestHeaders();
            Request request = new Request(h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"),
                    h.getFirst("webhook-signature"), body, h, System.nanoTime(), exchange.getRequestURI().toString());
            requests.add(request);
            Reply reply;
            try {
                reply = script.answer(request, count.getAndIncrement());
            } catch (Exception e) {
                reply = Reply.of(500);
            }
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(reply.status(), -1);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    public List<Request> requests() {
        return requests;
    }

    public int count() {
        return requests.size();
    }

    /** Waits until at least {@code n} requests arrived. */
    public void awaitCount(int n, Duration timeout) {
        Eventually.until(timeout, () -> count() >= n, () -> "receiver got " + count() + " of " + n + " requests");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
