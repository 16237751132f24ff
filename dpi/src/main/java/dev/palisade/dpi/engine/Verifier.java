package dev.palisade.dpi.engine;

import java.util.regex.Matcher;

/**
 * Full verification of one chain of detection steps (the contents, regular expressions and {@code isdataat} tests of
 * a rule that look at one buffer) over bytes held in an array. Relative steps refer to the end of the step before,
 * and when a later step fails the search backtracks into the next occurrence of the earlier ones, as Suricata's
 * content inspection does, within a step budget so that crafted input cannot make it run away.
 * <p>
 * Positions are absolute: {@code base} is the position of {@code data[from]} in the buffer (for a stream, its byte
 * offset in the stream), so a rule's {@code depth:4} still means the first four bytes of the stream. A match counts
 * only if it ends after {@code minEnd}: a stream window is verified again when new data arrives, and what ended in data
 * already inspected has already been reported.
 * <p>
 * One instance per worker; not thread-safe.
 */
final class Verifier
{
    /** Steps (occurrences tried) per chain before giving up, like Suricata's inspection recursion limit. */
    static final int STEP_BUDGET = 4096;
    /** Characters a regular expression may read per evaluation before it is stopped (catastrophic backtracking). */
    static final long REGEX_BUDGET = 2_000_000;

    private final ByteChars chars = new ByteChars();
    private byte[] data;
    private int from;
    private int length;
    private long base;
    private long minEnd;
    private int steps;
    /** Counted: chains abandoned because the step or regex budget ran out. */
    long budgetExhausted;
    /** End (absolute) of the last successful chain's furthest match, for payload excerpts. */
    long lastMatchEnd;

    /**
     * @return true when {@code chain} matches in {@code data[from, from + length)}, whose first byte is at absolute
     *         position {@code base}, with some positive step ending after {@code minEnd}.
     */
    boolean matches(final Element[] chain, final byte[] data, final int from, final int length, final long base,
        final long minEnd)
    {
        this.data = data;
        this.from = from;
        this.length = length;
        this.base = base;
        this.minEnd = minEnd;
        this.steps = 0;
        // A relative first step counts from the start of the buffer (of the stream, not of the window inspected),
        // as its distance/within then act as offset/depth.
        final boolean matched = step(chain, 0, 0, Long.MIN_VALUE);
        this.data = null;
        return matched;
    }

    private boolean step(final Element[] chain, final int index, final long previousEnd, final long furthestEnd)
    {
        if (index == chain.length)
        {
            // A chain with only negative steps stands for the whole buffer.
            final long end = furthestEnd == Long.MIN_VALUE ? base + length : furthestEnd;
            if (end > minEnd)
            {
                lastMatchEnd = end;
                return true;
            }
            return false;
        }
        if (++steps > STEP_BUDGET)
        {
            budgetExhausted++;
            return false;
        }
        return switch (chain[index])
        {
            case Element.Literal literal -> literal(chain, index, literal, previousEnd, furthestEnd);
            case Element.Regex regex -> regex(chain, index, regex, previousEnd, furthestEnd);
            case Element.DataAt dataAt -> dataAt(chain, index, dataAt, previousEnd, furthestEnd);
        };
    }

    private boolean literal(final Element[] chain, final int index, final Element.Literal literal,
        final long previousEnd, final long furthestEnd)
    {
        final long bufferEnd = base + length;
        final long lo;
        long hi;
        if (literal.relative())
        {
            lo = previousEnd + (literal.distance() == Element.UNSET ? 0 : literal.distance());
            hi = literal.within() == Element.UNSET ? bufferEnd : lo + literal.within();
        }
        else
        {
            lo = literal.offset() == Element.UNSET ? 0 : literal.offset();
            hi = literal.depth() == Element.UNSET ? bufferEnd : lo + literal.depth();
        }
        hi = Math.min(hi, bufferEnd);
        final byte[] pattern = literal.bytes();
        final int n = pattern.length;
        long start = Math.max(lo, base);
        if (literal.endsWith())
        {
            start = Math.max(start, bufferEnd - n);
        }
        final boolean nocase = literal.nocase();
        if (literal.negated())
        {
            return find(pattern, nocase, start, hi) < 0 && step(chain, index + 1, previousEnd, furthestEnd);
        }
        for (long s = find(pattern, nocase, start, hi); s >= 0; s = find(pattern, nocase, s + 1, hi))
        {
            final long end = s + n;
            if (step(chain, index + 1, end, Math.max(furthestEnd, end)))
            {
                return true;
            }
            if (steps > STEP_BUDGET)
            {
                return false;
            }
        }
        return false;
    }

