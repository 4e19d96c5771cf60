package dev.triggers.delivery;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.triggers.platform.Ids;
import dev.triggers.webhooks.WebhookSignatures;

/**
 * Writes organizations and events with SQL exactly as the schema documents them (V1__initial_schema.sql): an
 * event of an organization with a webhook is pending with {@code next_attempt_at = created_at}, which is what
 * ingestion writes; and reads back what the engine stored.
 */
public final class DeliveryFixture {
    /** The delivery columns of one event. */
    public record EventRow(int status, int attempts, Instant nextAttemptAt, Instant lastAttemptAt, Integer lastStatusCode,
                           String lastError, Instant deliveredAt) {
    }

    private final String jdbcUrl;

    public DeliveryFixture(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, "postgres", "");
    }

    /** An organization whose webhook is {@code url}, signing with a fresh secret; returns its id. */
    public UUID organization(String url, String secret) {
        UUID id = UUID.randomUUID();
        update("INSERT INTO organizations (id, name, tier, webhook_url, webhook_secret, created_at, updated_at) "
                + "VALUES (?, 'fixture', 'enterprise', ?, ?, now(), now())", id, url, secret);
        return id;
    }

    public UUID organization(String url) {
        return organization(url, WebhookSignatures.newSecret());
    }

    /** A new pending event, due at once; returns its id. */
    public UUID event(UUID orgId) {
        return events(orgId, 1).getFirst();
    }

    public List<UUID> events(UUID orgId, int n) {
        List<UUID> ids = new ArrayList<>(n);
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO events (id, org_id, type, payload, dedup_id, created_at, status, attempts, next_attempt_at) "
                        + "VALUES (?, ?, 'order.created', ?::json, ?, ?, 0, 0, ?)")) {
            for (int i = 0; i < n; i++) {
                UUID id = Ids.uuidV7();
                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                ps.setObject(1, id);
                ps.setObject(2, orgId);
                ps.setString(3, "{\"n\": " + i + ", \"note\": \"caf\\u00e9\"}");
                ps.setString(4, "dedup-" + id);
                ps.setObject(5, now);
                ps.setObject(6, now);
                ps.addBatch();
                ids.add(id);
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    public EventRow row(UUID eventId) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_error, delivered_at "
                        + "FROM events WHERE id = ?")) {
            ps.setObject(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no event " + eventId);
                }
                return new EventRow(rs.getInt(1), rs.getInt(2), instant(rs, 3), instant(rs, 4),
                        (Integer) rs.getObject(5), rs.getString(6), instant(rs, 7));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Status codes of the recorded attempts, in order (null where the attempt ended in an error). */
    public List<Integer> attemptCodes(UUID eventId) {
        List<Integer> codes = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT status_code FROM delivery_attempts WHERE event_id = ? ORDER BY attempt")) {
            ps.setObject(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    codes.add((Integer) rs.getObject(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return codes;
    }

    public List<String> attemptErrors(UUID eventId) {
        return strings("SELECT error FROM delivery_attempts WHERE event_id = ? ORDER BY attempt", eventId);
    }

    public String webhookUrl(UUID orgId) {
        return strings("SELECT webhook_url FROM organizations WHERE id = ?", orgId).getFirst();
    }

    public long count(String sql, Object... args) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the inbox's ack does to an event. */
    public void ack(UUID eventId) {
        update("UPDATE events SET status = 2, next_attempt_at = NULL WHERE id = ?", eventId);
    }

    public void update(String sql, Object... args) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> strings(String sql, UUID id) {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
