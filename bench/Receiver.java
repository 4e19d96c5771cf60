// A fast local webhook receiver for the delivery benchmark: java bench/Receiver.java PORT
// POST /hook (any path but /stats, /reset): counts the delivery, records created_at -> received lag, answers 204.
// GET /stats: {"count", "distinct", "first_ms", "last_ms", "lag_p50_ms", "lag_p95_ms", "lag_p99_ms", "lag_max_ms"}.
// POST /reset: forgets everything.
import com.sun.net.httpserver.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Receiver {
    private static final Pattern CREATED = Pattern.compile("\"created_at\":\"([^\"]+)\"");
    private static final List<Long> lagsMicros = Collections.synchronizedList(new ArrayList<>());
    private static final Set<String> ids = ConcurrentHashMap.newKeySet();
    private static final AtomicLong count = new AtomicLong();
    private static final AtomicLong first = new AtomicLong();
    private static final AtomicLong last = new AtomicLong();

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (path.equals("/stats")) {
                    byte[] out = stats().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, out.length);
                    try (OutputStream os = exchange.getResponseBody()) {
                        os.write(out);
                    }
                    return;
                }
                if (path.equals("/reset")) {
                    lagsMicros.clear();
                    ids.clear();
                    count.set(0);
                    first.set(0);
                    last.set(0);
                    exchange.sendResponseHeaders(204, -1);
                    return;
                }
                Instant now = Instant.now();
                long nowMs = now.toEpochMilli();
                first.compareAndSet(0, nowMs);
                last.set(nowMs);
                count.incrementAndGet();
                String id = exchange.getRequestHeaders().getFirst("webhook-id");
                if (id != null) {
                    ids.add(id);
                }
                Matcher m = CREATED.matcher(new String(body, StandardCharsets.UTF_8));
                if (m.find()) {
                    Instant created = Instant.parse(m.group(1));
                    lagsMicros.add((now.getEpochSecond() - created.getEpochSecond()) * 1_000_000L
                            + (now.getNano() - created.getNano()) / 1000);
                }
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.start();
        System.err.println("receiver listening on " + args[0]);
    }

    private static String stats() {
        List<Long> sorted;
        synchronized (lagsMicros) {
            sorted = new ArrayList<>(lagsMicros);
        }
        Collections.sort(sorted);
        return "{\"count\":" + count.get() + ",\"distinct\":" + ids.size() + ",\"first_ms\":" + first.get()
                + ",\"last_ms\":" + last.get() + ",\"lag_p50_ms\":" + pct(sorted, 0.50) + ",\"lag_p95_ms\":" + pct(sorted, 0.95)
                + ",\"lag_p99_ms\":" + pct(sorted, 0.99) + ",\"lag_max_ms\":" + pct(sorted, 1.0) + "}";
    }

    private static String pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return "null";
        }
        int i = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
        return String.format(java.util.Locale.ROOT, "%.1f", sorted.get(Math.max(0, i)) / 1000.0);
    }
}
