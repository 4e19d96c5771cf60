package dev.triggers.webhooks;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.keys.Authenticator;
import dev.triggers.keys.Organization;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.http.Problems;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/webhook}: set or remove the organization's webhook URL and rotate its signing secret. Every change
 * is announced so each instance's cached {@link Organization#pushEnabled()} follows at once.
 */
public final class WebhookService implements HttpService {
    /** How long the replaced secret keeps signing after a rotation (Standard Webhooks: receivers roll within it). */
    public static final Duration PREVIOUS_SECRET_TTL = Duration.ofHours(24);
    private static final long MAX_BODY_BYTES = 16 * 1024;

    private final WebhookStore store;
    private final WebhookTargets targets;
    private final Authenticator auth;

    public WebhookService(WebhookStore store, WebhookTargets targets, Authenticator auth) {
        this.store = store;
        this.targets = targets;
        this.auth = auth;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/config", this::configure)
                .delete("/config", this::remove)
                .any("/config", Problems.methodNotAllowed("POST", "DELETE"))
                .post("/rotate-secret", this::rotateSecret)
                .any("/rotate-secret", Problems.methodNotAllowed("POST"));
    }

    private void configure(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        JsonNode body = JsonBodies.readObject(req, MAX_BODY_BYTES);
        JsonNode url = body.get("webhook_url");
        if (url == null || url.isNull()) {
            throw ApiException.validation("field 'webhook_url' is required");
        }
        if (!url.isTextual()) {
            throw ApiException.validation("field 'webhook_url' must be a string");
        }
        try {
            targets.validate(url.textValue());
        } catch (WebhookTargets.InvalidTarget e) {
            throw ApiException.validation(e.getMessage());
        }
        WebhookStore.Config saved = store.configure(org.id(), url.textValue(), WebhookSignatures.newSecret(), Timestamps.now());
        auth.announce(org.id());

        ObjectNode out = Json.object();
        out.put("organization_id", org.id().toString());
        out.put("webhook_url", saved.url());
        out.put("webhook_secret", saved.secret());
        out.put("updated_at", Timestamps.format(saved.updatedAt()));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.ok(res, out);
    }

    private void remove(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        store.remove(org.id(), Timestamps.now());
        auth.announce(org.id());
        Responses.noContent(res);
    }

    private void rotateSecret(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        Instant now = Timestamps.now();
        WebhookStore.Rotation rotation = store.rotate(org.id(), WebhookSignatures.newSecret(), now, now.plus(PREVIOUS_SECRET_TTL))
                .orElseThrow(() -> ApiException.notFound("no webhook is configured; POST /api/webhook/config first"));
        auth.announce(org.id());

        ObjectNode out = Json.object();
        out.put("webhook_secret", rotation.secret());
        out.put("previous_secret_expires_at", Timestamps.format(rotation.previousExpiresAt()));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.ok(res, out);
    }
}
