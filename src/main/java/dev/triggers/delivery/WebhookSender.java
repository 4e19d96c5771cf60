package dev.triggers.delivery;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.triggers.delivery.DeliveryStore.Claimed;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.json.Json;
import dev.triggers.webhooks.WebhookSignatures;
import dev.triggers.webhooks.WebhookTargets;

import io.helidon.common.LazyValue;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;

/**
 * Sends one signed delivery with Helidon's blocking HTTP/1.1 client on the attempt's virtual thread; connections
 * are reused per receiver and redirects never followed (the SSRF guard checked only the configured host). Each
 * attempt has a hard deadline of {@code timeout-ms}, whatever the receiver does: past it the thread is interrupted,
 * which closes its socket, so no attempt outlives its lease. Per-webhook setup (URI, keyed MACs) is cached.
 */
final class WebhookSender implements AutoCloseable {
    private static final HeaderName WEBHOOK_ID = HeaderNames.create("webhook-id");
    private static final HeaderName WEBHOOK_TIMESTAMP = HeaderNames.create("webhook-timestamp");
    private static final HeaderName WEBHOOK_SIGNATURE = HeaderNames.create("webhook-signature");
    /** Webhooks whose setup is kept; past it the cache starts over (rotated secrets leave stale entries). */
    private static final int MAX_TARGETS = 10_000;
    private static final int MAX_ERROR_LENGTH = 500;

    /** What the receiver answered, or why there was no answer. */
    record Answer(Integer statusCode, String retryAfter, String error) {
        static Answer failed(String error) {
            return new Answer(null, null, error);
        }
    }

    private record TargetKey(String url, String secret, String previousSecret) {
    }

    /** @param exact whether Helidon's client sends this URI's path and query byte for byte (see {@link #exact}) */
    private record Target(URI uri, WebhookSignatures.Signer signer, boolean exact) {
    }

    private final long timeoutMs;
    private final Header userAgent;
    private final WebhookTargets targets;
    // Built on the first attempt: its TLS context (the JDK trust store parsed) is start-up work an instance that
    // never pushes does not need.
    private final LazyValue<Http1Client> http;
    private final ScheduledThreadPoolExecutor deadlines;
    private final Map<TargetKey, Target> cache = new ConcurrentHashMap<>();
    private final JdkSender fallback;

