package dev.palisade.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;

/** Request parsing shared by the routes: bodies with known fields only, paging, If-Match. */
public final class Http
{
    public static final String PROBLEM_JSON = "application/problem+json";
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private Http()
    {
    }

    /**
     * @return the JSON object body, after checking it has only {@code allowed} fields.
     * @throws ApiException 400 naming each unknown field, or saying the body is not a JSON object.
     */
    public static JsonObject body(final RoutingContext context, final Set<String> allowed)
    {
        final JsonObject body;
        try
        {
            body = context.body().asJsonObject();
        }
        catch (final DecodeException | ClassCastException e)
        {
            throw ApiException.badRequest("the body is not a JSON object", null);
        }
        if (body == null)
        {
            throw ApiException.badRequest("a JSON object body is required", null);
        }
        onlyFields(body, allowed);
        return body;
    }

    /** @throws ApiException 400 naming each field of {@code body} not in {@code allowed}. */
    public static void onlyFields(final JsonObject body, final Set<String> allowed)
    {
        final JsonArray errors = new JsonArray();
        for (final String field : body.fieldNames())
        {
            if (!allowed.contains(field))
            {
                errors.add(new JsonObject().put("field", field).put("reason", "unknown field (allowed: " +
                    String.join(", ", new java.util.TreeSet<>(allowed)) + ")"));
            }
        }
        if (!errors.isEmpty())
        {
            throw ApiException.badRequest("unknown fields in the body", errors);
        }
    }

    /** @return a required string field, non-blank, at most {@code maxLength} characters. */
    public static String requiredString(final JsonObject body, final String field, final int maxLength)
    {
        final Object value = body.getValue(field);
        if (value == null)
        {
            throw ApiException.invalidField(field, "required");
        }
        return checkString(field, value, maxLength);
    }

    /** @return an optional string field, or null. */
    public static String optionalString(final JsonObject body, final String field, final int maxLength)
    {
        final Object value = body.getValue(field);
        return value == null ? null : checkString(field, value, maxLength);
    }

    private static String checkString(final String field, final Object value, final int maxLength)
    {
        if (!(value instanceof String text))
        {
            throw ApiException.invalidField(field, "must be a string");
        }
        if (text.isBlank())
        {
            throw ApiException.invalidField(field, "must not be blank");
        }
        if (text.length() > maxLength)
        {
            throw ApiException.invalidField(field, "longer than " + maxLength + " characters");
        }
        return text;
    }

    /** @return {@code ?limit=}, 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. */
    public static int limit(final RoutingContext context)
    {
        final String text = context.queryParams().get("limit");
        if (text == null)
        {
            return DEFAULT_LIMIT;
        }
        try
        {
            final int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT)
            {
                return limit;
            }
        }
        catch (final NumberFormatException e)
        {
            // falls through to the error
        }
        throw ApiException.invalidField("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** @return the version an {@code If-Match: "N"} names; 428 without one, 400 when it is not ours. */
    public static long ifMatch(final RoutingContext context)
    {
        final String header = context.request().getHeader("If-Match");
        if (header == null)
        {
            throw ApiException.preconditionRequired("send If-Match with the ETag you read, so that concurrent " +
                "changes are not lost");
        }
        final String tag = header.strip();
        if (tag.length() < 3 || tag.charAt(0) != '"' || tag.charAt(tag.length() - 1) != '"')
        {
            throw ApiException.invalidField("If-Match", "must be an ETag as this API returns it, e.g. \"3\"");
        }
        try
        {
            return Long.parseLong(tag.substring(1, tag.length() - 1));
        }
        catch (final NumberFormatException e)
        {
            throw ApiException.invalidField("If-Match", "must be an ETag as this API returns it, e.g. \"3\"");
        }
    }

    public static String etag(final long version)
    {
        return "\"" + version + "\"";
    }

    /** @return a whole number given as {@code text}; 400 naming {@code field} when it is not one. */
    public static long longValue(final String text, final String field, final String what)
    {
        try
        {
            final long value = Long.parseLong(text);
            if (value >= 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException e)
        {
            // falls through to the error
        }
        throw ApiException.invalidField(field, "must be " + what);
    }

    /** @return an optional whole-number query parameter, or null. */
    public static Long optionalLong(final RoutingContext context, final String name, final String what)
    {
        final String text = context.queryParams().get(name);
        return text == null ? null : longValue(text, name, what);
    }

    /** @return an optional whole-number body field from {@code min} to {@code max}, or null; else 400 with reason. */
    public static Long optionalWholeNumber(final JsonObject body, final String field, final long min, final long max,
        final String reason)
    {
        final Object value = body.getValue(field);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min ||
            n.longValue() > max)
        {
            throw ApiException.invalidField(field, reason);
        }
        return n.longValue();
    }
}
