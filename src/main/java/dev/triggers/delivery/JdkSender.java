package dev.triggers.delivery;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import dev.triggers.delivery.WebhookSender.Answer;

/**
 * The JDK's HTTP client for webhook URLs Helidon's client would not send byte for byte (see
 * {@link WebhookSender#exact}). It sends the configured URI as is; it costs about twice the CPU per request (its
 * asynchronous machinery hands every exchange across threads), which only such URLs pay. Created on first use.
 */
final class JdkSender implements AutoCloseable {
    private final DeliverySettings settings;
    private volatile HttpClient http;

    JdkSender(DeliverySettings settings) {
        this.settings = settings;
    }

    Answer send(URI uri, String id, long timestamp, String signature, byte[] body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(settings.timeoutMs()))
                .header("Content-Type", "application/json")
                .header("User-Agent", settings.userAgent())
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<Void> response = client().send(request, HttpResponse.BodyHandlers.discarding());
            return new Answer(response.statusCode(), response.headers().firstValue("retry-after").orElse(null), null);
        } catch (HttpTimeoutException e) {
            return Answer.failed("timed out after " + settings.timeoutMs() + " ms");
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return Answer.failed(WebhookSender.describe(e));
        }
    }

    private HttpClient client() {
        HttpClient client = http;
        if (client == null) {
            synchronized (this) {
                client = http;
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .connectTimeout(Duration.ofMillis(settings.timeoutMs()))
                            .build();
                    http = client;
                }
            }
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
        }
    }
}
