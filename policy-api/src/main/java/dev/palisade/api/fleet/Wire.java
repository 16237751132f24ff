package dev.palisade.api.fleet;

import dev.palisade.api.ApiException;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.Set;

/** Reading the agents' JSON: every problem is a 400 naming the field. */
final class Wire
{
    /** Base64 fields are at most this long (a TPM public area, a quote, an EK certificate). */
    static final int MAX_FIELD_CHARS = 16 * 1024;

    private Wire()
    {
    }

    static String string(final JsonObject body, final String field, final boolean required)
    {
        final Object value = body.getValue(field);
        if (value == null)
        {
            if (required)
            {
                throw ApiException.invalidField(field, "required");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isBlank())
        {
            throw ApiException.invalidField(field, "must be a non-blank string");
        }
        if (text.length() > MAX_FIELD_CHARS)
        {
            throw ApiException.invalidField(field, "longer than " + MAX_FIELD_CHARS + " characters");
        }
        return text;
    }

    static byte[] base64(final JsonObject body, final String field, final boolean required)
    {
        final String text = string(body, field, required);
        if (text == null)
        {
            return null;
        }
        try
        {
            return Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw ApiException.invalidField(field, "not base64: " + e.getMessage());
        }
    }

    static void onlyFields(final JsonObject body, final String... allowed)
    {
        dev.palisade.api.Http.onlyFields(body, Set.of(allowed));
    }
}
