package dev.triggers.webhooks;

import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.delivery.DeliverySignal;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.keys.Authenticator;
import dev.triggers.keys.Organization;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /api/events/{id}/redeliver}: puts a failed or delivered event back to {@code pending} with its
 * attempts restarted, and rings the delivery engine. Registered as a single route ahead of the events service.
 */
public final class RedeliveryService {
    private final WebhookStore store;
    private final Authenticator auth;
    private final DeliverySignal signal;

    public RedeliveryService(WebhookStore store, Authenticator auth, DeliverySignal signal) {
        this.store = store;
        this.auth = auth;
        this.signal = signal;
    }

    public void redeliver(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        String id = req.path().pathParameters().get("id");
        UUID eventId = Ids.parseUuid(id);
        if (eventId == null) {
            throw ApiException.notFound("no event " + id);
        }
        WebhookStore.Redelivery redelivery = store.redeliver(org.id(), eventId)
                .orElseThrow(() -> ApiException.notFound("no event " + id));
        if (redelivery.nextAttemptAt() != null) {
            signal.ring();
        }
        ObjectNode out = Json.object();
        out.put("id", eventId.toString());
        out.put("status", DeliveryStatus.PENDING.wireName());
        out.put("attempts", 0);
        out.put("next_attempt_at", Timestamps.format(redelivery.nextAttemptAt()));
        Responses.json(res, Status.ACCEPTED_202, out);
    }
}
