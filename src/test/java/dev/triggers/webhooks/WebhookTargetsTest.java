package dev.triggers.webhooks;

import java.net.InetAddress;
import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WebhookTargetsTest {
    private final WebhookTargets strict = new WebhookTargets(false);
    private final WebhookTargets lenient = new WebhookTargets(true);

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.1", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "100.100.100.200", "192.0.0.192", "224.0.0.1", "255.255.255.255", "198.18.0.1",
            "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe", "2002:a00:1::", "2001:db8::1"})
    void nonPublicAddressesAreRefused(String address) throws Exception {
        assertThat(address, WebhookTargets.isPublic(InetAddress.getByName(address)), is(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450:4001::1"})
    void publicAddressesAreAllowed(String address) throws Exception {
        assertThat(address, WebhookTargets.isPublic(InetAddress.getByName(address)), is(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://127.0.0.1/hook", "https://localhost:8443/hook", "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x", "https://[fd00:ec2::254]/", "https://10.0.0.5/", "https://100.64.1.1/",
            "https://[::ffff:127.0.0.1]/"})
    void urlsResolvingToPrivateTargetsAreRefusedUnlessAllowed(String url) throws Exception {
        WebhookTargets.InvalidTarget e = assertThrows(WebhookTargets.InvalidTarget.class, () -> strict.validate(url));
        assertThat(e.getMessage(), containsString("non-public address"));
        assertThat(lenient.validate(url), is(URI.create(url)));
    }

    @Test
    void strictModeRequiresHttps() {
        WebhookTargets.InvalidTarget e = assertThrows(WebhookTargets.InvalidTarget.class, () -> strict.validate("http://8.8.8.8/hook"));
        assertThat(e.getMessage(), containsString("https"));
    }

    @Test
    void unresolvableHostsAreRefusedInStrictMode() {
        assertThrows(WebhookTargets.InvalidTarget.class, () -> strict.validate("https://no-such-host.invalid/hook"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "hook", "/relative/path", "ftp://example.com/x", "mailto:a@example.com", "http://",
            "https:///nohost", "http://user:pass@example.com/", "http://exa mple.com/"})
    void malformedUrlsAreRefusedInEveryMode(String url) {
        assertThrows(WebhookTargets.InvalidTarget.class, () -> lenient.validate(url));
    }

    @Test
    void urlsLongerThan2048CharactersAreRefused() throws Exception {
        String base = "http://example.com/";
        lenient.validate(base + "a".repeat(2048 - base.length()));
        assertThrows(WebhookTargets.InvalidTarget.class, () -> lenient.validate(base + "a".repeat(2049 - base.length())));
    }
}
