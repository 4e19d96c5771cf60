package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.PlanPins;
import io.helidon.dbclient.DbClientException;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;

/**
 * The SQL of the inbox: keyset pages over (created_at, id) and acknowledgements.
 *
 * <p>Raw JDBC rather than the DB client: pages bind a variable set of typed parameters and acks bind a uuid[].
 */
final class InboxStore {
    /**
     * One event as a page shows it. The text columns are the UTF-8 bytes PostgreSQL sent, never decoded into strings
     * ({@code payload} is the stored json text, valid JSON): {@link InboxPageJson} copies them into the response.
     */
    record InboxEvent(UUID id, byte[] type, byte[] payload, byte[] dedupId, OffsetDateTime createdAt, int status,
                      int attempts) {
    }

    /** An acknowledged event and when it first became delivered. */
    record Acked(UUID id, Instant deliveredAt) {
    }

    /*
     * Ack and push delivery share one row. An ack sets status = 2 (delivered) and next_attempt_at = NULL in one
     * statement, so the engine never claims it again, and the engine's results skip delivered rows, so an ack during an
     * attempt wins. delivered_at keeps the first delivery (a repeated ack answers the same time). Every matched row is
     * updated, so a concurrent ack of the same id waits on the row lock and still counts it as acknowledged.
     *
     * The ids are joined from an array, one primary-key lookup each; the org check is written "IS NOT DISTINCT FROM"
     * so that no index can answer it and no plan starts from a large organization's whole index. The ids are sorted in
     * PostgreSQL's uuid order, so overlapping acks lock rows in one order and queue instead of deadlocking.
     */
    static final String ACK = "UPDATE events e SET status = " + DeliveryStatus.DELIVERED.code()
            + ", delivered_at = coalesce(e.delivered_at, ?), next_attempt_at = NULL FROM unnest(?::uuid[]) AS a(id) "
            + "WHERE e.id = a.id AND e.org_id IS NOT DISTINCT FROM ?";
    /** The single ack answers with acknowledged_at; a batch answers only how many, so it sends no rows back. */
    static final String ACK_ONE = ACK + " RETURNING e.delivered_at";
    private static final String DEADLOCK_DETECTED = "40P01";
    private static final int ACK_TRIES = 3;
    /** PostgreSQL's uuid order: the 16 bytes compared unsigned (UUID.compareTo compares signed longs). */
    private static final Comparator<UUID> UUID_ORDER = Comparator
            .comparing(UUID::getMostSignificantBits, Long::compareUnsigned)
            .thenComparing(UUID::getLeastSignificantBits, Long::compareUnsigned);

    /**
     * SQL with its parameters in order; package-private so the plan test can EXPLAIN exactly what runs.
     *
     * @param genericPlan whether it runs with {@link PlanPins#GENERIC_PLAN} ahead of it (one round trip, the setting
     *                    ends with the page; which shapes, and why they are safe: {@link #pageStatement})
     */
    record Statement(String sql, List<Object> params, boolean genericPlan) {
        Statement(String sql, List<Object> params) {
            this(sql, params, false);
        }

        PreparedStatement prepare(Connection conn) throws SQLException {
            PreparedStatement ps = conn.prepareStatement(genericPlan ? PlanPins.GENERIC_PLAN + sql : sql);
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            return ps;
        }
    }

    private final Database db;
    private final Counter ackDeadlocks = Metrics.globalRegistry().getOrCreate(Counter.builder("inbox.ack.deadlocks")
            .description("Acks that PostgreSQL rolled back as a deadlock's victim and that were run again"));

    InboxStore(Database db) {
        this.db = db;
    }

    /**
     * Up to {@code fetch} events of the organization matching {@code q}, in its order, after its cursor.
     *
     * <p>Shape matters for the plan: org_id equality plus the row comparison on (created_at, id) are both index
     * conditions of events_org_created (or of the partial events_org_undelivered when the status filter implies
     * status &lt;&gt; 2), and ORDER BY matches the index order exactly (scanned backward for asc), so PostgreSQL
     * reads only the rows it returns plus those a type filter skips; no sort, no OFFSET.
     */
    List<InboxEvent> page(UUID orgId, InboxQuery q, int fetch) {
        Statement page = pageStatement(orgId, q, fetch);
        try (Connection conn = db.connection(); PreparedStatement ps = page.prepare(conn)) {
            List<InboxEvent> events = new ArrayList<>(fetch);
            if (page.genericPlan()) {
                PlanPins.execute(ps);
            } else {
                ps.execute();
            }
            try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                    // getBytes of a text-format column is the driver's own buffer for it, no copy. (json comes in text
                    // format: pgjdbc asks for binary only for the types of its binaryTransfer list, json not among
                    // them.)
                    events.add(new InboxEvent(rs.getObject(1, UUID.class), rs.getBytes(2), rs.getBytes(3),
                            rs.getBytes(4), rs.getObject(5, OffsetDateTime.class), rs.getShort(6), rs.getInt(7)));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new DbClientException("inbox page failed: " + e.getMessage(), e);
        }
    }

