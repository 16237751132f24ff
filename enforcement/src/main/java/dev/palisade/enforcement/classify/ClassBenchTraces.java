package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Header traces for ClassBench rule sets: generated from the rules as ClassBench's {@code trace_generator} does, and
 * read and written in its text format, one header a line: {@code src dst sport dport proto} as unsigned decimal
 * integers separated by spaces or tabs (IPv4 addresses as 32-bit numbers). Further columns, such as the rule number
 * ClassBench appends, are ignored when read; blank lines are skipped.
 * <p>
 * For tests and benchmarks ({@code palisade classbench}): this reads files, and is never on the packet path. The
 * in-memory form, {@link Trace}, is parallel int arrays so that a benchmark loop reads packets without indirection.
 */
public final class ClassBenchTraces
{
    /** ClassBench's Pareto shape {@code a} for the number of copies of a header (its default, 1). */
    public static final double DEFAULT_PARETO_SHAPE = 1.0;
    /** ClassBench's Pareto scale {@code b} (its default, 0.1: most headers once, a heavy tail of repeats). */
    public static final double DEFAULT_PARETO_SCALE = 0.1;
    /** Share of headers drawn uniformly from the whole header space rather than inside a rule. */
    public static final double DEFAULT_UNIFORM_FRACTION = 0.05;
    /**
     * Most consecutive copies of one header. ClassBench has no cap; with shape 1 the tail is heavy enough that one
     * header could fill a small trace, which measures a cache, not a classifier.
     */
    public static final int MAX_COPIES = 1000;

    private static final int TRACE_FIELDS = 5;

    private ClassBenchTraces()
    {
    }

    /**
     * Headers preloaded as parallel arrays: packet {@code i} is {@code (src[i], dst[i], srcPort[i], dstPort[i],
     * protocol[i])}, addresses as unsigned 32-bit values in an int. {@code sourceRule[i]} is the rule the generator
     * drew the header inside, or -1 (drawn uniformly, or read from a file); it is where the header came from, not
     * the answer: an earlier rule may match it too.
     */
    public static final class Trace
    {
        public final int[] src;
        public final int[] dst;
        public final int[] srcPort;
        public final int[] dstPort;
        public final int[] protocol;
        public final int[] sourceRule;

        public Trace(
            final int[] src, final int[] dst, final int[] srcPort, final int[] dstPort, final int[] protocol,
            final int[] sourceRule)
        {
            final int n = src.length;
            if (dst.length != n || srcPort.length != n || dstPort.length != n || protocol.length != n ||
                sourceRule.length != n)
            {
                throw new IllegalArgumentException("trace arrays must have equal lengths");
            }
            this.src = src;
            this.dst = dst;
            this.srcPort = srcPort;
            this.dstPort = dstPort;
            this.protocol = protocol;
            this.sourceRule = sourceRule;
        }

        static Trace ofCapacity(final int packets)
        {
            final int[] sourceRule = new int[packets];
            Arrays.fill(sourceRule, -1);
            return new Trace(new int[packets], new int[packets], new int[packets], new int[packets], new int[packets],
                sourceRule);
        }

        public int size()
        {
            return src.length;
        }

        /** @return packet {@code i} as a trace line, without the line break. */
        public String line(final int i)
        {
            return Integer.toUnsignedString(src[i]) + "\t" + Integer.toUnsignedString(dst[i]) + "\t" + srcPort[i] +
                "\t" + dstPort[i] + "\t" + protocol[i];
        }

        /** @return the first {@code packets} packets (all of them when there are fewer). */
        Trace truncated(final int packets)
        {
            final int n = Math.min(packets, size());
            return n == size() ? this : new Trace(Arrays.copyOf(src, n), Arrays.copyOf(dst, n),
                Arrays.copyOf(srcPort, n), Arrays.copyOf(dstPort, n), Arrays.copyOf(protocol, n),
                Arrays.copyOf(sourceRule, n));
        }
    }

    /** As {@link #generate(List, int, long, double, double, double)} with ClassBench's defaults. */
    public static Trace generate(final List<FiveTupleRule> rules, final int packets, final long seed)
    {
        return generate(rules, packets, seed, DEFAULT_UNIFORM_FRACTION, DEFAULT_PARETO_SHAPE, DEFAULT_PARETO_SCALE);
    }

