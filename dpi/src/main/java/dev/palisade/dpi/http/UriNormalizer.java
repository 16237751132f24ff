package dev.palisade.dpi.http;

/**
 * Builds the normalised {@code http.uri} and {@code http.host} buffers the way libhtp does with Suricata's defaults,
 * so that rules written for Suricata match the same bytes:
 * <ul>
 *     <li>an absolute-form target ({@code http://host:port/path?q}, RFC 9112 3.2.2) keeps only its path and query,
 *     and its authority gives the host;</li>
 *     <li>{@code %XX} escapes are decoded once in the path and the query; an invalid escape ({@code %zz}, a
 *     truncated {@code %4}) is kept as it is; {@code +} is not a space (Suricata's
 *     {@code query-plusspace-decode: no});</li>
 *     <li>in the path only, after decoding (so {@code %2e%2e} and {@code %2f} take part): repeated slashes are
 *     collapsed and dot segments removed as in RFC 3986 5.2.4, never climbing above the root.</li>
 * </ul>
 * Decoding before dot removal is what a server does, and what an attacker hides a traversal in.
 */
final class UriNormalizer
{
    private UriNormalizer()
    {
    }

    /**
     * Writes the normalised form of the request target {@code raw[from, to)} into {@code uri}.
     *
     * @return true when the target was absolute-form, in which case {@code host} was set from its authority.
     */
    static boolean normalize(final byte[] raw, final int from, final int to, final HttpBuffer uri,
        final HttpBuffer host)
    {
        uri.clear();
        int pathStart = from;
        boolean absolute = false;
        final int schemeEnd = absoluteSchemeEnd(raw, from, to);
        if (schemeEnd >= 0)
        {
            final int authorityStart = schemeEnd + 3;
            int authorityEnd = authorityStart;
            while (authorityEnd < to && raw[authorityEnd] != '/' && raw[authorityEnd] != '?' &&
                raw[authorityEnd] != '#')
            {
                authorityEnd++;
            }
            normalizeHost(raw, authorityStart, authorityEnd, true, host);
            pathStart = authorityEnd;
            absolute = true;
        }

        final int query = HttpBytes.indexOf(raw, pathStart, to, (byte)'?');
        final int pathEnd = query < 0 ? to : query;
        if (absolute && (pathStart == pathEnd || raw[pathStart] != '/'))
        {
            uri.append((byte)'/');
        }
        percentDecode(raw, pathStart, pathEnd, uri);
        uri.setLength(removeDotSegments(uri.array(), uri.length()));
        if (query >= 0)
        {
            uri.append((byte)'?');
            percentDecode(raw, query + 1, to, uri);
        }
        return absolute;
    }

    /**
     * Writes a host name for {@code http.host}: lowercased, without userinfo (URI authorities only), port or trailing
     * dots ({@code Example.COM.:8080} becomes {@code example.com}); an IPv6 literal keeps its brackets.
     */
    static void normalizeHost(final byte[] raw, final int from, final int to, final boolean authority,
        final HttpBuffer host)
    {
        int start = from;
        if (authority)
        {
            for (int i = to - 1; i >= from; i--)
            {
                if (raw[i] == '@')
                {
                    start = i + 1;
                    break;
                }
            }
        }
        start = HttpBytes.skipSpace(raw, start, to);
        int end;
        if (start < to && raw[start] == '[')
        {
            final int close = HttpBytes.indexOf(raw, start, to, (byte)']');
            end = close < 0 ? to : close + 1;
        }
        else
        {
            final int colon = HttpBytes.indexOf(raw, start, to, (byte)':');
            end = colon < 0 ? to : colon;
        }
        end = HttpBytes.trimEnd(raw, start, end);
        while (end > start && raw[end - 1] == '.')
        {
            end--;
        }
        host.clear();
        for (int i = start; i < end; i++)
        {
            host.append(HttpBytes.toLower(raw[i]));
        }
    }

    /** Appends {@code raw[from, to)} with each valid {@code %XX} decoded to its byte. */
    static void percentDecode(final byte[] raw, final int from, final int to, final HttpBuffer out)
    {
        int i = from;
        while (i < to)
        {
            final byte b = raw[i];
            if (b == '%' && i + 2 < to)
            {
                final int high = HttpBytes.hexValue(raw[i + 1]);
                final int low = HttpBytes.hexValue(raw[i + 2]);
                if (high >= 0 && low >= 0)
                {
                    out.append((byte)(high << 4 | low));
                    i += 3;
                    continue;
                }
            }
            out.append(b);
            i++;
        }
    }

    /**
     * Collapses repeated slashes and removes "." and ".." segments of the path in {@code path[0, length)}, in place
     * (the output never gets ahead of the input). A ".." at the root is dropped, as RFC 3986 5.2.4 does; a path that
     * ends in a dot segment keeps its trailing slash ({@code /a/b/..} is {@code /a/}).
     *
     * @return the new length.
     */
    static int removeDotSegments(final byte[] path, final int length)
    {
        if (length == 0)
        {
            return 0;
        }
        int read = 0;
        int write = 0;
        if (path[0] == '/')
        {
            write = 1;
            while (read < length && path[read] == '/')
            {
                read++;
            }
        }
        final int base = write;
        while (read < length)
        {
            final int segmentStart = read;
            while (read < length && path[read] != '/')
            {
                read++;
            }
            final int segmentLength = read - segmentStart;
            final boolean slashFollows = read < length;
            while (read < length && path[read] == '/')
            {
                read++;
            }

            if (segmentLength == 1 && path[segmentStart] == '.')
            {
                continue;
            }
            if (segmentLength == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.')
            {
                if (write > base)
                {
                    write--;
                    while (write > base && path[write - 1] != '/')
                    {
                        write--;
                    }
                }
                continue;
            }
            System.arraycopy(path, segmentStart, path, write, segmentLength);
            write += segmentLength;
            if (slashFollows)
            {
                path[write++] = '/';
            }
        }
        return write;
    }

    /** @return the index of the ':' of a leading {@code scheme://}, or -1 when the target is not absolute-form. */
    private static int absoluteSchemeEnd(final byte[] raw, final int from, final int to)
    {
        if (from >= to || !isAlpha(raw[from]))
        {
            return -1;
        }
        int i = from + 1;
        while (i < to && (isAlpha(raw[i]) || (raw[i] >= '0' && raw[i] <= '9') || raw[i] == '+' || raw[i] == '-' ||
            raw[i] == '.'))
        {
            i++;
        }
        if (i + 2 < to && raw[i] == ':' && raw[i + 1] == '/' && raw[i + 2] == '/')
        {
            return i;
        }
        return -1;
    }

    private static boolean isAlpha(final byte b)
    {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }
}