    WebhookSender(DeliverySettings settings, WebhookTargets targets) {
        this.timeoutMs = settings.timeoutMs();
        this.userAgent = HeaderValues.create(HeaderNames.USER_AGENT, settings.userAgent());
        this.targets = targets;
        this.http = LazyValue.create(() -> client(settings));
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("delivery-deadlines").unstarted(r));
        deadlines.setRemoveOnCancelPolicy(true);
        this.fallback = new JdkSender(settings);
    }

    /**
     * One attempt. Throws {@link InterruptedException} when interrupted by anything but its own deadline (the
     * engine closing past its grace period): then nothing was decided and the event goes back.
     */
    Answer send(Claimed c) throws InterruptedException {
        Target target;
        try {
            target = target(c);
        } catch (IllegalArgumentException e) {
            return Answer.failed(describe(e));
        }
        if (target == null) {
            return Answer.failed("the webhook has no signing secret");
        }
        Optional<String> refused = targets.refusal(target.uri());
        if (refused.isPresent()) {
            return Answer.failed(refused.get());
        }
        byte[] body = body(c);
        String id = c.id().toString();
        long timestamp = Instant.now().getEpochSecond();
        String signature = target.signer().header(id, timestamp, body);

        if (!target.exact()) {
            return fallback.send(target.uri(), id, timestamp, signature, body);
        }
        Deadline deadline = new Deadline(Thread.currentThread());
        ScheduledFuture<?> timer = deadlines.schedule(deadline, timeoutMs, TimeUnit.MILLISECONDS);
        try (Http1ClientResponse response = http.get().post()
                .uri(target.uri())
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(userAgent)
                .header(WEBHOOK_ID, id)
                .header(WEBHOOK_TIMESTAMP, Long.toString(timestamp))
                .header(WEBHOOK_SIGNATURE, signature)
                .submit(body)) {
            // Closing without reading the entity keeps the connection only if the entity was already buffered.
            return new Answer(response.status().code(), response.headers().first(HeaderNames.RETRY_AFTER).orElse(null), null);
        } catch (RuntimeException e) {
            if (deadline.fired || isTimeout(e)) {
                return Answer.failed("timed out after " + timeoutMs + " ms");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("delivery attempt interrupted");
            }
            return Answer.failed(describe(e));
        } finally {
            timer.cancel(false);
            if (deadline.fired) {
                Thread.interrupted(); // ours, not a request to stop
            }
        }
    }

    private static Http1Client client(DeliverySettings settings) {
        Duration timeout = Duration.ofMillis(settings.timeoutMs());
        return Http1Client.builder()
                .followRedirects(false)
                .proxy(Proxy.noProxy())
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .keepAlive(true)
                .sendExpectContinue(false)
                .shareConnectionCache(false)
                // Idle connections kept per receiver: one organization has at most this many attempts at once.
                .connectionCacheSize(settings.perOrgConcurrency())
                .build();
    }

    private Target target(Claimed c) {
        if (c.secret() == null) {
            return null;
        }
        TargetKey key = new TargetKey(c.url(), c.secret(), c.previousSecret());
        Target target = cache.get(key);
        if (target == null) {
            List<byte[]> keys = new ArrayList<>(2);
            keys.add(WebhookSignatures.keyBytes(c.secret()));
            if (c.previousSecret() != null) {
                keys.add(WebhookSignatures.keyBytes(c.previousSecret()));
            }
            URI uri = URI.create(c.url());
            target = new Target(uri, WebhookSignatures.signer(keys), exact(uri));
            if (cache.size() >= MAX_TARGETS) {
                cache.clear();
            }
            cache.put(key, target);
        }
        return target;
    }

    /**
     * Helidon's client re-encodes the request target from parsed parts: query parameters come out in hash order,
     * {@code %2F} decoded, {@code ?flag} as {@code ?flag=}, a fragment sent along. A receiver may depend on the URL
     * exactly as configured, so only URLs that come out unchanged go through it; the rest use the JDK client.
     */
    static boolean exact(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String expected = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        try {
            return uri.getRawFragment() == null && ClientUri.create(uri).pathWithQueryAndFragment().equals(expected);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The delivered document; the payload goes out as stored (the client's JSON text), never re-parsed. */
    static byte[] body(Claimed c) {
        StringBuilder out = new StringBuilder(c.payloadJson().length() + 192);
        out.append("{\"id\":\"").append(c.id()).append("\",\"type\":").append(Json.string(c.type()))
                .append(",\"payload\":").append(c.payloadJson())
                .append(",\"dedup_id\":").append(c.dedupId() == null ? "null" : Json.string(c.dedupId()))
                .append(",\"created_at\":\"").append(Timestamps.format(c.createdAt())).append("\"}");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isTimeout(RuntimeException e) {
        return e instanceof UncheckedIOException u && u.getCause() instanceof SocketTimeoutException;
    }

    /** The error recorded for the attempt: the I/O cause rather than the unchecked wrapper around it. */
    static String describe(Exception e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return message.length() > MAX_ERROR_LENGTH ? message.substring(0, MAX_ERROR_LENGTH) : message;
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        if (http.isLoaded()) {
            http.get().closeResource();
        }
        fallback.close();
    }

    /** Interrupts an attempt that reached its deadline; interrupting a virtual thread in socket I/O closes the socket. */
    private static final class Deadline implements Runnable {
        private final Thread attempt;
        private volatile boolean fired;

        Deadline(Thread attempt) {
            this.attempt = attempt;
        }

        @Override
        public void run() {
            fired = true;
            attempt.interrupt();
        }
    }
}
