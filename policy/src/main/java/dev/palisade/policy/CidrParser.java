package dev.palisade.policy;

import dev.palisade.policy.model.Cidr;

/**
 * Address prefixes as written in a policy (docs/policy-language.md, "Selectors": IPv4 and IPv6; a bare address is a
 * host prefix; host bits must be zero), parsed from text alone: no resolver, no {@code InetAddress}, so untrusted text
 * can never cause a DNS lookup. IPv4 is the dotted quad only: four decimal numbers 0..255 without leading zeros
 * ({@code 010} is octal to some tools, so it is refused rather than guessed); IPv6 is RFC 4291 section 2.2 text (one
 * {@code ::}, an optional trailing dotted quad, no zone index).
 */
final class CidrParser
{
    /** Longer than any address with a prefix ({@code ffff:...:255.255.255.255/128} is 50 characters). */
    static final int MAX_TEXT_CHARS = 64;

    private static final String EXAMPLES = "expected an IPv4 or IPv6 address or prefix such as 10.0.0.0/8 or " +
        "2001:db8::/32";

    private CidrParser()
    {
    }

    /** The outcome of parsing one prefix. */
    sealed interface Result permits Parsed, Invalid
    {
    }

    /** A valid prefix. */
    record Parsed(Cidr cidr) implements Result
    {
    }

    /** Not a valid prefix; {@code reason} is a complete message naming the text and what was expected. */
    record Invalid(String reason) implements Result
    {
    }

    static Result parse(final String text)
    {
        final String shown = Messages.quote(text);
        if (text.isEmpty())
        {
            return new Invalid("empty address; " + EXAMPLES);
        }
        if (text.length() > MAX_TEXT_CHARS)
        {
            return new Invalid("invalid address " + shown + ": too long; " + EXAMPLES);
        }
        final int slash = text.indexOf('/');
        final String address = slash < 0 ? text : text.substring(0, slash);
        final boolean ipv6 = address.indexOf(':') >= 0;
        final long hi;
        final long lo;
        if (ipv6)
        {
            final long[] bits = new long[2];
            final String problem = parseIpv6(address, bits);
            if (problem != null)
            {
                return new Invalid("invalid IPv6 address " + shown + ": " + problem);
            }
            hi = bits[0];
            lo = bits[1];
        }
        else
        {
            if (address.isEmpty() || !isDigitsAndDots(address))
            {
                return new Invalid("invalid address " + shown + "; " + EXAMPLES);
            }
            final String problem = ipv4Problem(address);
            if (problem != null)
            {
                return new Invalid("invalid IPv4 address " + shown + ": " + problem);
            }
            hi = 0;
            lo = Cidr.IPV4_MAPPED | ipv4Value(address);
        }
        final int maxPrefix = ipv6 ? 128 : 32;
        int prefix = maxPrefix;
        if (slash >= 0)
        {
            prefix = parsePrefix(text.substring(slash + 1), maxPrefix);
            if (prefix < 0)
            {
                return new Invalid("invalid prefix length in " + shown + "; expected /0../" + maxPrefix + " for " +
                    (ipv6 ? "IPv6" : "IPv4"));
            }
        }
        final int prefix128 = ipv6 ? prefix : Cidr.IPV4_BASE + prefix;
        final long maskHi = maskHi(prefix128);
        final long maskLo = maskLo(prefix128);
        if ((hi & ~maskHi) != 0 || (lo & ~maskLo) != 0)
        {
            final String network = ipv6 ? formatIpv6(hi & maskHi, lo & maskLo) : formatIpv4(lo & maskLo);
            return new Invalid(shown + " has host bits set; did you mean " + network + "/" + prefix + "?");
        }
        return new Parsed(new Cidr(hi, lo, prefix128, !ipv6, text));
    }

    /** The top 64 bits of a 128-bit network mask of {@code prefix} bits. */
    static long maskHi(final int prefix)
    {
        if (prefix >= 64)
        {
            return -1L;
        }
        return prefix == 0 ? 0L : -1L << (64 - prefix);
    }

    /** The low 64 bits of a 128-bit network mask of {@code prefix} bits. */
    static long maskLo(final int prefix)
    {
        if (prefix <= 64)
        {
            return 0L;
        }
        return -1L << (128 - prefix);
    }

    static String formatIpv4(final long lo)
    {
        return ((lo >>> 24) & 0xFF) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
    }

