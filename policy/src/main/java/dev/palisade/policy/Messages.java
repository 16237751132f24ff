package dev.palisade.policy;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.util.List;

/** Text for problem messages. Document text is untrusted: it is truncated and control characters are escaped. */
final class Messages
{
    /** Longest piece of document text quoted in a message, in code points. */
    static final int MAX_QUOTED_CODE_POINTS = 60;

    private Messages()
    {
    }

    /** {@code text} in single quotes, shortened, with control, format and bidi characters as {@code \\uXXXX}. */
    static String quote(final String text)
    {
        return quote(text, MAX_QUOTED_CODE_POINTS);
    }

    /** {@link #quote(String)} keeping up to {@code maxCodePoints}. */
    static String quote(final String text, final int maxCodePoints)
    {
        final StringBuilder out = new StringBuilder(Math.min(text.length(), maxCodePoints) + 8);
        out.append('\'');
        int count = 0;
        for (int i = 0; i < text.length(); )
        {
            final int cp = text.codePointAt(i);
            if (count == maxCodePoints)
            {
                out.append("...");
                break;
            }
            if (isSafe(cp))
            {
                out.appendCodePoint(cp);
            }
            else
            {
                out.append(String.format("\\u%04X", cp));
            }
            count++;
            i += Character.charCount(cp);
        }
        return out.append('\'').toString();
    }

    private static boolean isSafe(final int cp)
    {
        final int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE &&
            type != Character.UNASSIGNED && type != Character.PRIVATE_USE && type != Character.LINE_SEPARATOR &&
            type != Character.PARAGRAPH_SEPARATOR;
    }

    /** What a node is, for "expected X, got Y": {@code a mapping}, {@code a string 'web'}, {@code null}... */
    static String describe(final Node node)
    {
        if (node instanceof MappingNode)
        {
            return "a mapping";
        }
        if (node instanceof SequenceNode)
        {
            return "a list";
        }
        if (node instanceof ScalarNode scalar)
        {
            final Tag tag = scalar.getTag();
            final String value = scalar.getValue();
            if (Tag.NULL.equals(tag))
            {
                return "null (an empty value)";
            }
            if (Tag.STR.equals(tag))
            {
                return "a string " + quote(value);
            }
            if (Tag.INT.equals(tag))
            {
                return "an integer " + quote(value);
            }
            if (Tag.FLOAT.equals(tag))
            {
                return "a decimal number " + quote(value);
            }
            if (Tag.BOOL.equals(tag))
            {
                return "a boolean " + quote(value);
            }
            return "a value tagged " + quote(tag.getValue());
        }
        return "an unsupported YAML node";
    }

    /** {@code a, b, c}, or the first {@code max} and {@code ...}. */
    static String join(final List<String> items, final int max)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < items.size() && i < max; i++)
        {
            if (i > 0)
            {
                out.append(", ");
            }
            out.append(items.get(i));
        }
        if (items.size() > max)
        {
            out.append(", ... (").append(items.size() - max).append(" more)");
        }
        return out.toString();
    }
}
