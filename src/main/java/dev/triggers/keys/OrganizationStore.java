package dev.triggers.keys;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Rows;
import dev.triggers.platform.db.Transactions;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** The SQL of organizations and their keys. */
public final class OrganizationStore {
    private static final String ORG_COLUMNS = "o.id, o.name, o.tier, o.webhook_url, o.created_at, o.updated_at";

    /** A key's organization and when the key stops working (null: until rotated). */
    public record KeyOwner(Organization organization, Instant expiresAt) {
    }

    private final DbClient db;

    public OrganizationStore(DbClient db) {
        this.db = db;
    }

    public void create(Organization org, byte[] keyHash) {
        Transactions.inTransaction(db, tx -> {
            tx.insert("INSERT INTO organizations (id, name, tier, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    org.id(), org.name(), org.tier().wireName(), Timestamps.sql(org.createdAt()),
                    Timestamps.sql(org.updatedAt()));
            tx.insert("INSERT INTO api_keys (key_hash, org_id, created_at) VALUES (?, ?, ?)",
                    keyHash, org.id(), Timestamps.sql(org.createdAt()));
            return null;
        });
    }

    public Optional<KeyOwner> findByKeyHash(byte[] keyHash) {
        return db.execute().get("SELECT " + ORG_COLUMNS + ", k.expires_at FROM api_keys k "
                        + "JOIN organizations o ON o.id = k.org_id WHERE k.key_hash = ?", keyHash)
                .map(row -> new KeyOwner(organization(row), Rows.instant(row, "expires_at")));
    }

    public Optional<Organization> findById(UUID id) {
        return db.execute().get("SELECT " + ORG_COLUMNS + " FROM organizations o WHERE o.id = ?", id)
                .map(OrganizationStore::organization);
    }

    /** What a rotation found: done, or refused: the presented key is superseded (in its grace period), or not valid. */
    public enum Rotation { ROTATED, SUPERSEDED, UNKNOWN }

    /**
     * Replaces the current key {@code presentedKeyHash} with {@code newKeyHash}; every other key of the organization
     * expires at {@code oldKeysExpireAt} at the latest (a key already expiring sooner keeps its earlier time).
     *
     * <p>The presented key's row is locked and re-read here, not taken from a cache: rotations with one key
     * serialize on that lock, and only the first finds the key still current, so exactly one new key comes out.
     * A key that already has an expiry (in its grace period) is refused: it would otherwise outlive its own
     * rotation and retire the owner's new key.
     */
    public Rotation rotate(UUID orgId, byte[] presentedKeyHash, byte[] newKeyHash, Instant now, Instant oldKeysExpireAt) {
        return Transactions.inTransaction(db, tx -> {
            Optional<DbRow> presented = tx.get("SELECT expires_at FROM api_keys WHERE key_hash = ? AND org_id = ? FOR UPDATE",
                    presentedKeyHash, orgId);
            Instant expiresAt = presented.map(row -> Rows.instant(row, "expires_at")).orElse(null);
            if (presented.isEmpty() || (expiresAt != null && !now.isBefore(expiresAt))) {
                return Rotation.UNKNOWN; // gone, or expired though a cache still took it
            }
            if (expiresAt != null) {
                return Rotation.SUPERSEDED;
            }
            tx.update("UPDATE api_keys SET expires_at = ? WHERE org_id = ? AND (expires_at IS NULL OR expires_at > ?)",
                    Timestamps.sql(oldKeysExpireAt), orgId, Timestamps.sql(oldKeysExpireAt));
            tx.insert("INSERT INTO api_keys (key_hash, org_id, created_at) VALUES (?, ?, ?)",
                    newKeyHash, orgId, Timestamps.sql(now));
            // Keys expired for a day are dead weight; dropping them here keeps the table as small as the live keys.
            tx.delete("DELETE FROM api_keys WHERE org_id = ? AND expires_at < ?", orgId, Timestamps.sql(now.minusSeconds(86_400)));
            return Rotation.ROTATED;
        });
    }

    /** NOTIFY outside any transaction, so listeners only hear of committed changes. */
    public void notifyChanged(String channel, UUID orgId) {
        db.execute().query("SELECT pg_notify(?, ?)", channel, orgId.toString()).close();
    }

    static Organization organization(DbRow row) {
        return new Organization(
                Rows.uuid(row, "id"),
                Rows.string(row, "name"),
                Tier.parse(Rows.string(row, "tier")).orElseThrow(),
                Rows.string(row, "webhook_url"),
                Rows.instant(row, "created_at"),
                Rows.instant(row, "updated_at"));
    }
}
