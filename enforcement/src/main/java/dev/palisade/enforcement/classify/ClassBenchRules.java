package dev.palisade.enforcement.classify;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ClassBench filter sets (Taylor and Turner, "ClassBench: A Packet Classification Benchmark", IEEE/ACM ToN 15(3),
 * 2007), as read by its tools and by most classification papers since. One rule a line, fields separated by spaces or
 * tabs:
 * <pre>
 * &#64;src/len   dst/len   splo : sphi   dplo : dphi   proto/mask   flags/mask
 * &#64;186.11.101.36/32   20.69.109.43/32   0 : 65535   1521 : 1521   0x06/0xFF   0x1000/0x1000
 * </pre>
 * Addresses are dotted quads with a prefix length 0..32; port ranges are inclusive; the protocol matches when
 * {@code (protocol & mask) == value}. Priority is line order: the first rule wins. The flags field (TCP flags, which
 * later ClassBench sets add) must be well formed when present and is otherwise ignored, since {@link FiveTupleRule}
 * has no flags; older sets without it are accepted. Blank lines are skipped; anything else that does not parse is a
 * {@link ClassBenchFormatException} naming the file, line and column.
 * <p>
 * For tests and benchmarks ({@code palisade classbench}): this reads files, and is never on the packet path.
 */
public final class ClassBenchRules
{
    private ClassBenchRules()
    {
    }

