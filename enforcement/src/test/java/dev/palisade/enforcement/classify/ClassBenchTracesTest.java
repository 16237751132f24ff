package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.classify.ClassBenchTraces.Trace;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trace generation (inside the rules, deterministic, skewed), the text format both ways, and its errors. */
class ClassBenchTracesTest
{
    static String[] ruleSets()
    {
        return ClassBenchRulesTest.RULE_SETS;
    }

    @ParameterizedTest
    @MethodSource("ruleSets")
    void headersDrawnInsideARuleMatchItOrAnEarlierOne(final String name) throws IOException
    {
        final List<FiveTupleRule> rules = ClassBenchRules.read(ClassBenchRulesTest.ruleFile(name));
        final Trace trace = ClassBenchTraces.generate(rules, 10_000, 7);
        assertEquals(10_000, trace.size());
        final LinearClassifier linear = new LinearClassifier(rules);
        int fromRules = 0;
        for (int i = 0; i < trace.size(); i++)
        {
            final int from = trace.sourceRule[i];
            if (from < 0)
            {
                continue;
            }
            fromRules++;
            final String where = name + " packet " + i + " " + trace.line(i) + " from rule " + from + " " +
                ClassBenchRules.format(rules.get(from));
            assertTrue(rules.get(from).matches(0, mapped(trace.src[i]), 0, mapped(trace.dst[i]), trace.srcPort[i],
                trace.dstPort[i], trace.protocol[i]), where);
            final int first = linear.classifyIpv4(trace.src[i], trace.dst[i], trace.srcPort[i], trace.dstPort[i],
                trace.protocol[i]);
            assertTrue(first >= 0 && first <= from, where + ": linear says " + first);
        }
        assertEquals(Math.round(10_000 * (1 - ClassBenchTraces.DEFAULT_UNIFORM_FRACTION)), fromRules,
            "all but the uniform share come from rules");
    }

    @Test
    void generationIsDeterministicBySeedAndSkewed() throws IOException
    {
        final List<FiveTupleRule> rules = ClassBenchRules.read(ClassBenchRulesTest.ruleFile("neurocuts_fw1_1k"));
        final Trace a = ClassBenchTraces.generate(rules, 20_000, 42);
        final Trace b = ClassBenchTraces.generate(rules, 20_000, 42);
        final Trace c = ClassBenchTraces.generate(rules, 20_000, 43);
        assertArrayEquals(a.src, b.src);
        assertArrayEquals(a.dst, b.dst);
        assertArrayEquals(a.srcPort, b.srcPort);
        assertArrayEquals(a.dstPort, b.dstPort);
        assertArrayEquals(a.protocol, b.protocol);
        assertArrayEquals(a.sourceRule, b.sourceRule);
        assertFalse(Arrays.equals(a.src, c.src), "another seed, another trace");

        // Pareto repeats: most headers once, some many times in a row.
        int repeated = 0;
        int longestRun = 1;
        int run = 1;
        for (int i = 1; i < a.size(); i++)
        {
            final boolean same = a.src[i] == a.src[i - 1] && a.dst[i] == a.dst[i - 1] &&
                a.srcPort[i] == a.srcPort[i - 1] && a.dstPort[i] == a.dstPort[i - 1] &&
                a.protocol[i] == a.protocol[i - 1];
            repeated += same ? 1 : 0;
            run = same ? run + 1 : 1;
            longestRun = Math.max(longestRun, run);
        }
        assertTrue(repeated > a.size() / 20 && repeated < a.size() * 3 / 4, "repeats " + repeated);
        assertTrue(longestRun >= 20 && longestRun <= ClassBenchTraces.MAX_COPIES, "longest run " + longestRun);
    }

