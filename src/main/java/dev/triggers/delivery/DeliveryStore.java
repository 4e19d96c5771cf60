package dev.triggers.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.PlanPins;
import dev.triggers.webhooks.WebhookStore;

/**
 * The SQL of the delivery engine, on raw JDBC because it works in arrays and batches. A claim moves an event's
 * {@code next_attempt_at} to the end of its lease, and that value fences the attempt: results and releases apply
 * only while the row still carries it, so a late result never overwrites a newer claim, an ack or a removal.
 */
final class DeliveryStore {
    /** An event claimed for one attempt, with where and how to sign it. */
    record Claimed(UUID id, UUID orgId, String type, String payloadJson, String dedupId, Instant createdAt, int attempts,
                   OffsetDateTime lease, String url, String secret, String previousSecret) {
    }

    /** What one attempt ended with, ready to store. */
    record Result(Claimed event, Instant attemptedAt, Integer statusCode, String error, int durationMs,
                  DeliveryStatus status, Instant nextAttemptAt) {
    }

    /** Leases the rows of {@code due} (id, org_id) and returns what an attempt needs; shared by both claims. */
    private static final String LEASE_DUE = """
            UPDATE events e SET next_attempt_at =
                CASE WHEN o.webhook_url IS NULL THEN NULL ELSE now() + ?::float8 * interval '1 millisecond' END
            FROM due LEFT JOIN organizations o ON o.id = due.org_id
            WHERE e.id = due.id
            RETURNING e.id, e.org_id, e.type, e.payload::text AS payload, e.dedup_id, e.created_at, e.attempts,
                e.next_attempt_at, o.webhook_url, o.webhook_secret,
                CASE WHEN o.webhook_previous_secret_expires_at > now() THEN o.webhook_previous_secret END AS previous_secret
            """;

    // Both claims run after PlanPins.ORDERED_SCANS: they must read their index in order and stop at the LIMIT, and the
    // due rows churn faster than statistics follow; a plan that sorts every due row costs the whole backlog per claim
    // (seen as claims spilling sorts to temp files under load). The same pin joins the leased rows back by key.

    /** Oldest due first, across all organizations: the head of events_due. */
    static final String CLAIM_ANY = """
            WITH due AS (
                SELECT e.id, e.org_id FROM events e
                WHERE e.next_attempt_at <= now() AND e.status IN (0, 1)
                ORDER BY e.next_attempt_at LIMIT ? FOR UPDATE OF e SKIP LOCKED)
            """ + LEASE_DUE;

    /**
     * Due events of every organization but the left-out ones. The recursive part visits each organization with due
     * or leased events once (one descent of events_due_org per organization, whatever its backlog), so a left-out
     * organization's backlog is jumped over instead of read; each other organization gives its oldest due events.
     */
    static final String CLAIM_OUTSIDE = """
            WITH RECURSIVE orgs (org_id) AS (
                (SELECT e.org_id FROM events e WHERE e.next_attempt_at IS NOT NULL ORDER BY e.org_id LIMIT 1)
                UNION ALL
                SELECT (SELECT e.org_id FROM events e WHERE e.next_attempt_at IS NOT NULL AND e.org_id > orgs.org_id
                        ORDER BY e.org_id LIMIT 1)
                FROM orgs WHERE orgs.org_id IS NOT NULL),
            due AS (
                SELECT d.id, d.org_id FROM orgs CROSS JOIN LATERAL (
                    SELECT e.id, e.org_id FROM events e
                    WHERE e.org_id = orgs.org_id AND e.next_attempt_at <= now() AND e.status IN (0, 1)
                    ORDER BY e.next_attempt_at LIMIT ? FOR UPDATE OF e SKIP LOCKED) d
                WHERE orgs.org_id IS NOT NULL AND NOT (orgs.org_id = ANY (?::uuid[]))
                LIMIT ?)
            """ + LEASE_DUE;

    /**
     * Records every attempt and applies the outcomes whose lease still holds, in one statement: both parts read
     * the same arrays (one bind, one round trip) and see the same snapshot, as two statements in one transaction did.
     */
    private static final String STORE_RESULTS = """
            WITH u AS MATERIALIZED (
                SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[], ?::int2[], ?::text[])
                    AS u(id, lease, at, code, err, ms, status, next)),
            recorded AS (
                INSERT INTO delivery_attempts (event_id, attempt, attempted_at, status_code, error, duration_ms)
                SELECT u.id, coalesce((SELECT max(d.attempt) FROM delivery_attempts d WHERE d.event_id = u.id), 0) + 1,
                    u.at::timestamptz, u.code, u.err, u.ms
                FROM u
                ON CONFLICT DO NOTHING)
            UPDATE events e SET attempts = e.attempts + 1, last_attempt_at = u.at::timestamptz, last_status_code = u.code,
                last_error = u.err, status = u.status, next_attempt_at = u.next::timestamptz,
                delivered_at = CASE WHEN u.status = 2 THEN u.at::timestamptz END
            FROM u
            WHERE e.id = u.id AND e.next_attempt_at = u.lease::timestamptz AND e.status <> 2
            """;

    private static final String RELEASE = """
            UPDATE events e SET next_attempt_at = now()
            FROM unnest(?::uuid[], ?::text[]) AS u(id, lease)
            WHERE e.id = u.id AND e.next_attempt_at = u.lease::timestamptz AND e.status <> 2
            """;

    private final Database db;

    DeliveryStore(Database db) {
        this.db = db;
    }

