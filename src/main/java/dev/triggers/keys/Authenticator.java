package dev.triggers.keys;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.triggers.platform.db.PgNotifications;
import dev.triggers.platform.http.ApiException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * Resolves the caller's organization from {@code X-API-Key} or {@code Authorization: Bearer}, from an in-process
 * cache of key hashes, so steady state costs no database round trip. A change that must take effect everywhere (a
 * rotated key, a new webhook URL) is announced with {@link #announce}, a NOTIFY on {@value #CHANNEL} that every
 * instance turns into an eviction; the cache is dropped on reconnect and no entry outlives
 * {@code auth.cache-ttl-seconds}.
 */
public final class Authenticator {
    public static final String CHANNEL = "triggers_org_changed";
    private static final HeaderName API_KEY = HeaderNames.create("X-API-Key");
    private static final int MAX_ENTRIES = 100_000;
    private static final long NEGATIVE_TTL_NANOS = Duration.ofSeconds(5).toNanos();

    private record Entry(Organization org, Instant expiresAt, long loadedAt) {
    }

    private final ApiKeys keys;
    private final OrganizationStore store;
    private final long ttlNanos;
    private final ConcurrentHashMap<ByteBuffer, Entry> byKey = new ConcurrentHashMap<>();

    public Authenticator(ApiKeys keys, OrganizationStore store, Duration ttl, PgNotifications notifications) {
        this.keys = keys;
        this.store = store;
        this.ttlNanos = ttl.toNanos();
        notifications.subscribe(CHANNEL, payload -> evict(UUID.fromString(payload)))
                .onReconnect(byKey::clear);
    }

    /** The caller's organization; 401 when the key is missing, unknown or expired. */
    public Organization authenticate(ServerRequest req) {
        String key = presentedKey(req);
        if (key == null) {
            throw ApiException.unauthorized("an API key is required: send it as X-API-Key or Authorization: Bearer");
        }
        byte[] hash = keys.hash(key);
        if (hash == null) {
            throw ApiException.unauthorized("the API key is not valid");
        }
        Entry entry = lookup(ByteBuffer.wrap(hash));
        if (entry.org() == null || (entry.expiresAt() != null && !Instant.now().isBefore(entry.expiresAt()))) {
            throw ApiException.unauthorized("the API key is not valid");
        }
        return entry.org();
    }

    private Entry lookup(ByteBuffer hash) {
        long now = System.nanoTime();
        Entry cached = byKey.get(hash);
        if (cached != null && now - cached.loadedAt() < (cached.org() == null ? NEGATIVE_TTL_NANOS : ttlNanos)) {
            return cached;
        }
        Optional<OrganizationStore.KeyOwner> owner = store.findByKeyHash(hash.array());
        Entry fresh = owner.map(o -> new Entry(o.organization(), o.expiresAt(), now))
                .orElseGet(() -> new Entry(null, null, now));
        if (byKey.size() >= MAX_ENTRIES) {
            // A flood of random keys must not grow memory without bound; the live keys reload in one query each.
            byKey.clear();
        }
        byKey.put(hash, fresh);
        return fresh;
    }

    /** Drops what this instance cached about {@code orgId}. */
    public void evict(UUID orgId) {
        byKey.values().removeIf(e -> e.org() != null && e.org().id().equals(orgId));
    }

    /**
     * Evicts locally at once and tells every other instance, after the caller has committed its change.
     */
    public void announce(UUID orgId) {
        evict(orgId);
        store.notifyChanged(CHANNEL, orgId);
    }

    static String presentedKey(ServerRequest req) {
        Optional<String> header = req.headers().first(API_KEY);
        if (header.isPresent() && !header.get().isBlank()) {
            return header.get().trim();
        }
        Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
        if (authorization.isPresent()) {
            String value = authorization.get().trim();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String token = value.substring(7).trim();
                return token.isEmpty() ? null : token;
            }
        }
        return null;
    }
}
