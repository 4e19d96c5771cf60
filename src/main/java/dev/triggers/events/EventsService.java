package dev.triggers.events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import dev.triggers.keys.Authenticator;
import dev.triggers.keys.Organization;
import dev.triggers.keys.TierLimits;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Rows;
import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.http.Problems;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;
import dev.triggers.ratelimit.RateLimiter;
import io.helidon.config.Config;
import io.helidon.dbclient.DbRow;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/events}: ingest one event or a batch (201/200 only after commit), and read one event back with its
 * delivery state. Every authenticated ingest response carries the RateLimit headers, errors included.
 *
 * <p>A malformed event id answers 404 like an unknown one: to the caller both simply name no event of theirs.
 */
public final class EventsService implements HttpService {
    // Names built once: a name given as a string is lower-cased and validated on every response.
    private static final HeaderName RATE_LIMIT_LIMIT = HeaderNames.create("RateLimit-Limit");
    private static final HeaderName RATE_LIMIT_REMAINING = HeaderNames.create("RateLimit-Remaining");
    private static final HeaderName RATE_LIMIT_RESET = HeaderNames.create("RateLimit-Reset");
    private final Authenticator auth;
    private final EventWriter writer;
    private final EventStore store;
    private final RateLimiter limiter;
    private final TierLimits tiers;
    private final IngestMetrics metrics;
    private final IngestPressure pressure;
    private final long singleBodyBytes;
    private final long batchBodyBytes;
    private final int batchMaxEvents;
    private final int payloadBytes;

    public EventsService(Authenticator auth, EventWriter writer, EventStore store, RateLimiter limiter, TierLimits tiers,
                         IngestMetrics metrics, IngestPressure pressure, Config limits) {
        this.auth = auth;
        this.writer = writer;
        this.store = store;
        this.limiter = limiter;
        this.tiers = tiers;
        this.metrics = metrics;
        this.pressure = pressure;
        this.singleBodyBytes = limits.get("single-body-bytes").asLong().orElse(1_048_576L);
        this.batchBodyBytes = limits.get("batch-body-bytes").asLong().orElse(16_777_216L);
        this.batchMaxEvents = limits.get("batch-max-events").asInt().orElse(1000);
        this.payloadBytes = limits.get("payload-bytes").asInt().orElse(262_144);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", counted(this::create))
                .any("/", Problems.methodNotAllowed("POST"))
                .post("/batch", counted(this::createBatch))
                .any("/batch", Problems.methodNotAllowed("POST"))
                .get("/{id}", this::get);
    }

    /** Ingest requests count as in progress (the pressure delivery yields to) from handler start to answer. */
    private Handler counted(Handler handler) {
        return (req, res) -> {
            pressure.enter();
            try {
                handler.handle(req, res);
            } finally {
                pressure.exit();
            }
        };
    }

    private void create(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        // A single request is one event whatever its body says, so the limiter runs before the body is read.
        RateLimiter.Decision quota = take(org, 1);
        try {
            NewEvent event = EventInput.parseSingle(JsonBodies.readBytes(req, singleBodyBytes), payloadBytes);
            Outcome outcome = writer.write(org, List.of(event))[0];
            if (outcome instanceof Outcome.Duplicate d) {
                throw new ApiException(Status.CONFLICT_409, "duplicate_event", "Conflict",
                        "an event with this dedup_id was accepted within the last 24 hours")
                        .with("existing_event_id", d.existingId().toString());
            }
            Outcome.Created created = (Outcome.Created) outcome;
            String id = created.id().toString();
            rateLimitHeaders(res, quota);
            res.header(HeaderNames.LOCATION, "/api/events/" + id);
            res.status(Status.CREATED_201);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            // The hot path's answer, written directly: every part is a UUID, a timestamp or a type, none needs escaping.
            res.send(("{\"id\":\"" + id + "\",\"type\":\"" + event.type() + "\",\"status\":\"pending\",\"created_at\":\""
                    + Timestamps.format(created.createdAt()) + "\"}").getBytes(StandardCharsets.US_ASCII));
        } catch (ApiException e) {
            throw withRateLimitHeaders(e, quota);
        }
    }