    /**
     * @return the first position in {@code [start, hi - pattern.length]} where {@code pattern} occurs (patterns of
     *         nocase literals are lower case), or -1. Looks for the first byte in a tight loop, then compares the rest.
     */
    private long find(final byte[] pattern, final boolean nocase, final long start, final long hi)
    {
        final byte[] data = this.data;
        final int n = pattern.length;
        if (n == 0 || start + n > hi)
        {
            return start + n <= hi ? start : -1;
        }
        final int last = from + (int)(hi - n - base); // indices into data
        final byte first = pattern[0];
        int i = from + (int)(start - base);
        while (i <= last)
        {
            if (nocase)
            {
                while (i <= last && lower(data[i]) != first)
                {
                    i++;
                }
            }
            else
            {
                while (i <= last && data[i] != first)
                {
                    i++;
                }
            }
            if (i > last)
            {
                return -1;
            }
            if (restEqual(data, i, pattern, nocase))
            {
                return base + (i - from);
            }
            i++;
        }
        return -1;
    }

    private static boolean restEqual(final byte[] data, final int at, final byte[] pattern, final boolean nocase)
    {
        if (nocase)
        {
            for (int k = 1; k < pattern.length; k++)
            {
                if (lower(data[at + k]) != pattern[k])
                {
                    return false;
                }
            }
            return true;
        }
        for (int k = 1; k < pattern.length; k++)
        {
            if (data[at + k] != pattern[k])
            {
                return false;
            }
        }
        return true;
    }

    static byte lower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }

    private boolean regex(final Element[] chain, final int index, final Element.Regex regex, final long previousEnd,
        final long furthestEnd)
    {
        final long bufferEnd = base + length;
        final long start = regex.relative() ? Math.max(previousEnd, base) : base;
        if (start > bufferEnd)
        {
            return regex.negated() && step(chain, index + 1, previousEnd, furthestEnd);
        }
        chars.reset(data, from, length, REGEX_BUDGET);
        final Matcher matcher = regex.pattern().matcher(chars);
        matcher.region((int)(start - base), length);
        try
        {
            if (regex.negated())
            {
                final boolean found = regex.anchored() ? matcher.lookingAt() : matcher.find();
                return !found && step(chain, index + 1, previousEnd, furthestEnd);
            }
            if (regex.anchored())
            {
                if (!matcher.lookingAt())
                {
                    return false;
                }
                final long end = base + matcher.end();
                return step(chain, index + 1, end, Math.max(furthestEnd, end));
            }
            while (matcher.find())
            {
                final long end = base + matcher.end();
                if (step(chain, index + 1, end, Math.max(furthestEnd, end)))
                {
                    return true;
                }
                if (steps > STEP_BUDGET || ++steps > STEP_BUDGET)
                {
                    return false;
                }
                if (matcher.end() == matcher.start() && matcher.end() >= length)
                {
                    return false;
                }
            }
            return false;
        }
        catch (final ByteChars.BudgetExhausted e)
        {
            budgetExhausted++;
            return false;
        }
    }

    private boolean dataAt(final Element[] chain, final int index, final Element.DataAt dataAt, final long previousEnd,
        final long furthestEnd)
    {
        final long position = (dataAt.relative() ? previousEnd : 0) + dataAt.position();
        final boolean present = position < base + length;
        return present != dataAt.negated() && step(chain, index + 1, previousEnd, furthestEnd);
    }
}
