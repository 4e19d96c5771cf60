package dev.triggers.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.triggers.platform.Ids;

/**
 * API keys: {@code zap_live_} (prod) or {@code zap_test_} (other profiles) followed by 43 url-safe characters
 * (256 random bits). Only {@code HMAC-SHA256(pepper, key)} is ever stored; a stolen table without the pepper
 * yields nothing, and a high-entropy key needs no slow hash.
 */
public final class ApiKeys {
    private static final int RANDOM_BYTES = 32;
    private static final int MAX_KEY_LENGTH = 200;

    private final String prefix;
    private final Mac prototype;

    public ApiKeys(String pepper, boolean live) {
        this.prefix = live ? "zap_live_" : "zap_test_";
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(pepper.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public String generate() {
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(Ids.secureRandom(RANDOM_BYTES));
    }

    /** The stored form of {@code key}; null for strings that cannot be keys (so they are never looked up). */
    public byte[] hash(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return null;
        }
        try {
            Mac mac = (Mac) prototype.clone();
            return mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
