import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate whatever happened before, and its latency is
 * measured from that intended time (no coordinated omission: a stalled server shows up as queueing delay).
 * Requests go over a pool of keep-alive HTTP/1.1 connections, one virtual thread each.
 *
 * <p>Usage: java bench/FixedRate.java HOST PORT API_KEY RATE SECONDS [CONNECTIONS] [WARMUP_SECONDS]
 * Prints one line: offered=.. sent=.. ok=.. errors=.. p50_ms=.. p90_ms=.. p99_ms=.. p999_ms=.. max_ms=..
 * With FIXED_RATE_TIMELINE set to a file path, also writes one line per second of intended send time (warm-up
 * included): its mean and max latency. That shows whether the warm-up covered this generator's own cold start: its
 * JVM starts interpreted, and on a slow 2-core day it sent 200-600 ms late for its first 5-6 seconds.
 */
public final class FixedRate {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String key = args[2];
        int rate = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 2;

        int total = rate * (seconds + warmup);
        int measuredFrom = rate * warmup;
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        AtomicLong errors = new AtomicLong();
        LinkedBlockingQueue<Integer> due = new LinkedBlockingQueue<>();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        double intervalNanos = 1e9 / rate;
        String prefix = Long.toString(System.nanoTime(), 36);

        Thread[] workers = new Thread[connections];
        for (int c = 0; c < connections; c++) {
            workers[c] = Thread.ofVirtual().start(() -> {
                Conn conn = null;
                while (true) {
                    int i;
                    try {
                        i = due.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (i < 0) {
                        return;
                    }
                    String body = "{\"type\":\"order.created\",\"payload\":{\"order_id\":\"" + prefix + "-" + i
                            + "\",\"amount\":" + (i % 10000) + ",\"currency\":\"EUR\",\"customer\":{\"id\":\"c-" + (i % 977)
                            + "\",\"email\":\"user" + i + "@example.com\"},\"items\":[{\"sku\":\"sku-1\",\"qty\":2},"
                            + "{\"sku\":\"sku-2\",\"qty\":1}]}}";
                    try {
                        if (conn == null) {
                            conn = new Conn(host, port);
                        }
                        int status = conn.post("/api/events", key, body);
                        long intended = start + (long) (i * intervalNanos);
                        latencies[i] = System.nanoTime() - intended;
                        if (status != 201) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        conn = null;
                    }
                }
            });
        }
        // The pacer: releases request i at its intended time.
        for (int i = 0; i < total; i++) {
            long at = start + (long) (i * intervalNanos);
            long wait;
            while ((wait = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 200_000));
            }
            due.add(i);
        }
        for (int c = 0; c < connections; c++) {
            due.add(-1);
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(30));
        }
        String timeline = System.getenv("FIXED_RATE_TIMELINE");
        if (timeline != null && !timeline.isBlank()) {
            Files.writeString(Path.of(timeline), timeline(latencies, rate, warmup));
        }
        long[] measured = Arrays.stream(latencies, measuredFrom, total).filter(l -> l >= 0).sorted().toArray();
        int n = measured.length;
        System.out.printf("offered=%d sent=%d ok=%d errors=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f%n",
                rate, total - measuredFrom, n, errors.get(), pct(measured, 0.50), pct(measured, 0.90), pct(measured, 0.99),
                pct(measured, 0.999), n == 0 ? 0 : measured[n - 1] / 1e6);
    }

    private static String timeline(long[] latencies, int rate, int warmup) {
        StringBuilder out = new StringBuilder("second mean_ms max_ms (seconds before " + warmup + ": warm-up, not measured)\n");
        for (int second = 0; (long) second * rate < latencies.length; second++) {
            long sum = 0;
            long max = 0;
            int n = 0;
            for (int i = second * rate; i < Math.min(latencies.length, (second + 1) * rate); i++) {
                if (latencies[i] >= 0) {
                    sum += latencies[i];
                    max = Math.max(max, latencies[i]);
                    n++;
                }
            }
            out.append(String.format("%d %.2f %.2f%n", second, n == 0 ? 0 : sum / 1e6 / n, max / 1e6));
        }
        return out.toString();
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** One keep-alive HTTP/1.1 connection; just enough parsing for our server's answers. */
    private static final class Conn {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final String host;

        Conn(String host, int port) throws IOException {
            this.host = host;
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        int post(String path, String key, String body) throws IOException {
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nX-API-Key: "
                    + key + "\r\nContent-Length: " + payload.length + "\r\n\r\n";
            // One write, so one segment per request (with TCP_NODELAY two writes are two segments and two wake-ups
            // of the server's reader).
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(headBytes, headBytes.length + payload.length);
            System.arraycopy(payload, 0, request, headBytes.length, payload.length);
            out.write(request);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            String h;
            while (!(h = line()).isEmpty()) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).equalsIgnoreCase("content-length")) {
                    length = Integer.parseInt(h.substring(colon + 1).trim());
                }
            }
            in.readNBytes(length);
            return code;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }
}