    /** RFC 5952 text: lowercase, no leading zeros, the longest run (first if tied) of two or more zero groups as ::. */
    static String formatIpv6(final long hi, final long lo)
    {
        final int[] groups = new int[8];
        for (int i = 0; i < 4; i++)
        {
            groups[i] = (int)((hi >>> (48 - 16 * i)) & 0xFFFF);
            groups[4 + i] = (int)((lo >>> (48 - 16 * i)) & 0xFFFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }
            int end = i;
            while (end < 8 && groups[end] == 0)
            {
                end++;
            }
            if (end - i > bestLength)
            {
                bestStart = i;
                bestLength = end - i;
            }
            i = end;
        }
        final StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':')
            {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static boolean isDigitsAndDots(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c != '.' && (c < '0' || c > '9'))
            {
                return false;
            }
        }
        return true;
    }

    /** Why digits-and-dots text is not a dotted quad, or null when it is one. */
    private static String ipv4Problem(final String text)
    {
        int parts = 0;
        int start = 0;
        while (start <= text.length())
        {
            int end = text.indexOf('.', start);
            if (end < 0)
            {
                end = text.length();
            }
            parts++;
            if (parts > 4)
            {
                return "expected four numbers 0..255 separated by dots";
            }
            final int length = end - start;
            if (length == 0)
            {
                return "expected four numbers 0..255 separated by dots";
            }
            if (length > 3)
            {
                return "'" + text.substring(start, end) + "' is out of range; expected 0..255";
            }
            if (length > 1 && text.charAt(start) == '0')
            {
                return "leading zeros are not allowed ('" + text.substring(start, end) + "')";
            }
            if (Integer.parseInt(text, start, end, 10) > 255)
            {
                return "'" + text.substring(start, end) + "' is out of range; expected 0..255";
            }
            start = end + 1;
        }
        return parts == 4 ? null : "expected four numbers 0..255 separated by dots";
    }

    /** The value of a dotted quad {@link #ipv4Problem} accepted. */
    private static long ipv4Value(final String text)
    {
        long value = 0;
        int start = 0;
        for (int part = 0; part < 4; part++)
        {
            int end = text.indexOf('.', start);
            if (end < 0)
            {
                end = text.length();
            }
            value = (value << 8) | Integer.parseInt(text, start, end, 10);
            start = end + 1;
        }
        return value;
    }

    /** A prefix length 0..max, digits only, no leading zeros; -1 when invalid. */
    private static int parsePrefix(final String text, final int max)
    {
        if (text.isEmpty() || text.length() > 3 || (text.length() > 1 && text.charAt(0) == '0'))
        {
            return -1;
        }
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
        }
        final int value = Integer.parseInt(text);
        return value <= max ? value : -1;
    }

    /**
     * RFC 4291 section 2.2 text forms 1 to 3 into {@code out[0]} (high 64 bits) and {@code out[1]} (low 64 bits).
     * Returns why the text is invalid, or null.
     */
    private static String parseIpv6(final String text, final long[] out)
    {
        if (text.indexOf('%') >= 0)
        {
            return "zone indexes (%...) are not allowed";
        }
        final int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0)
        {
            return "'::' may appear only once";
        }
        final int[] groups = new int[8];
        final int[] head = new int[9];
        final int[] tail = new int[9];
        final String headText = doubleColon < 0 ? text : text.substring(0, doubleColon);
        final String tailText = doubleColon < 0 ? "" : text.substring(doubleColon + 2);
        final int headCount = parseGroups(headText, head, doubleColon < 0);
        if (headCount < 0)
        {
            return groupProblem(headCount);
        }
        final int tailCount = parseGroups(tailText, tail, true);
        if (tailCount < 0)
        {
            return groupProblem(tailCount);
        }
        if (doubleColon < 0)
        {
            if (headCount != 8)
            {
                return "expected eight groups of hex digits separated by ':' (or '::' for zeros)";
            }
        }
        else if (headCount + tailCount > 7)
        {
            return "too many groups with '::'; expected at most seven";
        }
        System.arraycopy(head, 0, groups, 0, headCount);
        System.arraycopy(tail, 0, groups, 8 - tailCount, tailCount);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++)
        {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[4 + i];
        }
        out[0] = hi;
        out[1] = lo;
        return null;
    }

    private static final int BAD_GROUP = -1;
    private static final int BAD_IPV4_TAIL = -2;
    private static final int TOO_MANY_GROUPS = -3;

    private static String groupProblem(final int code)
    {
        return switch (code)
        {
            case BAD_IPV4_TAIL -> "the embedded IPv4 address is not a dotted quad of numbers 0..255";
            case TOO_MANY_GROUPS -> "expected at most eight groups";
            default -> "expected groups of one to four hex digits separated by ':'";
        };
    }

    /**
     * Colon-separated groups into {@code out}; a trailing dotted quad (allowed only when {@code last}) takes two
     * groups. Empty text has zero groups. Returns the count, or a negative code.
     */
    private static int parseGroups(final String text, final int[] out, final boolean last)
    {
        if (text.isEmpty())
        {
            return 0;
        }
        int count = 0;
        int start = 0;
        while (true)
        {
            int end = text.indexOf(':', start);
            final boolean lastGroup = end < 0;
            if (lastGroup)
            {
                end = text.length();
            }
            final int length = end - start;
            if (lastGroup && last && text.indexOf('.', start) >= 0)
            {
                final String quad = text.substring(start);
                if (!isDigitsAndDots(quad) || ipv4Problem(quad) != null)
                {
                    return BAD_IPV4_TAIL;
                }
                if (count + 2 > 8)
                {
                    return TOO_MANY_GROUPS;
                }
                final long v4 = ipv4Value(quad);
                out[count++] = (int)(v4 >>> 16);
                out[count++] = (int)(v4 & 0xFFFF);
                return count;
            }
            if (length < 1 || length > 4)
            {
                return BAD_GROUP;
            }
            int value = 0;
            for (int i = start; i < end; i++)
            {
                final int digit = hexDigit(text.charAt(i));
                if (digit < 0)
                {
                    return BAD_GROUP;
                }
                value = (value << 4) | digit;
            }
            if (count == 8)
            {
                return TOO_MANY_GROUPS;
            }
            out[count++] = value;
            if (lastGroup)
            {
                return count;
            }
            start = end + 1;
        }
    }

    /** ASCII hex digits only ({@code Character.digit} would also take other scripts' digits). */
    private static int hexDigit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }
}
