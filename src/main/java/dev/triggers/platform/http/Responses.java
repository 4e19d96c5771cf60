package dev.triggers.platform.http;

import dev.triggers.platform.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * Writes JSON responses.
 */
public final class Responses {
    private Responses() {
    }

    public static void json(ServerResponse res, Status status, Object body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(Json.bytes(body));
    }

    public static void ok(ServerResponse res, Object body) {
        json(res, Status.OK_200, body);
    }

    /** 200 with a body that is already serialized JSON (for responses streamed without a tree). */
    public static void okJson(ServerResponse res, byte[] json) {
        res.status(Status.OK_200);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }

    public static void noContent(ServerResponse res) {
        res.status(Status.NO_CONTENT_204);
        res.headers().remove(HeaderNames.CONTENT_TYPE);
        res.send();
    }
}