    /** Leases up to {@code limit} due events of organizations not in {@code skipOrgs}, oldest due first. */
    List<Claimed> claim(int limit, Collection<UUID> skipOrgs, long leaseMs) throws SQLException {
        List<Claimed> out = new ArrayList<>(limit);
        try (Connection conn = db.connection();
             PreparedStatement ps = conn.prepareStatement(PlanPins.ORDERED_SCANS + (skipOrgs.isEmpty() ? CLAIM_ANY : CLAIM_OUTSIDE))) {
            int i = 1;
            ps.setInt(i++, limit);
            if (!skipOrgs.isEmpty()) {
                ps.setArray(i++, conn.createArrayOf("uuid", skipOrgs.toArray()));
                ps.setInt(i++, limit);
            }
            ps.setDouble(i, leaseMs);
            PlanPins.execute(ps);
            try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                    out.add(new Claimed(rs.getObject("id", UUID.class), rs.getObject("org_id", UUID.class),
                            rs.getString("type"), rs.getString("payload"), rs.getString("dedup_id"),
                            rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getInt("attempts"),
                            rs.getObject("next_attempt_at", OffsetDateTime.class), rs.getString("webhook_url"),
                            rs.getString("webhook_secret"), rs.getString("previous_secret")));
                }
            }
        }
        return out;
    }

    /**
     * Result batches commit without waiting for their WAL flush, which would queue with the ingest commits'. A database
     * crash can then lose the last moment's results; those events are pushed again (at-least-once). Claims keep the
     * flush: a lost lease could let another instance push an event still in flight here.
     */
    private static final String RESULTS_COMMIT_WITHOUT_FLUSH = "SELECT set_config('synchronous_commit', 'off', true)";

    /** Records attempts and applies their outcomes, all in one transaction. */
    void write(List<Result> results, List<Claimed> released) throws SQLException {
        inTransaction(conn -> {
            try (Statement pin = conn.createStatement()) {
                pin.execute(PlanPins.KEY_LOOKUPS + RESULTS_COMMIT_WITHOUT_FLUSH); // both statements join events by id
            }
            if (!results.isEmpty()) {
                storeResults(conn, results);
            }
            if (!released.isEmpty()) {
                try (PreparedStatement ps = conn.prepareStatement(RELEASE)) {
                    ps.setArray(1, conn.createArrayOf("uuid", released.stream().map(Claimed::id).toArray()));
                    ps.setArray(2, conn.createArrayOf("text", released.stream().map(c -> c.lease().toString()).toArray()));
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    private interface SqlWork<T> {
        T run(Connection conn) throws SQLException;
    }

    /** Runs {@code work} on a pooled connection in one transaction: committed if it returns, rolled back if not. */
    private <T> T inTransaction(SqlWork<T> work) throws SQLException {
        try (Connection conn = db.connection()) {
            conn.setAutoCommit(false);
            try {
                T result = work.run(conn);
                conn.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        }
    }

    private static void storeResults(Connection conn, List<Result> results) throws SQLException {
        int n = results.size();
        Object[] ids = new Object[n];
        String[] leases = new String[n];
        String[] at = new String[n];
        Integer[] codes = new Integer[n];
        String[] errors = new String[n];
        Integer[] durations = new Integer[n];
        Short[] statuses = new Short[n];
        String[] next = new String[n];
        for (int i = 0; i < n; i++) {
            Result r = results.get(i);
            ids[i] = r.event().id();
            leases[i] = r.event().lease().toString();
            at[i] = Timestamps.format(r.attemptedAt());
            codes[i] = r.statusCode();
            errors[i] = r.error();
            durations[i] = r.durationMs();
            statuses[i] = (short) r.status().code();
            next[i] = Timestamps.format(r.nextAttemptAt());
        }
        try (PreparedStatement ps = conn.prepareStatement(STORE_RESULTS)) {
            ps.setArray(1, conn.createArrayOf("uuid", ids));
            ps.setArray(2, conn.createArrayOf("text", leases));
            ps.setArray(3, conn.createArrayOf("text", at));
            ps.setArray(4, conn.createArrayOf("int4", codes));
            ps.setArray(5, conn.createArrayOf("text", errors));
            ps.setArray(6, conn.createArrayOf("int4", durations));
            ps.setArray(7, conn.createArrayOf("int2", statuses));
            ps.setArray(8, conn.createArrayOf("text", next));
            ps.executeUpdate();
        }
    }

    /**
     * A receiver answered 410 Gone: push stops for the organization, unless its URL was changed meanwhile (then the
     * new receiver gets its chance). Returns true if the webhook was disabled.
     */
    boolean disableWebhook(UUID orgId, String url) throws SQLException {
        return inTransaction(conn -> {
            try (PreparedStatement off = conn.prepareStatement(
                    "UPDATE organizations SET webhook_url = NULL, updated_at = now() WHERE id = ? AND webhook_url = ?");
                 PreparedStatement stop = conn.prepareStatement(WebhookStore.STOP_PUSH)) {
                off.setObject(1, orgId);
                off.setString(2, url);
                boolean disabled = off.executeUpdate() == 1;
                if (disabled) {
                    stop.setObject(1, orgId);
                    stop.executeUpdate();
                }
                return disabled;
            }
        });
    }

    /** Events due or leased now; the backlog gauge. Counts the small partial index events_due. */
    long backlog() throws SQLException {
        try (Connection conn = db.connection();
             PreparedStatement ps = conn.prepareStatement(
                     PlanPins.KEY_LOOKUPS + "SELECT count(*) FROM events WHERE next_attempt_at IS NOT NULL")) {
            PlanPins.execute(ps); // never a scan of the whole table, whatever plan was cached while it was small
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
