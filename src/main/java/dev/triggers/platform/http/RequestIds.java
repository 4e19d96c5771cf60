package dev.triggers.platform.http;

import dev.triggers.platform.Ids;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The request id: the client's {@code X-Request-Id} when it is a sane token, else a fresh one.
 */
public final class RequestIds {
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    private static final int MAX_LENGTH = 128;

    private RequestIds() {
    }

    /** The id of this request, choosing it on first use so every path (filters, errors) sees the same. */
    public static String of(ServerRequest req) {
        return req.context().get(RequestIds.class, String.class).orElseGet(() -> {
            String id = req.headers().first(HEADER).filter(RequestIds::acceptable).orElseGet(RequestIds::generate);
            req.context().register(RequestIds.class, id);
            return id;
        });
    }

    static boolean acceptable(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    static String generate() {
        return Ids.uuidV4().toString();
    }
}
