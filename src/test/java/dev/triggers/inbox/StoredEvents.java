package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.triggers.ApiClient;
import dev.triggers.TestSupport;
import dev.triggers.events.DeliveryStatus;
import dev.triggers.platform.Ids;
import dev.triggers.platform.Timestamps;

/**
 * Writes events straight into the table, as the schema documents them, so the inbox can be tested without the
 * ingestion endpoint; and reads back what an ack changed.
 */
final class StoredEvents {
    /** An event as stored; {@code nextAttemptAt} is set only when a webhook would be delivering it. */
    record Stored(UUID id, UUID orgId, String type, Instant createdAt, DeliveryStatus status, Instant nextAttemptAt) {
        Stored(UUID orgId, String type, Instant createdAt, DeliveryStatus status) {
            this(Ids.uuidV7(), orgId, type, createdAt, status, null);
        }
    }

    /** What an ack may change. */
    record Row(DeliveryStatus status, Instant deliveredAt, Instant nextAttemptAt, int attempts) {
    }

    private StoredEvents() {
    }

    /** The organization id of the key's organization, as {@code GET /api/keys} tells it. */
    static UUID orgId(ApiClient api, String key) {
        return UUID.fromString(api.get("/api/keys", key).json().get("organization_id").asText());
    }

    static Stored insert(UUID orgId, String type, DeliveryStatus status) {
        return insert(List.of(new Stored(orgId, type, Timestamps.now(), status))).getFirst();
    }

    static List<Stored> insert(List<Stored> events) {
        try (Connection c = TestSupport.app().database().connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO events (id, org_id, type, payload, dedup_id, "
                     + "created_at, status, attempts, next_attempt_at, delivered_at) VALUES (?, ?, ?, ?::json, ?, ?, ?, ?, ?, ?)")) {
            for (Stored e : events) {
                ps.setObject(1, e.id());
                ps.setObject(2, e.orgId());
                ps.setString(3, e.type());
                ps.setString(4, "{\"n\": \"" + e.id() + "\", \"nested\": {\"ok\": true}}");
                ps.setString(5, "dedup-" + e.id());
                ps.setObject(6, Timestamps.sql(e.createdAt()));
                ps.setShort(7, (short) e.status().code());
                ps.setInt(8, e.status() == DeliveryStatus.PENDING ? 0 : 2);
                ps.setObject(9, Timestamps.sql(e.nextAttemptAt()));
                ps.setObject(10, e.status() == DeliveryStatus.DELIVERED ? Timestamps.sql(e.createdAt()) : null);
                ps.addBatch();
            }
            ps.executeBatch();
            return events;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Row row(UUID id) {
        try (Connection c = TestSupport.app().database().connection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT status, delivered_at, next_attempt_at, attempts FROM events WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no event " + id);
                }
                return new Row(DeliveryStatus.fromCode(rs.getShort(1)), instant(rs, 2), instant(rs, 3), rs.getInt(4));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Row> rows(List<Stored> events) {
        List<Row> rows = new ArrayList<>(events.size());
        events.forEach(e -> rows.add(row(e.id())));
        return rows;
    }

    /** The heap page each event's current row version is on, in the order given. */
    static List<Integer> pages(List<Stored> events) {
        List<Integer> pages = new ArrayList<>(events.size());
        try (Connection c = TestSupport.app().database().connection();
             PreparedStatement ps = c.prepareStatement("SELECT (ctid::text::point)[0]::int FROM events WHERE id = ?")) {
            for (Stored e : events) {
                ps.setObject(1, e.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new AssertionError("no event " + e.id());
                    }
                    pages.add(rs.getInt(1));
                }
            }
            return pages;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one statement on the test database, for tests that play the delivery engine's part. */
    static int execute(String sql, Object... params) {
        try (Connection c = TestSupport.app().database().connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
