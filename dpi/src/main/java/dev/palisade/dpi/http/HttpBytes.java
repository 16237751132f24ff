package dev.palisade.dpi.http;

/**
 * Byte-level helpers over ASCII protocol text: character classes from RFC 9110 5.6.2 and comparisons that neither
 * allocate nor decode. All ranges are {@code [from, to)}.
 */
final class HttpBytes
{
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HT = '\t';

    /** tchar (RFC 9110 5.6.2): DIGIT, ALPHA and {@code !#$%&'*+-.^_`|~}. */
    private static final boolean[] TCHAR = new boolean[256];

    static
    {
        for (int c = '0'; c <= '9'; c++)
        {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++)
        {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray())
        {
            TCHAR[c] = true;
        }
    }

    private HttpBytes()
    {
    }

    static boolean isTchar(final byte b)
    {
        return TCHAR[b & 0xFF];
    }

    /** Whitespace trimmed from header values: SP, HT, CR, VT and FF (libhtp trims with {@code isspace}). */
    static boolean isSpace(final byte b)
    {
        return b == SP || b == HT || b == CR || b == 0x0B || b == 0x0C;
    }

    /** Separators inside request and status lines: SP and HT. */
    static boolean isBlank(final byte b)
    {
        return b == SP || b == HT;
    }

    static byte toLower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }

    static int hexValue(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }
        return -1;
    }

    static int indexOf(final byte[] bytes, final int from, final int to, final byte b)
    {
        for (int i = from; i < to; i++)
        {
            if (bytes[i] == b)
            {
                return i;
            }
        }
        return -1;
    }

    /** @return the first index in the range that is not {@link #isSpace(byte)}, or {@code to}. */
    static int skipSpace(final byte[] bytes, final int from, final int to)
    {
        int i = from;
        while (i < to && isSpace(bytes[i]))
        {
            i++;
        }
        return i;
    }

    /** @return the end of the range with trailing {@link #isSpace(byte)} bytes removed, never below {@code from}. */
    static int trimEnd(final byte[] bytes, final int from, final int to)
    {
        int i = to;
        while (i > from && isSpace(bytes[i - 1]))
        {
            i--;
        }
        return i;
    }

    /** @return true when the range holds {@code lowerAscii} compared without ASCII case. */
    static boolean equalsIgnoreCase(final byte[] bytes, final int from, final int to, final String lowerAscii)
    {
        if (to - from != lowerAscii.length())
        {
            return false;
        }
        for (int i = from; i < to; i++)
        {
            if (toLower(bytes[i]) != lowerAscii.charAt(i - from))
            {
                return false;
            }
        }
        return true;
    }

    /** @return true when the range starts with {@code lowerAscii} compared without ASCII case. */
    static boolean startsWithIgnoreCase(final byte[] bytes, final int from, final int to, final String lowerAscii)
    {
        return to - from >= lowerAscii.length() &&
            equalsIgnoreCase(bytes, from, from + lowerAscii.length(), lowerAscii);
    }

    /**
     * Parses a Content-Length value (RFC 9112 6.3 item 5, RFC 9110 8.6): decimal digits, or a comma-separated list of
     * identical such values. Overflow, signs, empty elements and disagreeing elements are invalid.
     *
     * @return the length, or -1 when invalid.
     */
    static long parseContentLength(final byte[] bytes, final int from, final int to)
    {
        long result = -1;
        int i = from;
        while (true)
        {
            final int elementEnd = indexOfOrEnd(bytes, i, to, (byte)',');
            final int start = skipSpace(bytes, i, elementEnd);
            final int end = trimEnd(bytes, start, elementEnd);
            if (start == end)
            {
                return -1;
            }
            long value = 0;
            for (int j = start; j < end; j++)
            {
                final int digit = bytes[j] - '0';
                if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10)
                {
                    return -1;
                }
                value = value * 10 + digit;
            }
            if (result >= 0 && result != value)
            {
                return -1;
            }
            result = value;
            if (elementEnd == to)
            {
                return result;
            }
            i = elementEnd + 1;
        }
    }

    /** @return true when the last comma-separated coding of a Transfer-Encoding value is {@code chunked}. */
    static boolean lastCodingIsChunked(final byte[] bytes, final int from, final int to)
    {
        int start = from;
        for (int i = to - 1; i >= from; i--)
        {
            if (bytes[i] == ',')
            {
                start = i + 1;
                break;
            }
        }
        final int s = skipSpace(bytes, start, to);
        return equalsIgnoreCase(bytes, s, trimEnd(bytes, s, to), "chunked");
    }

    private static int indexOfOrEnd(final byte[] bytes, final int from, final int to, final byte b)
    {
        final int i = indexOf(bytes, from, to, b);
        return i < 0 ? to : i;
    }
}