    /**
     * Generates {@code packets} IPv4 headers for {@code rules}, the same for the same arguments on any JDK.
     * <p>
     * As ClassBench's trace generator: pick a rule at random, draw a header inside its box, and add it
     * {@code ceil(b / (1 - u)^(1/a))} times in a row (u uniform in [0, 1): Pareto, so most headers come once and a few
     * many times, as flows do), capped at {@link #MAX_COPIES}. ClassBench takes a random corner of the box (each
     * field at its low or high end); here each field is at its low end, its high end or uniformly inside, one in
     * four, two in four, so the interior is exercised too. A wildcard protocol is mostly TCP or UDP. Besides,
     * {@code uniformFraction} of the headers (rounded to a whole number) are drawn from the whole header space and
     * spread at random through the trace; they match whatever they match.
     * Rules that cannot match an IPv4 header are never picked; with none left, every header is uniform.
     */
    public static Trace generate(
        final List<FiveTupleRule> rules, final int packets, final long seed, final double uniformFraction,
        final double paretoShape, final double paretoScale)
    {
        if (packets < 0)
        {
            throw new IllegalArgumentException("packets must not be negative, was " + packets);
        }
        if (!(uniformFraction >= 0 && uniformFraction <= 1) || !(paretoShape > 0) || !(paretoScale >= 0))
        {
            throw new IllegalArgumentException("need 0 <= uniformFraction <= 1, paretoShape > 0, paretoScale >= 0");
        }
        // The IPv4 box of each rule that has one: [lo, hi] per field, addresses unsigned.
        final int[] boxRule = new int[rules.size()];
        final long[][] boxes = new long[rules.size()][];
        int boxCount = 0;
        for (int i = 0; i < rules.size(); i++)
        {
            final long[] box = ipv4Box(rules.get(i));
            if (box != null)
            {
                boxRule[boxCount] = i;
                boxes[boxCount] = box;
                boxCount++;
            }
        }
        final Trace trace = Trace.ofCapacity(packets);
        final SplitMix random = new SplitMix(seed);
        // Exactly this many uniform headers, spread at random among the rest: the share holds whatever the repeats.
        int uniformLeft = boxCount == 0 ? packets : (int)Math.round(packets * uniformFraction);
        int n = 0;
        while (n < packets)
        {
            final int slotsLeft = packets - n;
            if (uniformLeft == slotsLeft || (uniformLeft > 0 && random.nextLong(slotsLeft) < uniformLeft))
            {
                trace.src[n] = (int)random.nextLong();
                trace.dst[n] = (int)random.nextLong();
                trace.srcPort[n] = random.nextInt(0x10000);
                trace.dstPort[n] = random.nextInt(0x10000);
                trace.protocol[n] = commonProtocol(random);
                uniformLeft--;
                n++;
                continue;
            }
            final int pick = random.nextInt(boxCount);
            final long[] box = boxes[pick];
            final FiveTupleRule rule = rules.get(boxRule[pick]);
            final int src = (int)inRange(random, box[0], box[1]);
            final int dst = (int)inRange(random, box[2], box[3]);
            final int srcPort = (int)inRange(random, rule.srcPortLo(), rule.srcPortHi());
            final int dstPort = (int)inRange(random, rule.dstPortLo(), rule.dstPortHi());
            final int protocol = protocolFor(random, rule.protocol(), rule.protocolMask());
            final int copies = Math.min(slotsLeft - uniformLeft, pareto(random, paretoShape, paretoScale));
            for (int c = 0; c < copies; c++, n++)
            {
                trace.src[n] = src;
                trace.dst[n] = dst;
                trace.srcPort[n] = srcPort;
                trace.dstPort[n] = dstPort;
                trace.protocol[n] = protocol;
                trace.sourceRule[n] = boxRule[pick];
            }
        }
        return trace;
    }

