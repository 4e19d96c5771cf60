package dev.triggers.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.triggers.platform.Ids;

/**
 * Secrets and signatures exactly as the Standard Webhooks specification has them, so a receiver can verify our
 * deliveries with any of its reference libraries: a secret is {@code whsec_} + base64 of random bytes, and the
 * signature is {@code v1,} + base64 HMAC-SHA256 keyed with the decoded bytes over {@code id.timestamp.body}.
 */
public final class WebhookSignatures {
    public static final String SECRET_PREFIX = "whsec_";
    /** The spec asks for 24 to 64 bytes; 32 matches the HMAC-SHA256 block output. */
    static final int SECRET_BYTES = 32;

    private WebhookSignatures() {
    }

    public static String newSecret() {
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(Ids.secureRandom(SECRET_BYTES));
    }

    /** The key bytes of a secret; the prefix is optional, as in the reference implementations. */
    public static byte[] keyBytes(String secret) {
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        return Base64.getDecoder().decode(encoded);
    }

    /** One {@code v1,<base64>} signature. */
    public static String sign(byte[] key, String id, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * The {@code webhook-signature} header value: one signature per secret, space-separated, newest first, so a
     * receiver still holding the previous secret keeps verifying during a rotation.
     */
    public static String header(List<byte[]> keys, String id, long timestampSeconds, byte[] body) {
        StringBuilder out = new StringBuilder();
        for (byte[] key : keys) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(sign(key, id, timestampSeconds, body));
        }
        return out.toString();
    }
}
