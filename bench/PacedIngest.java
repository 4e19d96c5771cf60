// Posts events at a fixed rate for the delivery benchmark: java bench/PacedIngest.java BASE_URL API_KEY RATE SECONDS
// Prints "sent=N ok=M" (ok = 201 answers). Sends on virtual threads so a slow answer never lowers the rate.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class PacedIngest {
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0] + "/api/events");
        String key = args[1];
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicLong ok = new AtomicLong();
        long total = (long) rate * seconds;
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String body = "{\"type\":\"bench.paced\",\"payload\":{\"i\":" + i + ",\"note\":\"delivery benchmark\"}}";
                HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json").header("X-API-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                pool.execute(() -> {
                    try {
                        if (client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 201) {
                            ok.incrementAndGet();
                        }
                    } catch (Exception e) {
                        // counted as not ok
                    }
                });
            }
        }
        System.out.println("sent=" + total + " ok=" + ok.get());
    }
}
