package dev.triggers.delivery;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class WebhookSenderTest {
    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/hook", "https://example.com", "http://127.0.0.1:8080/a/b-c_d.e~f",
            "https://example.com/hook?token=abc123", "https://example.com/hook?q=a%26b", "https://example.com/caf%C3%A9/x%20y"})
    void plainUrlsGoThroughTheKeptAliveClient(String url) {
        assertThat(WebhookSender.exact(URI.create(url)), is(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/hook?tenant=a&x=1&tenant=b", "https://example.com/a%2Fb",
            "https://example.com/hook?flag", "https://example.com/hook#part"})
    void urlsHelidonWouldRewriteGoThroughTheJdkClientUnchanged(String url) {
        assertThat(WebhookSender.exact(URI.create(url)), is(false));
    }
}
