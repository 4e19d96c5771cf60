package dev.triggers.webhooks;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

class WebhookSignaturesTest {
    // The Standard Webhooks specification's published test vector.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void reproducesTheSpecificationsTestVector() {
        byte[] key = WebhookSignatures.keyBytes(SPEC_SECRET);
        assertThat(WebhookSignatures.sign(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY), is(SPEC_SIGNATURE));
    }

    @Test
    void theSecretPrefixIsOptionalWhenDecoding() {
        assertThat(WebhookSignatures.keyBytes(SPEC_SECRET.substring(6)), is(WebhookSignatures.keyBytes(SPEC_SECRET)));
    }

    @Test
    void duringARotationTheHeaderCarriesTheNewThenTheOldSignature() {
        String fresh = WebhookSignatures.newSecret();
        String header = WebhookSignatures.header(
                List.of(WebhookSignatures.keyBytes(fresh), WebhookSignatures.keyBytes(SPEC_SECRET)), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        String[] parts = header.split(" ");
        assertThat(parts.length, is(2));
        assertThat(parts[0], is(WebhookSignatures.sign(WebhookSignatures.keyBytes(fresh), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)));
        assertThat(parts[1], is(SPEC_SIGNATURE));
    }

    @Test
    void aKeptSignerSignsEveryMessageAfreshAlsoFromManyThreadsAtOnce() throws Exception {
        WebhookSignatures.Signer signer = WebhookSignatures.signer(List.of(WebhookSignatures.keyBytes(SPEC_SECRET)));
        assertThat(signer.header("msg_other", SPEC_TIMESTAMP, "{}".getBytes(StandardCharsets.UTF_8)), not(SPEC_SIGNATURE));
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<String>> signed = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                signed.add(threads.submit(() -> signer.header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)));
            }
            for (var f : signed) {
                assertThat(f.get(), is(SPEC_SIGNATURE));
            }
        }
    }

    @Test
    void newSecretsAreWhsecPlusBase64Of32RandomBytes() {
        String a = WebhookSignatures.newSecret();
        assertThat(a, startsWith("whsec_"));
        assertThat(Base64.getDecoder().decode(a.substring(6)).length, is(32));
        assertThat(WebhookSignatures.newSecret(), not(a));
    }
}