    private void createBatch(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        List<EventInput.Item> items;
        try {
            items = EventInput.parseBatch(JsonBodies.readBytes(req, batchBodyBytes), batchMaxEvents, payloadBytes);
        } catch (ApiException e) {
            throw withRateLimitHeaders(e, limiter.peek(org.id().toString(), tiers.perMinute(org.tier())));
        }
        RateLimiter.Decision quota = take(org, items.size());
        try {
            ObjectNode[] results = new ObjectNode[items.size()];
            List<NewEvent> valid = new ArrayList<>(items.size());
            int[] validIndex = new int[items.size()];
            int rejected = 0;
            for (int i = 0; i < items.size(); i++) {
                EventInput.Item item = items.get(i);
                results[i] = Json.object().put("index", i);
                if (item.event() != null) {
                    validIndex[valid.size()] = i;
                    valid.add(item.event());
                } else {
                    results[i].put("status", "rejected").put("error", item.rejection().detail());
                    rejected++;
                }
            }
            Outcome[] outcomes = writer.write(org, valid);
            int accepted = 0;
            for (int v = 0; v < outcomes.length; v++) {
                ObjectNode r = results[validIndex[v]];
                if (outcomes[v] instanceof Outcome.Created c) {
                    r.put("id", c.id().toString()).put("status", "created");
                    accepted++;
                } else {
                    r.put("id", ((Outcome.Duplicate) outcomes[v]).existingId().toString()).put("status", "duplicate");
                }
            }
            ObjectNode out = Json.object();
            out.put("accepted", accepted);
            out.put("duplicates", outcomes.length - accepted);
            out.put("rejected", rejected);
            ArrayNode list = out.putArray("results");
            for (ObjectNode r : results) {
                list.add(r);
            }
            rateLimitHeaders(res, quota);
            Responses.ok(res, out);
        } catch (ApiException e) {
            throw withRateLimitHeaders(e, quota);
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        UUID id = Ids.parseUuid(req.path().pathParameters().get("id"));
        DbRow row = id == null ? null : store.find(org.id(), id).orElse(null);
        if (row == null) {
            throw ApiException.notFound("no event with id " + req.path().pathParameters().get("id"));
        }
        String status = DeliveryStatus.fromCode(Rows.integer(row, "status")).wireName();
        ObjectNode out = Json.object();
        out.put("id", id.toString());
        out.put("type", Rows.string(row, "type"));
        out.putRawValue("payload", new RawValue(Rows.string(row, "payload")));
        out.put("dedup_id", Rows.string(row, "dedup_id"));
        out.put("created_at", Timestamps.format(Rows.instant(row, "created_at")));
        out.put("status", status);
        ObjectNode delivery = out.putObject("delivery");
        delivery.put("status", status);
        delivery.put("attempts", Rows.integer(row, "attempts"));
        delivery.put("last_attempt_at", Timestamps.format(Rows.instant(row, "last_attempt_at")));
        delivery.put("last_error", Rows.string(row, "last_error"));
        delivery.put("next_attempt_at", Timestamps.format(Rows.instant(row, "next_attempt_at")));
        delivery.put("delivered_at", Timestamps.format(Rows.instant(row, "delivered_at")));
        Responses.ok(res, out);
    }

    /** Takes {@code events} from the organization's quota, or refuses the whole request with 429. */
    private RateLimiter.Decision take(Organization org, int events) {
        RateLimiter.Decision quota = limiter.acquire(org.id().toString(), tiers.perMinute(org.tier()), events);
        if (!quota.allowed()) {
            metrics.rateLimited(events);
            throw withRateLimitHeaders(new ApiException(Status.TOO_MANY_REQUESTS_429, "rate_limited", "Too Many Requests",
                    "the organization's limit of " + quota.limit() + " events per minute leaves " + quota.remaining()
                            + " now; this request needs " + events)
                    .header("Retry-After", Long.toString(quota.resetSeconds())), quota);
        }
        return quota;
    }

    private static void rateLimitHeaders(ServerResponse res, RateLimiter.Decision quota) {
        res.header(RATE_LIMIT_LIMIT, Integer.toString(quota.limit()));
        res.header(RATE_LIMIT_REMAINING, Integer.toString(quota.remaining()));
        res.header(RATE_LIMIT_RESET, Long.toString(quota.resetSeconds()));
    }

    private static ApiException withRateLimitHeaders(ApiException e, RateLimiter.Decision quota) {
        return e.header("RateLimit-Limit", Integer.toString(quota.limit()))
                .header("RateLimit-Remaining", Integer.toString(quota.remaining()))
                .header("RateLimit-Reset", Long.toString(quota.resetSeconds()));
    }
}