    /** @return the rules of a ClassBench filter-set file, in priority order. */
    public static List<FiveTupleRule> read(final Path file) throws IOException
    {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1))
        {
            return read(file.toString(), reader);
        }
    }

    /**
     * @param source the name errors give (usually the file's path).
     * @return the rules of a ClassBench filter set read to its end, in priority order.
     */
    public static List<FiveTupleRule> read(final String source, final BufferedReader reader) throws IOException
    {
        final List<FiveTupleRule> rules = new ArrayList<>();
        int lineNumber = 0;
        String line;
        while ((line = reader.readLine()) != null)
        {
            lineNumber++;
            final FiveTupleRule rule = parseLine(source, lineNumber, line);
            if (rule != null)
            {
                rules.add(rule);
            }
        }
        return rules;
    }

    /** @return the rule on one line, or null when the line is blank. */
    public static FiveTupleRule parseLine(final String source, final int lineNumber, final String line)
        throws ClassBenchFormatException
    {
        if (TextCursor.isBlank(line))
        {
            return null;
        }
        final TextCursor cursor = new TextCursor(source, lineNumber, line);
        cursor.skipSpace();
        cursor.expect('@', "'@' at the start of a rule (@src/len dst/len splo : sphi dplo : dphi proto/mask flags/mask)");

        final long src = ipv4(cursor, "source address");
        cursor.expect('/', "'/' and a prefix length after the source address");
        final int srcPrefix = (int)cursor.decimal(32, "source prefix length");
        cursor.endOfField("source prefix");

        cursor.nextField("the destination address (a.b.c.d/len)");
        final long dst = ipv4(cursor, "destination address");
        cursor.expect('/', "'/' and a prefix length after the destination address");
        final int dstPrefix = (int)cursor.decimal(32, "destination prefix length");
        cursor.endOfField("destination prefix");

        cursor.nextField("the source port range (lo : hi)");
        final int srcPortColumn = cursor.column();
        final int srcPortLo = (int)cursor.decimal(0xFFFF, "source port");
        cursor.skipSpace();
        cursor.expect(':', "':' between the two ends of the source port range (lo : hi)");
        cursor.skipSpace();
        final int srcPortHi = (int)cursor.decimal(0xFFFF, "source port");
        cursor.endOfField("source port range");
        checkRange(cursor, srcPortColumn, "source", srcPortLo, srcPortHi);

        cursor.nextField("the destination port range (lo : hi)");
        final int dstPortColumn = cursor.column();
        final int dstPortLo = (int)cursor.decimal(0xFFFF, "destination port");
        cursor.skipSpace();
        cursor.expect(':', "':' between the two ends of the destination port range (lo : hi)");
        cursor.skipSpace();
        final int dstPortHi = (int)cursor.decimal(0xFFFF, "destination port");
        cursor.endOfField("destination port range");
        checkRange(cursor, dstPortColumn, "destination", dstPortLo, dstPortHi);

        cursor.nextField("the protocol (0xPP/0xMM)");
        final int protocol = cursor.hex(0xFF, "protocol");
        cursor.expect('/', "'/' and a mask after the protocol (0xPP/0xMM)");
        final int protocolMask = cursor.hex(0xFF, "protocol mask");
        cursor.endOfField("protocol mask");

        cursor.skipSpace();
        if (!cursor.atEnd())
        {
            cursor.hex(0xFFFF, "flags");
            cursor.expect('/', "'/' and a mask after the flags (0xFFFF/0xFFFF)");
            cursor.hex(0xFFFF, "flags mask");
            cursor.endOfField("flags mask");
            cursor.skipSpace();
            if (!cursor.atEnd())
            {
                throw cursor.fail(cursor.column(), "unexpected " + cursor.shownToken() +
                    " after the flags field: a rule has 6 fields");
            }
        }
        return FiveTupleRule.ipv4(src, srcPrefix, dst, dstPrefix, srcPortLo, srcPortHi, dstPortLo, dstPortHi,
            protocol, protocolMask);
    }

    /** Writes {@code rules} in ClassBench's format, one a line (flags written as the wildcard 0x0000/0x0000). */
    public static void write(final List<FiveTupleRule> rules, final Path file) throws IOException
    {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.ISO_8859_1))
        {
            write(rules, writer);
        }
    }

    public static void write(final List<FiveTupleRule> rules, final Writer writer) throws IOException
    {
        for (final FiveTupleRule rule : rules)
        {
            writer.write(format(rule));
            writer.write('\n');
        }
        writer.flush();
    }

    /**
     * @return one rule as a ClassBench line, without the line break.
     * @throws IllegalArgumentException if the rule is not an IPv4 rule (ClassBench has no IPv6 form).
     */
    public static String format(final FiveTupleRule rule)
    {
        if (!rule.isIpv4())
        {
            throw new IllegalArgumentException("ClassBench files hold IPv4 rules only: " + rule);
        }
        return "@" + dottedQuad(rule.srcLo()) + "/" + (rule.srcPrefix() - FiveTupleRule.IPV4_PREFIX_BASE) + "\t" +
            dottedQuad(rule.dstLo()) + "/" + (rule.dstPrefix() - FiveTupleRule.IPV4_PREFIX_BASE) + "\t" +
            rule.srcPortLo() + " : " + rule.srcPortHi() + "\t" +
            rule.dstPortLo() + " : " + rule.dstPortHi() + "\t" +
            String.format(Locale.ROOT, "0x%02X/0x%02X", rule.protocol(), rule.protocolMask()) + "\t0x0000/0x0000";
    }

    /** @return the low 32 bits of {@code address} as a dotted quad. */
    public static String dottedQuad(final long address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF);
    }

    private static long ipv4(final TextCursor cursor, final String what) throws ClassBenchFormatException
    {
        final int start = cursor.position();
        long address = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (cursor.peek() != '.')
                {
                    throw cursor.fail(cursor.column(), "bad " + what + " " + cursor.shownToken(start, '/') +
                        ": expected a dotted quad a.b.c.d, each number 0..255");
                }
                cursor.advance();
            }
            final int column = cursor.column();
            final long value = cursor.digits();
            if (value < 0)
            {
                throw cursor.fail(column, "bad " + what + " " + cursor.shownToken(start, '/') +
                    ": expected a dotted quad a.b.c.d, each number 0..255");
            }
            if (value > 255)
            {
                throw cursor.fail(column, "bad " + what + " " + cursor.shownToken(start, '/') + ": " +
                    (value >= Long.MAX_VALUE / 16 ? "a number" : value) + " is over 255");
            }
            address = address << 8 | value;
        }
        return address;
    }

    private static void checkRange(
        final TextCursor cursor, final int column, final String what, final int lo, final int hi)
        throws ClassBenchFormatException
    {
        if (lo > hi)
        {
            throw cursor.fail(column, what + " port range " + lo + " : " + hi +
                " is backwards: its low end is above its high end");
        }
    }
}