    @Test
    void rulesWithoutIpv4HeadersAreNeverPickedAndNoRulesMeansUniform()
    {
        final FiveTupleRule v6 = new FiveTupleRule(0x2001_0db8_0000_0000L, 0, 32, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        final FiveTupleRule v4 = FiveTupleRule.ipv4(0x0A000000L, 8, 0, 0, 80, 80, 0, 65535, 6, 0xFF);
        final Trace trace = ClassBenchTraces.generate(List.of(v6, v4), 1000, 1, 0, 1, 0.1);
        for (int i = 0; i < trace.size(); i++)
        {
            assertEquals(1, trace.sourceRule[i]);
            assertEquals(0x0A, trace.src[i] >>> 24);
            assertEquals(80, trace.srcPort[i]);
            assertEquals(6, trace.protocol[i]);
        }
        final Trace uniform = ClassBenchTraces.generate(List.of(v6), 100, 1);
        assertTrue(Arrays.stream(uniform.sourceRule).allMatch((r) -> r == -1));
        assertEquals(0, ClassBenchTraces.generate(List.of(v4), 0, 1).size());
    }

    @Test
    void ipv4BoxOfMappedAndWiderRules()
    {
        // ::/0 and ::ffff:0:0/96 cover all of IPv4; a /104 inside the mapped space covers a /8.
        final FiveTupleRule any = new FiveTupleRule(0, 0, 0, 0, 0xFFFF_0000_0000L, 96, 0, 65535, 0, 65535, 0, 0);
        assertArrayEquals(new long[] {0, 0xFFFF_FFFFL, 0, 0xFFFF_FFFFL}, ClassBenchTraces.ipv4Box(any));
        final FiveTupleRule slash8 = new FiveTupleRule(0, 0xFFFF_0A00_0000L, 104, 0, 0, 64, 0, 65535, 0, 65535, 0, 0);
        assertArrayEquals(new long[] {0x0A00_0000L, 0x0AFF_FFFFL, 0, 0xFFFF_FFFFL}, ClassBenchTraces.ipv4Box(slash8));
        // ::/80 holds ::ffff:0:0/96; ::1:0:0:0/80 does not, nor does a /97 outside the mapped prefix.
        final FiveTupleRule zeros80 = new FiveTupleRule(0, 0, 80, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        assertArrayEquals(new long[] {0, 0xFFFF_FFFFL, 0, 0xFFFF_FFFFL}, ClassBenchTraces.ipv4Box(zeros80));
        final FiveTupleRule other = new FiveTupleRule(0, 0x0001_0000_0000_0000L, 80, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        assertNull(ClassBenchTraces.ipv4Box(other));
        final FiveTupleRule outside = new FiveTupleRule(0, 0xFFFE_8000_0000L, 97, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        assertNull(ClassBenchTraces.ipv4Box(outside));
    }

    @Test
    void writtenTracesReadBackEqual() throws IOException
    {
        Seeded.forEachTry("trace round trip", 20, (random) ->
        {
            final int packets = Seeded.between(random, 0, 3000);
            final Trace trace = ClassBenchTraces.generate(
                List.of(FiveTupleRule.ipv4(0, 0, 0, 0, 0, 65535, 0, 65535, 0, 0)), packets, random.nextLong(),
                random.nextDouble(), 1, 0.1);
            final StringWriter text = new StringWriter();
            try
            {
                ClassBenchTraces.write(trace, text);
                final Trace back = read(text.toString());
                assertArrayEquals(trace.src, back.src);
                assertArrayEquals(trace.dst, back.dst);
                assertArrayEquals(trace.srcPort, back.srcPort);
                assertArrayEquals(trace.dstPort, back.dstPort);
                assertArrayEquals(trace.protocol, back.protocol);
                assertTrue(Arrays.stream(back.sourceRule).allMatch((r) -> r == -1), "a file does not say");
            }
            catch (final IOException ex)
            {
                throw new AssertionError(ex);
            }
        });
    }

    @Test
    void readsUnsignedValuesIgnoresExtraColumnsAndBlankLines() throws IOException
    {
        final Trace trace = read("\n4294967295\t0\t65535\t0\t255\t17\textra\r\n   \n3232235777 167772161 1024 80 6\n");
        assertEquals(2, trace.size());
        assertEquals(-1, trace.src[0]);
        assertEquals(0, trace.dst[0]);
        assertEquals(65535, trace.srcPort[0]);
        assertEquals(255, trace.protocol[0]);
        assertEquals(0xC0A80101, trace.src[1]);
        assertEquals(0x0A000001, trace.dst[1]);
        assertEquals("3232235777\t167772161\t1024\t80\t6", trace.line(1));
    }

    @Test
    void readsTracesLargerThanTheFirstAllocation() throws IOException
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            text.append(i).append(' ').append(i * 7).append(" 1 2 6\n");
        }
        final Trace trace = read(text.toString());
        assertEquals(5000, trace.size());
        assertEquals(4999 * 7, trace.dst[4999]);
    }

    /** Each line goes third (after a good line and a blank one): the error names line 3 and the column. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        # what                  | line                    | column | message
        missing fields          | 1 2 3                   | 6      | missing field: expected the destination port (a trace line is: src dst sport dport proto), found end of line
        address over 32 bits    | 4294967296 2 3 4 6      | 1      | source address 4294967296 is over 4294967295
        port over 65535         | 1 2 3 70000 6           | 7      | destination port 70000 is over 65535
        protocol over 255       | 1 2 3 4 256             | 9      | protocol 256 is over 255
        not a number            | 1 2 x 4 6               | 5      | expected source port (a decimal number 0..65535), found 'x'
        negative                | 1 -2 3 4 6              | 3      | expected destination address (a decimal number 0..4294967295), found '-2'
        junk after a number     | 1 2 3 4 6x              | 10     | unexpected 'x' right after the protocol (fields are separated by spaces or tabs)
        dotted quad             | 1.2.3.4 2 3 4 6         | 2      | unexpected '.2.3.4' right after the source address (fields are separated by spaces or tabs)
        """)
    void eachMalformedLineNamesItsPosition(
        final String what, final String line, final int column, final String message)
    {
        final ClassBenchFormatException ex = assertThrows(ClassBenchFormatException.class,
            () -> read("1 2 3 4 6\n\n" + line + "\n"), what);
        assertEquals(3, ex.line(), ex.getMessage());
        assertEquals(column, ex.column(), ex.getMessage());
        assertEquals(message, ex.problem());
        assertEquals("trace.txt: line 3, column " + column + ": " + message, ex.getMessage());
    }

    @Test
    void badArgumentsAreRejected()
    {
        final List<FiveTupleRule> none = List.of();
        assertThrows(IllegalArgumentException.class, () -> ClassBenchTraces.generate(none, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> ClassBenchTraces.generate(none, 1, 1, 1.5, 1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> ClassBenchTraces.generate(none, 1, 1, 0.1, 0, 0.1));
        assertNotEquals(0, ClassBenchTraces.generate(none, 1, 1).size());
    }

    static Trace read(final String text) throws IOException
    {
        return ClassBenchTraces.read("trace.txt", new BufferedReader(new StringReader(text)));
    }

    static long mapped(final int address)
    {
        return dev.palisade.enforcement.packet.PacketMeta.IPV4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL);
    }
}
