package dev.triggers.inbox;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.keys.Authenticator;
import dev.triggers.keys.Organization;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.http.Problems;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;
import io.helidon.config.Config;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Pull delivery, registered under {@code /api}: the inbox pages and the acknowledgements (with the short alias
 * {@code /api/ack/{id}}). Another organization's event is indistinguishable from a missing one on every path: each
 * statement is scoped by the caller's org id, so there is nothing to check separately.
 */
public final class InboxService implements HttpService {
    static final int MAX_ACK_IDS = 1000;
    // 1,000 ids of 38 bytes in JSON is ~39 KB; the rest is room for whitespace.
    private static final long MAX_ACK_BODY_BYTES = 128 * 1024;

    private final InboxStore store;
    private final Authenticator auth;
    private final InboxPageSlots pageSlots;
    private final Counter acknowledged = ackCounter("acknowledged");
    private final Counter failed = ackCounter("failed");

    /** {@code inbox}: the {@code inbox} config section (the page query bulkhead, {@link InboxPageSlots}). */
    public InboxService(Database db, Authenticator auth, Config inbox) {
        this.store = new InboxStore(db);
        this.auth = auth;
        this.pageSlots = InboxPageSlots.from(inbox);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/inbox", this::page)
                .any("/inbox", Problems.methodNotAllowed("GET"))
                .post("/inbox/ack", this::ackMany)
                .any("/inbox/ack", Problems.methodNotAllowed("POST"))
                .post("/inbox/ack/{id}", this::ackOne)
                .any("/inbox/ack/{id}", Problems.methodNotAllowed("POST"))
                .post("/ack/{id}", this::ackOne)
                .any("/ack/{id}", Problems.methodNotAllowed("POST"));
    }

    @Override
    public void afterStop() {
        pageSlots.close();
    }

    private void page(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        InboxQuery query = InboxQuery.parse(req.query());
        // One row more than the page tells whether another page exists without a count.
        // Only the query holds a slot: authentication may hit the database too, but is cached and not what piles up.
        List<InboxStore.InboxEvent> rows = pageSlots.run(() -> store.page(org.id(), query, query.limit() + 1));
        boolean hasMore = rows.size() > query.limit();
        List<InboxStore.InboxEvent> events = hasMore ? rows.subList(0, query.limit()) : rows;

        String nextCursor = null;
        if (hasMore) {
            InboxStore.InboxEvent last = events.getLast();
            nextCursor = new InboxCursor(query.ascending(), query.filterHash(), last.createdAt().toInstant(), last.id())
                    .encode();
        }
        Responses.okJson(res, InboxPageJson.render(events, nextCursor, hasMore));
    }

    private void ackMany(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        Set<UUID> ids = eventIds(JsonBodies.readObject(req, MAX_ACK_BODY_BYTES).get("event_ids"));
        int acked = store.ack(org.id(), ids, Timestamps.now());
        acknowledged.increment(acked);
        failed.increment(ids.size() - acked);

        ObjectNode out = Json.object();
        out.put("acknowledged", acked);
        out.put("failed", ids.size() - acked);
        Responses.ok(res, out);
    }

    private void ackOne(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        String text = req.path().pathParameters().get("id");
        UUID id = Ids.parseUuid(text);
        // A malformed id names no event at all: the same 404 as an unknown one, like any other missing resource.
        Optional<InboxStore.Acked> found = id == null ? Optional.empty() : store.ackOne(org.id(), id, Timestamps.now());
        InboxStore.Acked acked = found.orElseThrow(() -> {
            failed.increment();
            return ApiException.notFound(id == null ? "no event has that id" : "no event " + id);
        });
        acknowledged.increment();

        ObjectNode out = Json.object();
        out.put("id", acked.id().toString());
        out.put("status", DeliveryStatus.DELIVERED.wireName());
        out.put("acknowledged_at", Timestamps.format(acked.deliveredAt()));
        Responses.ok(res, out);
    }

    /** The distinct ids of an ack body, in order; any entry that is not a UUID refuses the whole request. */
    private static Set<UUID> eventIds(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.validation("field 'event_ids' is required");
        }
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_ACK_IDS) {
            throw ApiException.validation("field 'event_ids' must be an array of 1 to " + MAX_ACK_IDS + " event ids");
        }
        Set<UUID> ids = new LinkedHashSet<>(node.size() * 2);
        for (int i = 0; i < node.size(); i++) {
            JsonNode entry = node.get(i);
            UUID id = entry.isTextual() ? Ids.parseUuid(entry.textValue()) : null;
            if (id == null) {
                throw ApiException.validation("field 'event_ids[" + i + "]' is not a UUID");
            }
            ids.add(id);
        }
        return ids;
    }

    private static Counter ackCounter(String outcome) {
        return Metrics.globalRegistry().getOrCreate(Counter.builder("inbox.acks")
                .description("Event ids in inbox acknowledgements, by outcome (failed: unknown or another organization's)")
                .tags(List.of(Tag.create("outcome", outcome))));
    }
}
