package dev.triggers.platform.http;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.platform.json.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Renders RFC 9457 problem documents; every error response of the server goes through here.
 */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";
    static final HeaderName ALLOW = HeaderNames.ALLOW;

    private Problems() {
    }

    public static byte[] document(Status status, String error, String title, String detail, String requestId,
                                  Map<String, Object> extra) {
        ObjectNode doc = Json.object();
        doc.put("type", "/problems/" + error);
        doc.put("title", title);
        doc.put("status", status.code());
        doc.put("detail", detail);
        doc.put("error", error);
        doc.put("request_id", requestId);
        extra.forEach((k, v) -> doc.set(k, Json.MAPPER.valueToTree(v)));
        return Json.bytes(doc);
    }

    public static void send(ServerRequest req, ServerResponse res, ApiException e) {
        e.headers().forEach(res::header);
        res.status(e.status());
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        res.send(document(e.status(), e.error(), e.title(), e.detail(), RequestIds.of(req), e.extra()));
    }

    /** Handler for paths no route matches. */
    public static void notFound(ServerRequest req, ServerResponse res) {
        send(req, res, ApiException.notFound("no resource at " + req.prologue().method().text() + " " + req.prologue().uriPath().path()));
    }

    /** A handler answering 405 with the methods the path does support. */
    public static io.helidon.webserver.http.Handler methodNotAllowed(String... allowed) {
        String allow = String.join(", ", allowed);
        return (req, res) -> send(req, res, new ApiException(Status.METHOD_NOT_ALLOWED_405, "method_not_allowed",
                "Method Not Allowed", req.prologue().method().text() + " is not supported here; use " + allow)
                .header("Allow", allow));
    }
}
