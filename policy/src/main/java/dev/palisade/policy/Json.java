package dev.palisade.policy;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers and booleans as JSON (RFC 8259), for everything Palisade prints or signs as JSON
 * (CLI output, events, attestation results). Output only: parsing goes through SnakeYAML Engine. Doubles are written
 * with up to 6 significant decimals; NaN and infinities become null.
 */
public final class Json
{
    private Json()
    {
    }

    public static String write(final Object value)
    {
        final StringBuilder out = new StringBuilder(256);
        append(out, value);
        return out.toString();
    }

    private static void append(final StringBuilder out, final Object value)
    {
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof String s)
        {
            appendString(out, s);
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d))
            {
                out.append("null");
            }
            else if (d == Math.rint(d) && Math.abs(d) < 1e15)
            {
                out.append((long)d);
            }
            else
            {
                out.append(new java.math.BigDecimal(d).round(new java.math.MathContext(7)).stripTrailingZeros()
                    .toPlainString());
            }
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            out.append(value);
        }
        else if (value instanceof Map<?, ?> map)
        {
            out.append('{');
            final Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext())
            {
                final Map.Entry<?, ?> entry = it.next();
                appendString(out, String.valueOf(entry.getKey()));
                out.append(':');
                append(out, entry.getValue());
                if (it.hasNext())
                {
                    out.append(',');
                }
            }
            out.append('}');
        }
        else if (value instanceof List<?> list)
        {
            out.append('[');
            for (int i = 0; i < list.size(); i++)
            {
                if (i > 0)
                {
                    out.append(',');
                }
                append(out, list.get(i));
            }
            out.append(']');
        }
        else if (value instanceof long[] longs)
        {
            out.append('[');
            for (int i = 0; i < longs.length; i++)
            {
                out.append(i > 0 ? "," : "").append(longs[i]);
            }
            out.append(']');
        }
        else
        {
            appendString(out, value.toString());
        }
    }

    /** Appends {@code s} as a JSON string, quoted and escaped. */
    public static void appendString(final StringBuilder out, final String s)
    {
        out.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
