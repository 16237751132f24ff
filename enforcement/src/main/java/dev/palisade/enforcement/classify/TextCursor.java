package dev.palisade.enforcement.classify;

import java.util.Locale;

/**
 * Reads fields off one line of a text file, keeping the column so that every error can name where it is. Spaces,
 * tabs and a trailing carriage return separate fields. For the ClassBench readers: not for the packet path.
 */
final class TextCursor
{
    private static final int SHOWN_TOKEN_CHARS = 24;

    private final String source;
    private final int lineNumber;
    private final String line;
    private int position;

    TextCursor(final String source, final int lineNumber, final String line)
    {
        this.source = source;
        this.lineNumber = lineNumber;
        this.line = line;
    }

    static boolean isSpace(final char c)
    {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B;
    }

    static boolean isBlank(final String line)
    {
        for (int i = 0; i < line.length(); i++)
        {
            if (!isSpace(line.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the 1-based column of the next character. */
    int column()
    {
        return position + 1;
    }

    void skipSpace()
    {
        while (position < line.length() && isSpace(line.charAt(position)))
        {
            position++;
        }
    }

    boolean atEnd()
    {
        return position >= line.length();
    }

    /** Skips separating space; fails with "missing field" when the line ends before {@code what}. */
    void nextField(final String what) throws ClassBenchFormatException
    {
        skipSpace();
        if (atEnd())
        {
            throw fail(column(), "missing field: expected " + what + ", found end of line");
        }
    }

    /** The field just read must end here: at whitespace or at the end of the line. */
    void endOfField(final String field) throws ClassBenchFormatException
    {
        if (!atEnd() && !isSpace(line.charAt(position)))
        {
            throw fail(column(), "unexpected " + shownToken() + " right after the " + field +
                " (fields are separated by spaces or tabs)");
        }
    }

    void expect(final char c, final String what) throws ClassBenchFormatException
    {
        if (atEnd() || line.charAt(position) != c)
        {
            throw fail(column(), "expected " + what + ", found " + shownToken());
        }
        position++;
    }

    /** Reads a decimal number in {@code [0, max]}. */
    long decimal(final long max, final String what) throws ClassBenchFormatException
    {
        final int start = position;
        long value = 0;
        while (position < line.length() && line.charAt(position) >= '0' && line.charAt(position) <= '9')
        {
            if (value <= max)
            {
                value = value * 10 + (line.charAt(position) - '0');
            }
            position++;
        }
        if (position == start)
        {
            throw fail(column(), "expected " + what + " (a decimal number 0.." + max + "), found " + shownToken());
        }
        if (value > max)
        {
            throw fail(start + 1, what + " " + line.substring(start, position) + " is over " + max);
        }
        return value;
    }

    /** Reads {@code 0x} and hexadecimal digits, a value in {@code [0, max]}. */
    int hex(final int max, final String what) throws ClassBenchFormatException
    {
        final int start = position;
        if (position + 1 >= line.length() || line.charAt(position) != '0' ||
            (line.charAt(position + 1) != 'x' && line.charAt(position + 1) != 'X'))
        {
            throw fail(column(), "expected " + what + " as 0x followed by hex digits, found " + shownToken());
        }
        position += 2;
        final int digitsStart = position;
        long value = 0;
        while (position < line.length() && Character.digit(line.charAt(position), 16) >= 0)
        {
            if (value <= max)
            {
                value = value * 16 + Character.digit(line.charAt(position), 16);
            }
            position++;
        }
        if (position == digitsStart)
        {
            throw fail(column(), "expected hex digits after 0x in " + what + ", found " + shownToken());
        }
        if (value > max)
        {
            throw fail(start + 1, what + " " + line.substring(start, position) + " is over 0x" +
                Integer.toHexString(max).toUpperCase(Locale.ROOT));
        }
        return (int)value;
    }

    /** @return the text from the cursor to the next whitespace, quoted and shortened, or "end of line". */
    String shownToken()
    {
        return shownToken(position);
    }

    String shownToken(final int from)
    {
        if (from >= line.length())
        {
            return "end of line";
        }
        if (isSpace(line.charAt(from)))
        {
            return "whitespace";
        }
        int end = from;
        while (end < line.length() && !isSpace(line.charAt(end)))
        {
            end++;
        }
        final String token = end - from > SHOWN_TOKEN_CHARS ?
            line.substring(from, from + SHOWN_TOKEN_CHARS) + "…" : line.substring(from, end);
        return "'" + token + "'";
    }

    int position()
    {
        return position;
    }

    /** @return the next character, or 0 at the end of the line. */
    char peek()
    {
        return position < line.length() ? line.charAt(position) : 0;
    }

    void advance()
    {
        position++;
    }

    /**
     * Reads decimal digits without judging them.
     *
     * @return their value (saturating at {@code Long.MAX_VALUE / 16}), or -1 when there are none.
     */
    long digits()
    {
        final int start = position;
        long value = 0;
        while (position < line.length() && line.charAt(position) >= '0' && line.charAt(position) <= '9')
        {
            value = Math.min(Long.MAX_VALUE / 16, value * 10 + (line.charAt(position) - '0'));
            position++;
        }
        return position == start ? -1 : value;
    }

    /** @return the text from {@code from} up to whitespace or {@code stop}, quoted, or "end of line". */
    String shownToken(final int from, final char stop)
    {
        if (from >= line.length())
        {
            return "end of line";
        }
        int end = from;
        while (end < line.length() && !isSpace(line.charAt(end)) && line.charAt(end) != stop)
        {
            end++;
        }
        return end - from > SHOWN_TOKEN_CHARS ?
            "'" + line.substring(from, from + SHOWN_TOKEN_CHARS) + "…'" : "'" + line.substring(from, end) + "'";
    }

    ClassBenchFormatException fail(final int column, final String problem)
    {
        return new ClassBenchFormatException(source, lineNumber, column, problem);
    }
}
