package dev.triggers.platform.http;

import java.lang.System.Logger.Level;
import java.util.Map;

import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.DbCircuit;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;

/**
 * Turns every failure into a problem document: exceptions thrown by handlers, and the errors the webserver
 * raises itself before routing (bad request line, oversized payload, ...).
 */
public final class ErrorHandling {
    private static final System.Logger LOG = System.getLogger(ErrorHandling.class.getName());

    private ErrorHandling() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, Problems::send)
                .error(RequestException.class, (req, res, e) -> Problems.send(req, res, fromStatus(e.status(), e)))
                // Helidon's own: no route matched (404), and the like.
                .error(HttpException.class, (req, res, e) -> {
                    if (e.status().code() == 404) {
                        Problems.notFound(req, res);
                    } else {
                        Problems.send(req, res, fromStatus(e.status(), e));
                    }
                })
                .error(Throwable.class, (req, res, e) -> {
                    if (Database.isUnavailable(e)) {
                        if (!DbCircuit.refused(e)) {
                            LOG.log(Level.WARNING, "database unavailable: " + e);
                        }
                        Problems.send(req, res, ApiException.unavailable("the database is unavailable; retry shortly", 2));
                        return;
                    }
                    LOG.log(Level.ERROR, "unhandled error on " + req.prologue().method().text() + " "
                            + req.path().path() + " request_id=" + RequestIds.of(req), e);
                    Problems.send(req, res, new ApiException(Status.INTERNAL_SERVER_ERROR_500, "internal_error",
                            "Internal Server Error", "an unexpected error occurred; quote the request_id when reporting it"));
                });
    }

    private static ApiException fromStatus(Status status, Throwable e) {
        if (status.code() == 413) {
            return ApiException.payloadTooLarge("the request body exceeds the configured limit");
        }
        String error = status.code() < 500 ? "bad_request" : "internal_error";
        return new ApiException(status, error, status.reasonPhrase(),
                status.code() < 500 ? safeMessage(e) : "an unexpected error occurred");
    }

    private static String safeMessage(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "the request is not valid HTTP" : (m.length() > 300 ? m.substring(0, 300) : m);
    }

    /** Problem documents for the errors the webserver answers before any route runs. */
    public static DirectHandlers directHandlers() {
        DirectHandler handler = (request, eventType, status, headers, message) -> {
            String error = switch (eventType) {
                case PAYLOAD_TOO_LARGE -> "payload_too_large";
                case BAD_REQUEST -> "bad_request";
                case FORBIDDEN -> "forbidden";
                case HTTP_VERSION_NOT_SUPPORTED -> "http_version_not_supported";
                default -> status.code() < 500 ? "bad_request" : "internal_error";
            };
            String detail = status.code() >= 500 ? "an unexpected error occurred"
                    : (message == null || message.isBlank() ? status.reasonPhrase() : truncate(message));
            String requestId = RequestIds.generate();
            headers.set(HeaderNames.CONTENT_TYPE, Problems.MEDIA_TYPE);
            headers.set(RequestIds.HEADER, requestId);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .entity(Problems.document(status, error, status.reasonPhrase(), detail, requestId, Map.of()))
                    .build();
        };
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }
}
