package dev.triggers.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.platform.Timestamps;
import dev.triggers.platform.http.ApiException;
import dev.triggers.platform.http.Problems;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.json.JsonBodies;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/keys}: create an organization with its first key, read it, rotate its key.
 */
public final class KeysService implements HttpService {
    static final int MAX_NAME_LENGTH = 255;
    static final int MAX_GRACE_SECONDS = 86_400;
    private static final long MAX_BODY_BYTES = 64 * 1024;

    private final OrganizationStore store;
    private final ApiKeys keys;
    private final Authenticator auth;
    private final TierLimits limits;
    private final boolean signupOpen;
    private final byte[] adminToken;

    public KeysService(OrganizationStore store, ApiKeys keys, Authenticator auth, TierLimits limits,
                       boolean signupOpen, String adminToken) {
        this.store = store;
        this.keys = keys;
        this.auth = auth;
        this.limits = limits;
        this.signupOpen = signupOpen;
        this.adminToken = adminToken == null || adminToken.isEmpty() ? null : adminToken.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/generate", this::generate)
                .any("/generate", Problems.methodNotAllowed("POST"))
                .post("/rotate", this::rotate)
                .any("/rotate", Problems.methodNotAllowed("POST"))
                .get("/", this::info)
                .any("/", Problems.methodNotAllowed("GET"));
    }

    private void generate(ServerRequest req, ServerResponse res) {
        requireSignupAllowed(req);
        JsonNode body = JsonBodies.readObject(req, MAX_BODY_BYTES);
        String name = requiredName(body.get("organization_name"));
        Tier tier = Tier.FREE;
        JsonNode tierNode = body.get("tier");
        if (tierNode != null && !tierNode.isNull()) {
            if (!tierNode.isTextual()) {
                throw ApiException.validation("field 'tier' must be one of free, pro, business, enterprise");
            }
            tier = Tier.parse(tierNode.textValue()).orElseThrow(
                    () -> ApiException.validation("field 'tier' must be one of free, pro, business, enterprise"));
        }
        Instant now = Timestamps.now();
        Organization org = new Organization(UUID.randomUUID(), name, tier, null, now, now);
        String key = keys.generate();
        store.create(org, keys.hash(key));

        ObjectNode out = Json.object();
        out.put("organization_id", org.id().toString());
        out.put("organization_name", org.name());
        out.put("api_key", key);
        out.put("tier", tier.wireName());
        out.put("rate_limit_per_minute", limits.perMinute(tier));
        out.put("created_at", Timestamps.format(now));
        out.put("warning", "Store this API key now: it is shown only once and cannot be recovered.");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.json(res, Status.CREATED_201, out);
    }

    private void info(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        // Read through: the response shows the stored state, not a cached copy.
        Organization current = store.findById(org.id()).orElseThrow(() -> ApiException.unauthorized("the API key is not valid"));
        ObjectNode out = Json.object();
        out.put("organization_id", current.id().toString());
        out.put("organization_name", current.name());
        out.put("tier", current.tier().wireName());
        out.put("rate_limit_per_minute", limits.perMinute(current.tier()));
        out.put("webhook_url", current.webhookUrl());
        out.put("created_at", Timestamps.format(current.createdAt()));
        out.put("updated_at", Timestamps.format(current.updatedAt()));
        Responses.ok(res, out);
    }

    private void rotate(ServerRequest req, ServerResponse res) {
        Organization org = auth.authenticate(req);
        int grace = 0;
        JsonNode body = JsonBodies.readOptionalObject(req, MAX_BODY_BYTES).orElse(null);
        if (body != null && body.has("grace_seconds") && !body.get("grace_seconds").isNull()) {
            JsonNode g = body.get("grace_seconds");
            if (!g.isIntegralNumber() || !g.canConvertToInt() || g.intValue() < 0 || g.intValue() > MAX_GRACE_SECONDS) {
                throw ApiException.validation("field 'grace_seconds' must be an integer from 0 to " + MAX_GRACE_SECONDS);
            }
            grace = g.intValue();
        }
        Instant now = Timestamps.now();
        Instant oldExpire = now.plusSeconds(grace);
        String key = keys.generate();
        switch (store.rotate(org.id(), keys.hash(Authenticator.presentedKey(req)), keys.hash(key), now, oldExpire)) {
            case SUPERSEDED -> throw new ApiException(Status.FORBIDDEN_403, "key_superseded", "Forbidden",
                    "this API key has been replaced by a rotation and only works until its grace period ends; "
                            + "rotate with the current key");
            case UNKNOWN -> throw ApiException.unauthorized("the API key is not valid");
            case ROTATED -> auth.announce(org.id());
        }

        ObjectNode out = Json.object();
        out.put("organization_id", org.id().toString());
        out.put("api_key", key);
        out.put("rotated_at", Timestamps.format(now));
        out.put("previous_key_expires_at", Timestamps.format(oldExpire));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.ok(res, out);
    }

    private void requireSignupAllowed(ServerRequest req) {
        if (signupOpen) {
            return;
        }
        String presented = req.headers().first(HeaderNames.create("X-Admin-Token")).orElse(null);
        if (presented == null) {
            throw ApiException.unauthorized("signup is closed: X-Admin-Token is required");
        }
        if (adminToken == null || !MessageDigest.isEqual(adminToken, presented.getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.forbidden("the admin token is not valid");
        }
    }

    private static String requiredName(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.validation("field 'organization_name' is required");
        }
        if (!node.isTextual()) {
            throw ApiException.validation("field 'organization_name' must be a string");
        }
        String name = node.textValue().strip();
        int length = name.codePointCount(0, name.length());
        if (length < 1 || length > MAX_NAME_LENGTH) {
            throw ApiException.validation("field 'organization_name' must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return name;
    }

}