    /**
     * The page's SQL and parameters. The text depends only on the query's shape, so pgjdbc prepares each shape on the
     * server and then only binds it. The shapes whose only condition is the organization (the default view and
     * {@code status=all}) run their generic plan ({@link PlanPins#GENERIC_PLAN}): with nothing but the index's own
     * condition, the ordered index scan is the generic plan under any statistics (InboxQueryPlanTest), and planning each
     * execution is a sizeable share of a page's database CPU. Any other filter keeps custom plans: its generic plan,
     * costed for an average organization, becomes a sort of every matching row once the filter looks rare. The LIMIT
     * stays a parameter for the same reason.
     */
    static Statement pageStatement(UUID orgId, InboxQuery q, int fetch) {
        StringBuilder sql = new StringBuilder(
                "SELECT id, type, payload, dedup_id, created_at, status, attempts FROM events WHERE org_id = ? AND ")
                .append(q.status().sql);
        List<Object> params = new ArrayList<>(8);
        params.add(orgId);
        if (q.type() != null) {
            sql.append(" AND type = ?");
            params.add(q.type());
        }
        if (q.since() != null) {
            sql.append(" AND created_at >= ?");
            params.add(Timestamps.sql(q.since()));
        }
        if (q.until() != null) {
            sql.append(" AND created_at < ?");
            params.add(Timestamps.sql(q.until()));
        }
        if (q.after() != null) {
            sql.append(q.ascending() ? " AND (created_at, id) > (?, ?)" : " AND (created_at, id) < (?, ?)");
            params.add(Timestamps.sql(q.after().createdAt()));
            params.add(q.after().id());
        }
        sql.append(q.ascending() ? " ORDER BY created_at, id" : " ORDER BY created_at DESC, id DESC").append(" LIMIT ?");
        params.add(fetch);
        boolean onlyTheOrganization = (q.status() == InboxQuery.StatusFilter.UNDELIVERED
                || q.status() == InboxQuery.StatusFilter.ALL) && q.type() == null && q.since() == null && q.until() == null;
        return new Statement(sql.toString(), params, onlyTheOrganization);
    }

    /** Acknowledges those of {@code ids} (distinct) that belong to the organization; returns how many. One statement. */
    int ack(UUID orgId, Collection<UUID> ids, Instant now) {
        UUID[] sorted = ids.toArray(new UUID[0]);
        Arrays.sort(sorted, UUID_ORDER);
        return retryingDeadlocks(() -> {
            try (Connection conn = db.connection(); PreparedStatement ps = pinnedAck(conn, ACK, sorted, orgId, now)) {
                PlanPins.execute(ps);
                return ps.getUpdateCount();
            }
        });
    }

    /** Acknowledges one event of the organization; empty if it has no such event. */
    Optional<Acked> ackOne(UUID orgId, UUID id, Instant now) {
        return retryingDeadlocks(() -> {
            try (Connection conn = db.connection();
                 PreparedStatement ps = pinnedAck(conn, ACK_ONE, new UUID[] {id}, orgId, now)) {
                PlanPins.execute(ps);
                try (ResultSet rs = ps.getResultSet()) {
                    return rs.next() ? Optional.of(new Acked(id, rs.getObject(1, OffsetDateTime.class).toInstant()))
                            : Optional.empty();
                }
            }
        });
    }

    private interface AckStatement<T> {
        T run() throws SQLException;
    }

    /**
     * Runs an ack again when PostgreSQL chose it as a deadlock's victim (the result writer and a webhook's removal lock
     * rows in another order). The ack is one statement in its own transaction, so nothing of it was applied, and it is
     * idempotent. At most three tries: three deadlocks in a row would mean something else is wrong.
     */
    private <T> T retryingDeadlocks(AckStatement<T> ack) {
        for (int tries = 1; ; tries++) {
            try {
                return ack.run();
            } catch (SQLException e) {
                if (tries == ACK_TRIES || !DEADLOCK_DETECTED.equals(e.getSQLState())) {
                    throw new DbClientException("ack failed: " + e.getMessage(), e);
                }
                ackDeadlocks.increment();
            }
        }
    }

    // Pinned to key lookups: a generic plan made while the table was small would otherwise join by hash over a scan of
    // the whole table for as long as nothing analyzes it (PlanPins).
    private static PreparedStatement pinnedAck(Connection conn, String sql, UUID[] sortedIds, UUID orgId, Instant now)
            throws SQLException {
        PreparedStatement ps = conn.prepareStatement(PlanPins.KEY_LOOKUPS + sql);
        ps.setObject(1, Timestamps.sql(now));
        ps.setArray(2, conn.createArrayOf("uuid", sortedIds));
        ps.setObject(3, orgId);
        return ps;
    }
}
