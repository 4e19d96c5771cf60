package dev.triggers.webhooks;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Rows;
import dev.triggers.platform.db.Transactions;
import io.helidon.dbclient.DbClient;

/** The SQL of an organization's webhook configuration and of redelivery. */
public final class WebhookStore {
    /** What {@code POST /api/webhook/config} answers. */
    public record Config(String url, String secret, Instant updatedAt) {
    }

    /** A new secret and until when the one it replaced still signs. */
    public record Rotation(String secret, Instant previousExpiresAt) {
    }

    /** A restarted event: when push delivery will try it (null: no webhook, the inbox only). */
    public record Redelivery(Instant nextAttemptAt) {
    }

    private final DbClient db;

    public WebhookStore(DbClient db) {
        this.db = db;
    }

    /**
     * Sets the URL. An organization that already has a secret keeps it (as Svix does when an endpoint's URL is
     * edited): moving the receiver must not force every consumer to roll its verification secret too.
     */
    public Config configure(UUID orgId, String url, String freshSecret, Instant now) {
        return db.execute().get("UPDATE organizations SET webhook_url = ?, webhook_secret = coalesce(webhook_secret, ?), "
                                + "updated_at = ? WHERE id = ? RETURNING webhook_url, webhook_secret, updated_at",
                        url, freshSecret, Timestamps.sql(now), orgId)
                .map(row -> new Config(Rows.string(row, "webhook_url"), Rows.string(row, "webhook_secret"),
                        Rows.instant(row, "updated_at")))
                .orElseThrow(() -> new IllegalStateException("organization vanished: " + orgId));
    }

    /**
     * Turns push off: the URL and secrets go (a later configuration starts with a fresh secret) and no pending
     * event stays due; the events themselves stay in the inbox.
     */
    public void remove(UUID orgId, Instant now) {
        Transactions.inTransaction(db, tx -> {
            tx.update("UPDATE organizations SET webhook_url = NULL, webhook_secret = NULL, webhook_previous_secret = NULL, "
                    + "webhook_previous_secret_expires_at = NULL, updated_at = ? WHERE id = ?", Timestamps.sql(now), orgId);
            tx.update(STOP_PUSH, orgId);
            return null;
        });
    }

    /** Replaces the secret; the old one keeps signing until {@code previousExpiresAt}. Empty without a webhook. */
    public Optional<Rotation> rotate(UUID orgId, String newSecret, Instant now, Instant previousExpiresAt) {
        return db.execute().get("UPDATE organizations SET webhook_previous_secret = webhook_secret, "
                                + "webhook_previous_secret_expires_at = ?, webhook_secret = ?, updated_at = ? "
                                + "WHERE id = ? AND webhook_secret IS NOT NULL RETURNING webhook_secret",
                        Timestamps.sql(previousExpiresAt), newSecret, Timestamps.sql(now), orgId)
                .map(row -> new Rotation(Rows.string(row, "webhook_secret"), previousExpiresAt));
    }

    /**
     * Restarts an event's push delivery (or, without a webhook, only resets its state for the inbox). An event
     * still leased or scheduled keeps its next_attempt_at, so it never gets in flight twice. Empty: no such event
     * for this organization.
     */
    public Optional<Redelivery> redeliver(UUID orgId, UUID eventId) {
        return db.execute().get("UPDATE events e SET status = 0, attempts = 0, delivered_at = NULL, next_attempt_at = "
                                + "CASE WHEN o.webhook_url IS NULL THEN NULL "
                                + "WHEN e.status IN (0, 1) AND e.next_attempt_at IS NOT NULL THEN e.next_attempt_at "
                                + "ELSE now() END "
                                + "FROM organizations o WHERE o.id = e.org_id AND e.id = ? AND e.org_id = ? "
                                + "RETURNING e.next_attempt_at", eventId, orgId)
                .map(row -> new Redelivery(Rows.instant(row, "next_attempt_at")));
    }

    /** Pending and retrying events of an org stop being due; shared by removal and by a receiver's 410. */
    public static final String STOP_PUSH =
            "UPDATE events SET next_attempt_at = NULL WHERE org_id = ? AND status IN (0, 1) AND next_attempt_at IS NOT NULL";
}