    /** @return a trace file's headers. */
    public static Trace read(final Path file) throws IOException
    {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1))
        {
            return read(file.toString(), reader);
        }
    }

    /**
     * @param source the name errors give (usually the file's path).
     * @return the headers read to the end of {@code reader}.
     */
    public static Trace read(final String source, final BufferedReader reader) throws IOException
    {
        Trace trace = Trace.ofCapacity(1024);
        int n = 0;
        int lineNumber = 0;
        String line;
        while ((line = reader.readLine()) != null)
        {
            lineNumber++;
            if (TextCursor.isBlank(line))
            {
                continue;
            }
            if (n == trace.size())
            {
                if (n == Integer.MAX_VALUE - 8)
                {
                    throw new ClassBenchFormatException(source, lineNumber, 1, "too many headers for one trace");
                }
                trace = grown(trace, (int)Math.min(Integer.MAX_VALUE - 8, 2L * n));
            }
            final TextCursor cursor = new TextCursor(source, lineNumber, line);
            cursor.skipSpace();
            trace.src[n] = (int)field(cursor, 0xFFFF_FFFFL, "source address", true);
            trace.dst[n] = (int)field(cursor, 0xFFFF_FFFFL, "destination address", false);
            trace.srcPort[n] = (int)field(cursor, 0xFFFF, "source port", false);
            trace.dstPort[n] = (int)field(cursor, 0xFFFF, "destination port", false);
            trace.protocol[n] = (int)field(cursor, 0xFF, "protocol", false);
            n++;
        }
        return trace.truncated(n);
    }

    /** Writes {@code trace} in the text format, one header a line, five columns separated by tabs. */
    public static void write(final Trace trace, final Path file) throws IOException
    {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.ISO_8859_1))
        {
            write(trace, writer);
        }
    }

    public static void write(final Trace trace, final Writer writer) throws IOException
    {
        final StringBuilder line = new StringBuilder(48);
        for (int i = 0; i < trace.size(); i++)
        {
            line.setLength(0);
            line.append(Integer.toUnsignedLong(trace.src[i])).append('\t')
                .append(Integer.toUnsignedLong(trace.dst[i])).append('\t')
                .append(trace.srcPort[i]).append('\t')
                .append(trace.dstPort[i]).append('\t')
                .append(trace.protocol[i]).append('\n');
            writer.append(line);
        }
        writer.flush();
    }

    private static long field(final TextCursor cursor, final long max, final String what, final boolean first)
        throws ClassBenchFormatException
    {
        if (!first)
        {
            cursor.nextField("the " + what + " (a trace line is: src dst sport dport proto)");
        }
        final long value = cursor.decimal(max, what);
        cursor.endOfField(what);
        return value;
    }

    private static Trace grown(final Trace trace, final int capacity)
    {
        final int[] sourceRule = Arrays.copyOf(trace.sourceRule, capacity);
        Arrays.fill(sourceRule, trace.size(), capacity, -1);
        return new Trace(Arrays.copyOf(trace.src, capacity), Arrays.copyOf(trace.dst, capacity),
            Arrays.copyOf(trace.srcPort, capacity), Arrays.copyOf(trace.dstPort, capacity),
            Arrays.copyOf(trace.protocol, capacity), sourceRule);
    }

    /**
     * @return {@code [srcLo, srcHi, dstLo, dstHi]}, the IPv4 addresses (unsigned) the rule's prefixes cover, or null
     * when either prefix covers no IPv4-mapped address.
     */
    static long[] ipv4Box(final FiveTupleRule rule)
    {
        final long[] box = new long[4];
        return ipv4Range(rule.srcHi(), rule.srcLo(), rule.srcPrefix(), box, 0) &&
            ipv4Range(rule.dstHi(), rule.dstLo(), rule.dstPrefix(), box, 2) ? box : null;
    }

    private static boolean ipv4Range(final long hi, final long lo, final int prefix, final long[] box, final int at)
    {
        if (prefix <= FiveTupleRule.IPV4_PREFIX_BASE)
        {
            // The prefix ends at or above the IPv4 part: it covers all of IPv4 or none of it.
            if (hi != 0 || (PacketMeta.IPV4_MAPPED_PREFIX & FiveTupleRule.maskLo(prefix)) != lo)
            {
                return false;
            }
            box[at] = 0;
            box[at + 1] = 0xFFFF_FFFFL;
            return true;
        }
        if (hi != 0 || (lo >>> 32) != 0xFFFF)
        {
            return false;
        }
        final int hostBits = 128 - prefix;
        box[at] = lo & 0xFFFF_FFFFL;
        box[at + 1] = box[at] | ((1L << hostBits) - 1);
        return true;
    }

    /** One in four the low end, one in four the high end, else uniform in {@code [lo, hi]}. */
    private static long inRange(final SplitMix random, final long lo, final long hi)
    {
        final int pick = random.nextInt(4);
        return pick == 0 ? lo : pick == 1 ? hi : lo + random.nextLong(hi - lo + 1);
    }

    private static int protocolFor(final SplitMix random, final int value, final int mask)
    {
        final int candidate = commonProtocol(random);
        return (candidate & mask) == value ? candidate : value | (random.nextInt(0x100) & ~mask);
    }

    /** TCP or UDP 45% each, ICMP 5%, anything 5%. */
    private static int commonProtocol(final SplitMix random)
    {
        final int pick = random.nextInt(20);
        return pick < 9 ? 6 : pick < 18 ? 17 : pick == 18 ? 1 : random.nextInt(0x100);
    }

    /** ClassBench's {@code MyPareto}: {@code ceil(b / (1 - u)^(1/a))}, at least 1, capped at {@link #MAX_COPIES}. */
    private static int pareto(final SplitMix random, final double shape, final double scale)
    {
        if (scale == 0)
        {
            return 1;
        }
        final double x = scale / Math.pow(1 - random.nextDouble(), 1 / shape);
        return (int)Math.max(1, Math.min(MAX_COPIES, Math.ceil(x)));
    }

    /**
     * SplitMix64 (Steele, Lea and Flood, OOPSLA 2014), written out so that a seed gives the same trace on every JDK.
     */
    private static final class SplitMix
    {
        private long state;

        SplitMix(final long seed)
        {
            state = seed;
        }

        long nextLong()
        {
            state += 0x9E37_79B9_7F4A_7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
            return z ^ (z >>> 31);
        }

        /** @return a value in {@code [0, bound)}, bound positive. */
        int nextInt(final int bound)
        {
            return (int)nextLong(bound);
        }

        /** @return a value in {@code [0, bound)}, bound positive; bias below 2^-32 for the bounds used here. */
        long nextLong(final long bound)
        {
            return Math.unsignedMultiplyHigh(nextLong(), bound);
        }

        /** @return a value in {@code [0, 1)}. */
        double nextDouble()
        {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }
    }
}
