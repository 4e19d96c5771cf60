package dev.triggers.platform.http;

import java.util.LinkedHashMap;
import java.util.Map;

import io.helidon.http.Status;

/**
 * An error that becomes an RFC 9457 problem document; thrown by handlers, rendered by {@link ErrorHandling}.
 */
public class ApiException extends RuntimeException {
    private final Status status;
    private final String error;
    private final String title;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiException(Status status, String error, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.error = error;
        this.title = title;
    }

    public static ApiException badRequest(String error, String detail) {
        return new ApiException(Status.BAD_REQUEST_400, error, "Bad Request", detail);
    }

    public static ApiException validation(String detail) {
        return badRequest("validation_error", detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(Status.NOT_FOUND_404, "not_found", "Not Found", detail);
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(Status.UNAUTHORIZED_401, "unauthorized", "Unauthorized", detail)
                .header("WWW-Authenticate", "ApiKey");
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(Status.FORBIDDEN_403, "forbidden", "Forbidden", detail);
    }

    public static ApiException payloadTooLarge(String detail) {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large", "Payload Too Large", detail);
    }

    /** The database or another dependency cannot take the request now; the client should retry. */
    public static ApiException unavailable(String detail, int retryAfterSeconds) {
        return new ApiException(Status.SERVICE_UNAVAILABLE_503, "service_unavailable", "Service Unavailable", detail)
                .header("Retry-After", Integer.toString(retryAfterSeconds));
    }

    public ApiException with(String field, Object value) {
        extra.put(field, value);
        return this;
    }

    public ApiException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public Status status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public Map<String, Object> extra() {
        return extra;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
