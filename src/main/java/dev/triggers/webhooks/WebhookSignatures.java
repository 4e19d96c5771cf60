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
        return signer(List.of(key)).header(id, timestampSeconds, body);
    }

    /**
     * The {@code webhook-signature} header value: one signature per secret, space-separated, newest first, so a
     * receiver still holding the previous secret keeps verifying during a rotation.
     */
    public static String header(List<byte[]> keys, String id, long timestampSeconds, byte[] body) {
        return signer(keys).header(id, timestampSeconds, body);
    }

    /** A signer for these keys (newest first), to keep and reuse for every delivery to the same webhook. */
    public static Signer signer(List<byte[]> keys) {
        return new Signer(keys.stream().map(WebhookSignatures::keyed).toArray(Mac[]::new));
    }

    private static Mac keyed(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Signs with fixed keys. The provider lookup and the key schedule of {@code Mac.getInstance}/{@code init} cost
     * more than signing a small body, so they happen once here and each signature works on a clone. Thread-safe.
     */
    public static final class Signer {
        private final Mac[] prototypes;

        private Signer(Mac[] prototypes) {
            this.prototypes = prototypes;
        }

        public String header(String id, long timestampSeconds, byte[] body) {
            byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder(prototypes.length * 48);
            for (Mac prototype : prototypes) {
                Mac mac = copy(prototype);
                mac.update(prefix);
                if (!out.isEmpty()) {
                    out.append(' ');
                }
                out.append("v1,").append(Base64.getEncoder().encodeToString(mac.doFinal(body)));
            }
            return out.toString();
        }

        private static Mac copy(Mac prototype) {
            try {
                return (Mac) prototype.clone(); // only reads the prototype, which is never updated after init
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("the HmacSHA256 provider cannot clone a keyed MAC", e);
            }
        }
    }
}
