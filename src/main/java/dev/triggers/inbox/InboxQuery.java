package dev.triggers.inbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.http.ApiException;
import io.helidon.common.parameters.Parameters;

/**
 * The parameters of {@code GET /api/inbox}, validated. Every bad parameter is a 400 naming it: nothing is clamped
 * or guessed, because a silently different result set is worse for a consumer than an error.
 *
 * @param after where the page starts (exclusive); null for the first page
 */
record InboxQuery(int limit, StatusFilter status, String type, Instant since, Instant until, boolean ascending,
                  InboxCursor after) {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    private static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999Z");
    private static final Set<String> PARAMETERS = Set.of("limit", "cursor", "status", "type", "since", "until", "order");
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,4}");
    // The event type rule of POST /api/events: a type outside it cannot match anything, so it is a client error.
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9._:-]{1,255}");

    /** Which delivery states a page shows; {@code sql} is a predicate on {@code events.status}. */
    enum StatusFilter {
        // Literals, never bound parameters: the planner then proves that e.g. "status = 0" implies the predicate of
        // the partial index events_org_undelivered (status <> 2), in generic plans of prepared statements too.
        UNDELIVERED("undelivered", "status <> " + DeliveryStatus.DELIVERED.code()),
        PENDING("pending", only(DeliveryStatus.PENDING)),
        RETRYING("retrying", only(DeliveryStatus.RETRYING)),
        FAILED("failed", only(DeliveryStatus.FAILED)),
        DELIVERED("delivered", only(DeliveryStatus.DELIVERED)),
        ALL("all", "TRUE");

        final String wireName;
        final String sql;

        StatusFilter(String wireName, String sql) {
            this.wireName = wireName;
            this.sql = sql;
        }

        private static String only(DeliveryStatus s) {
            return "status = " + s.code();
        }

        static Optional<StatusFilter> parse(String text) {
            for (StatusFilter f : values()) {
                // "undelivered" is the default's name, not a value of the contract; it is accepted as such.
                if (f.wireName.equals(text)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }
    }

    static InboxQuery parse(Parameters query) {
        for (String name : query.names()) {
            if (!PARAMETERS.contains(name)) {
                throw invalid(name.isEmpty() ? "(empty)" : name,
                        "is not a parameter of GET /api/inbox (use limit, cursor, status, type, since, until, order)");
            }
            if (query.all(name).size() > 1) {
                throw invalid(name, "must be given at most once");
            }
        }
        int limit = single(query, "limit").map(InboxQuery::limit).orElse(DEFAULT_LIMIT);
        StatusFilter status = single(query, "status").map(s -> StatusFilter.parse(s).orElseThrow(() -> invalid("status",
                "must be one of pending, retrying, failed, delivered, all (default: every undelivered state)")))
                .orElse(StatusFilter.UNDELIVERED);
        String type = single(query, "type").map(t -> {
            if (!TYPE.matcher(t).matches()) {
                throw invalid("type", "must be 1 to 255 characters of A-Z a-z 0-9 . _ : -");
            }
            return t;
        }).orElse(null);
        Instant since = single(query, "since").map(s -> timestamp("since", s)).orElse(null);
        Instant until = single(query, "until").map(s -> timestamp("until", s)).orElse(null);
        if (since != null && until != null && since.isAfter(until)) {
            throw invalid("until", "must not be earlier than since");
        }
        boolean ascending = single(query, "order").map(o -> switch (o) {
            case "asc" -> true;
            case "desc" -> false;
            default -> throw invalid("order", "must be asc or desc");
        }).orElse(false);
        InboxQuery parsed = new InboxQuery(limit, status, type, since, until, ascending, null);
        // An empty cursor is the first page: clients often pass the previous next_cursor through unconditionally.
        String cursorText = query.first("cursor").orElse("");
        return cursorText.isEmpty() ? parsed : parsed.startingAfter(cursor(cursorText, parsed));
    }

    InboxQuery startingAfter(InboxCursor cursor) {
        return new InboxQuery(limit, status, type, since, until, ascending, cursor);
    }

    /**
     * A short hash of the filters (not limit, not order: order travels in the cursor as itself for a clearer
     * error). Collisions only weaken the mismatch check; they cannot leak or corrupt anything.
     */
    int filterHash() {
        String canonical = String.join("\n", status.wireName, String.valueOf(type),
                String.valueOf(since), String.valueOf(until));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static InboxCursor cursor(String text, InboxQuery query) {
        InboxCursor cursor = InboxCursor.decode(text);
        if (cursor == null) {
            throw invalid("cursor", "is not a cursor issued by this endpoint; pass next_cursor unchanged");
        }
        if (cursor.ascending() != query.ascending()) {
            throw mismatch("the cursor was issued for order=" + (cursor.ascending() ? "asc" : "desc")
                    + "; repeat that order with it");
        }
        if (cursor.filterHash() != query.filterHash()) {
            throw mismatch("the cursor was issued for other filters; repeat the status, type, since and until of the "
                    + "first page with it (only limit may change)");
        }
        return cursor;
    }

    private static Optional<String> single(Parameters query, String name) {
        List<String> values = query.all(name, List::of);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        String value = values.getFirst();
        if (value.isEmpty()) {
            throw invalid(name, "must not be empty; leave it out for the default");
        }
        return Optional.of(value);
    }

    private static int limit(String text) {
        if (!LIMIT.matcher(text).matches()) {
            throw invalid("limit", "must be an integer from 1 to " + MAX_LIMIT);
        }
        int limit = Integer.parseInt(text);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw invalid("limit", "must be an integer from 1 to " + MAX_LIMIT);
        }
        return limit;
    }

    /**
     * Parses an RFC 3339 timestamp and rounds it up to the microsecond PostgreSQL stores: {@code >= since} and
     * {@code < until} then mean the same on stored values as on the exact instant the client wrote.
     */
    private static Instant timestamp(String name, String text) {
        // An unencoded '+' of an offset arrives as a space (form encoding); the space can mean nothing else here.
        Optional<Instant> parsed = Timestamps.parse(text.replace(' ', '+'));
        if (parsed.isEmpty()) {
            throw invalid(name, "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-27T10:30:00.123456Z");
        }
        Instant instant = parsed.get();
        // PostgreSQL's timestamptz range is wider, but nothing is stored outside years 1..9999 and binding a value
        // beyond PostgreSQL's range would be a server error, not the client's.
        if (instant.isBefore(MIN_TIME) || instant.isAfter(MAX_TIME)) {
            throw invalid(name, "must be between years 0001 and 9999");
        }
        Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
        return micros.equals(instant) ? micros : micros.plus(1, ChronoUnit.MICROS);
    }

    private static ApiException invalid(String parameter, String problem) {
        return ApiException.validation("query parameter '" + parameter + "' " + problem).with("parameter", parameter);
    }

    private static ApiException mismatch(String detail) {
        return ApiException.badRequest("cursor_mismatch", detail).with("parameter", "cursor");
    }
}
