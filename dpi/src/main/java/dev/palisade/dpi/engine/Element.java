package dev.palisade.dpi.engine;

import java.util.regex.Pattern;

/**
 * One detection step of a compiled rule, ready for matching: a content with its window, a regular expression, or an
 * {@code isdataat} test. Positions are in the buffer's own coordinates (for a TCP stream, bytes from the start of the
 * stream), so {@code offset}/{@code depth} keep their meaning however much of the stream is still held.
 */
sealed interface Element permits Element.Literal, Element.Regex, Element.DataAt
{
    int UNSET = Integer.MIN_VALUE;

    /**
     * {@code content}: the bytes (lower-cased when {@code nocase}), and where they may lie. For a relative content
     * the match must start at or after {@code previous end + distance} and end at or before
     * {@code previous end + distance + within} (as Suricata and Snort compute it); otherwise after {@code offset} and
     * ending within {@code offset + depth}.
     */
    record Literal(byte[] bytes, boolean nocase, boolean negated, boolean relative, int offset, int depth,
        int distance, int within, boolean endsWith) implements Element
    {
    }

    /** {@code pcre}, run by java.util.regex over the bytes as ISO-8859-1 characters. */
    record Regex(Pattern pattern, boolean negated, boolean relative, boolean anchored, String source) implements Element
    {
    }

    /** {@code isdataat:[!]N[,relative]}: is there a byte at that position? */
    record DataAt(int position, boolean negated, boolean relative) implements Element
    {
    }
}
