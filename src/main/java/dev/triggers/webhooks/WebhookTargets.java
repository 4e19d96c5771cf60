package dev.triggers.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which webhook URLs the server may call (the SSRF guard), checked at configuration and before every delivery,
 * because a name's DNS answer can change. Unless {@code webhooks.allow-private-targets} (dev and test only), https
 * is required and a host with any non-public address is refused: loopback, private, link-local (cloud metadata),
 * unique-local, CGNAT, multicast, broadcast and reserved blocks, also when embedded in IPv6.
 */
public final class WebhookTargets {
    public static final int MAX_URL_LENGTH = 2048;

    private final boolean allowPrivate;

    public WebhookTargets(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    public boolean allowPrivate() {
        return allowPrivate;
    }

    /** The URL if it is acceptable to configure, else why not (one sentence for a 400 detail). */
    public URI validate(String url) throws InvalidTarget {
        if (url.length() > MAX_URL_LENGTH) {
            throw new InvalidTarget("webhook_url must be at most " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidTarget("webhook_url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getHost().isEmpty()) {
            throw new InvalidTarget("webhook_url must be an absolute http or https URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidTarget("webhook_url must not carry credentials; authenticate with the signature instead");
        }
        if (!allowPrivate && !scheme.equals("https")) {
            throw new InvalidTarget("webhook_url must use https");
        }
        Optional<String> refused = refusal(uri);
        if (refused.isPresent()) {
            throw new InvalidTarget(refused.get());
        }
        return uri;
    }

    /** Empty when the host may be called now; else why not. Resolves the host (the JVM caches answers). */
    public Optional<String> refusal(URI uri) {
        if (allowPrivate) {
            return Optional.empty();
        }
        String host = uri.getHost();
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.of("webhook_url host " + host + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                return Optional.of("webhook_url host " + host + " resolves to a non-public address ("
                        + address.getHostAddress() + "); private, loopback, link-local and metadata targets are refused");
            }
        }
        return Optional.empty();
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local
            }
            if (first == 0x20 && b[1] == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            if (first == 0x20 && b[1] == 0x02) {
                return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4 embeds an IPv4 address
            }
            boolean zeroPrefix = true;
            for (int i = 0; i < 12; i++) {
                zeroPrefix &= b[i] == 0;
            }
            boolean nat64 = first == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
            if (zeroPrefix || nat64) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
            }
        }
        return true;
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        return !(a0 == 0 || a0 == 10 || a0 == 127 || a0 >= 224                 // this network, private, loopback, multicast, reserved, broadcast
                || (a0 == 100 && a1 >= 64 && a1 <= 127)                        // CGNAT
                || (a0 == 169 && a1 == 254)                                    // link-local, cloud metadata
                || (a0 == 172 && a1 >= 16 && a1 <= 31)
                || (a0 == 192 && a1 == 168)
                || (a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0)               // IETF protocol assignments (incl. 192.0.0.192 metadata)
                || (a0 == 198 && (a1 == 18 || a1 == 19)));                     // benchmarking
    }

    /** A URL that cannot be configured; the message is the 400 detail. */
    public static final class InvalidTarget extends Exception {
        public InvalidTarget(String message) {
            super(message, null, false, false);
        }
    }
}
