package dev.triggers.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.triggers.platform.Timestamps;
import dev.triggers.platform.json.Json;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * The SQL of events and of the dedup window. Writes are set-based (one statement for a whole group-commit batch,
 * rows passed as arrays) so a batch costs a few round trips whatever its size.
 */
public final class EventStore {
    /** A dedup claim: organization and dedup_id. */
    record DedupKey(UUID orgId, String dedupId) {
    }

    /** One row of the events table as it is inserted. */
    record Row(UUID id, UUID orgId, String type, String payload, String dedupId, boolean push) {
    }

    // An expired claim (older than 24 h) is taken over by the new event; a live one is left alone, and RETURNING
    // names only the events whose claim this statement won.
    private static final String CLAIM = """
            INSERT INTO event_dedup (org_id, dedup_id, event_id, created_at)
            SELECT k.org_id, k.dedup_id, k.event_id, ? FROM unnest(?::uuid[], ?::text[], ?::uuid[]) AS k(org_id, dedup_id, event_id)
            ON CONFLICT (org_id, dedup_id) DO UPDATE SET event_id = EXCLUDED.event_id, created_at = EXCLUDED.created_at
            WHERE event_dedup.created_at < now() - interval '24 hours'
            RETURNING event_id""";
    private static final String EXISTING = """
            SELECT d.org_id, d.dedup_id, d.event_id FROM event_dedup d
            JOIN unnest(?::uuid[], ?::text[]) AS k(org_id, dedup_id) ON d.org_id = k.org_id AND d.dedup_id = k.dedup_id""";
    // The rows travel as one JSON array: payloads are already JSON text, so building it is plain concatenation
    // (no per-element escaping as with text[] literals); json_to_recordset hands each payload on as the text span it
    // read, so the stored payload is the client's bytes.
    private static final String INSERT = """
            INSERT INTO events (id, org_id, type, payload, dedup_id, created_at, next_attempt_at)
            SELECT r.id, r.org_id, r.type, r.payload, r.dedup_id, ?, CASE WHEN r.push THEN ?::timestamptz END
            FROM json_to_recordset(?::json) AS r(id uuid, org_id uuid, type text, payload json, dedup_id text, push bool)""";
    static final int INSERT_CHUNK_CHARS = 1 << 20;
    private static final String SWEEP = """
            DELETE FROM event_dedup WHERE ctid = ANY (ARRAY(
              SELECT ctid FROM event_dedup WHERE created_at < now() - interval '24 hours' LIMIT ?))""";
    private static final String FIND = """
            SELECT id, type, payload::text AS payload, dedup_id, created_at, status, attempts, last_attempt_at, last_error,
                   next_attempt_at, delivered_at
            FROM events WHERE id = ? AND org_id = ?""";

    private final DbClient db;

    public EventStore(DbClient db) {
        this.db = db;
    }

    /**
     * Claims each key for its proposed event id; the keys must be distinct and sorted (so concurrent claimers lock
     * rows in the same order and cannot deadlock). Returns the ids whose claim won.
     */
    static Set<UUID> claim(Connection conn, List<DedupKey> keys, List<UUID> eventIds, Instant createdAt) throws SQLException {
        Set<UUID> won = new HashSet<>();
        try (PreparedStatement ps = conn.prepareStatement(CLAIM)) {
            ps.setObject(1, Timestamps.sql(createdAt));
            ps.setArray(2, conn.createArrayOf("uuid", keys.stream().map(DedupKey::orgId).toArray()));
            ps.setArray(3, conn.createArrayOf("text", keys.stream().map(DedupKey::dedupId).toArray()));
            ps.setArray(4, conn.createArrayOf("uuid", eventIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    won.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return won;
    }

    /** The event currently holding each key (read after {@link #claim}, which locked the rows). */
    static Map<DedupKey, UUID> holders(Connection conn, List<DedupKey> keys) throws SQLException {
        Map<DedupKey, UUID> out = new HashMap<>();
        try (PreparedStatement ps = conn.prepareStatement(EXISTING)) {
            ps.setArray(1, conn.createArrayOf("uuid", keys.stream().map(DedupKey::orgId).toArray()));
            ps.setArray(2, conn.createArrayOf("text", keys.stream().map(DedupKey::dedupId).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new DedupKey(rs.getObject(1, UUID.class), rs.getString(2)), rs.getObject(3, UUID.class));
                }
            }
        }
        return out;
    }

    /**
     * Inserts the rows, as few statements as fit {@link #INSERT_CHUNK_CHARS} each (one for any ordinary batch);
     * rows with {@code push} are due for delivery at once. The bound keeps a transaction of large payloads from
     * holding its whole JSON text two more times (built and encoded) on a small heap.
     */
    static void insert(Connection conn, List<Row> rows, Instant createdAt) throws SQLException {
        long size = 2;
        for (Row r : rows) {
            size += r.payload().length() + 160;
        }
        try (PreparedStatement ps = conn.prepareStatement(INSERT)) {
            StringBuilder json = new StringBuilder((int) Math.min(size, INSERT_CHUNK_CHARS + 4096));
            for (Row r : rows) {
                if (json.length() > 1 && json.length() + r.payload().length() > INSERT_CHUNK_CHARS) {
                    insertChunk(ps, json, createdAt);
                }
                json.append(json.isEmpty() ? '[' : ',');
                // type is [A-Za-z0-9._:-] only, so it needs no escaping; dedup_id may hold anything.
                json.append("{\"id\":\"").append(r.id()).append("\",\"org_id\":\"").append(r.orgId())
                        .append("\",\"type\":\"").append(r.type()).append("\",\"push\":").append(r.push())
                        .append(",\"dedup_id\":").append(r.dedupId() == null ? "null" : Json.string(r.dedupId()))
                        .append(",\"payload\":").append(r.payload()).append('}');
            }
            insertChunk(ps, json, createdAt);
        }
    }

    private static void insertChunk(PreparedStatement ps, StringBuilder json, Instant createdAt) throws SQLException {
        ps.setObject(1, Timestamps.sql(createdAt));
        ps.setObject(2, Timestamps.sql(createdAt));
        ps.setString(3, json.append(']').toString());
        ps.executeUpdate();
        json.setLength(0);
    }

    /** Deletes up to {@code limit} expired dedup claims; returns how many. */
    static int sweepExpiredClaims(Connection conn, int limit) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(SWEEP)) {
            ps.setInt(1, limit);
            return ps.executeUpdate();
        }
    }

    public Optional<DbRow> find(UUID orgId, UUID id) {
        return db.execute().get(FIND, id, orgId);
    }
}
