package dev.palisade.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one error type of the API: carries the HTTP status and becomes an RFC 9457 problem document at the edge
 * ({@code application/problem+json}). {@code type} is a stable URI naming the kind of problem; {@code errors} lists
 * field-level problems ({@code {"field": "...", "reason": "..."}}) for bad bodies.
 */
public final class ApiException extends RuntimeException
{
    private static final String TYPE_BASE = "https://palisade.dev/problems/";

    private final int status;
    private final String type;
    private final String title;
    private final JsonArray errors;

    public ApiException(final int status, final String type, final String title, final String detail,
        final JsonArray errors)
    {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = errors;
    }

    public ApiException(final int status, final String type, final String title, final String detail)
    {
        this(status, type, title, detail, null);
    }

    public static ApiException badRequest(final String detail, final JsonArray errors)
    {
        return new ApiException(400, "invalid-request", "The request is not valid", detail, errors);
    }

    public static ApiException invalidField(final String field, final String reason)
    {
        return badRequest(field + ": " + reason, new JsonArray().add(new JsonObject().put("field", field)
            .put("reason", reason)));
    }

    public static ApiException notFound(final String what)
    {
        return new ApiException(404, "not-found", "Not found", what + " does not exist");
    }

    public static ApiException forbidden(final String detail)
    {
        return new ApiException(403, "forbidden", "Forbidden", detail);
    }

    public static ApiException unavailable(final String detail)
    {
        return new ApiException(503, "unavailable", "Service unavailable", detail);
    }

    public static ApiException conflict(final String detail)
    {
        return new ApiException(409, "conflict", "Conflict", detail);
    }

    public static ApiException preconditionRequired(final String detail)
    {
        return new ApiException(428, "precondition-required", "If-Match is required", detail);
    }

    public static ApiException preconditionFailed(final String detail)
    {
        return new ApiException(412, "precondition-failed", "The resource has changed", detail);
    }

    public int status()
    {
        return status;
    }

    /** @return the field-level errors, or null. */
    public JsonArray errors()
    {
        return errors;
    }

    /** @return the RFC 9457 problem document. */
    public JsonObject toProblem(final String instance)
    {
        final JsonObject problem = new JsonObject()
            .put("type", TYPE_BASE + type)
            .put("title", title)
            .put("status", status)
            .put("detail", getMessage());
        if (instance != null)
        {
            problem.put("instance", instance);
        }
        if (errors != null && !errors.isEmpty())
        {
            problem.put("errors", errors);
        }
        return problem;
    }
}
