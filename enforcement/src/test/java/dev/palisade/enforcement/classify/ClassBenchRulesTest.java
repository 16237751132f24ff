package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.capture.SharedTestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ClassBench rule reader on the real rule sets, on each kind of malformed line, and its writer. */
class ClassBenchRulesTest
{
    static final String CLASSBENCH = "classbench";
    static final String[] RULE_SETS = {
        "neurocuts_acl1_1k", "neurocuts_acl1_10k", "neurocuts_fw1_1k", "neurocuts_fw1_10k",
        "neurocuts_ipc1_1k", "neurocuts_ipc1_10k"};

    /** An independent reading of one line, by regular expression, to hold the parser to. */
    private static final Pattern LINE = Pattern.compile(
        "@(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/(\\d+)\\s+(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/(\\d+)\\s+(\\d+) : (\\d+)\\s+" +
        "(\\d+) : (\\d+)\\s+0x(\\p{XDigit}{2})/0x(\\p{XDigit}{2})\\s+0x\\p{XDigit}{4}/0x\\p{XDigit}{4}\\s*");

    static String[] ruleSets()
    {
        return RULE_SETS;
    }

    static Path ruleFile(final String name)
    {
        final Path file = SharedTestData.require(CLASSBENCH).resolve(name);
        assertTrue(Files.isRegularFile(file), () -> file + " is missing from the shared data folder");
        return file;
    }

    @ParameterizedTest
    @MethodSource("ruleSets")
    void readsEveryLineOfTheRealRuleSets(final String name) throws IOException
    {
        final Path file = ruleFile(name);
        final List<String> lines = Files.readAllLines(file).stream().filter((line) -> !line.isBlank()).toList();
        final List<FiveTupleRule> rules = ClassBenchRules.read(file);
        assertEquals(lines.size(), rules.size(), "one rule per non-blank line");

        for (final int i : new int[] {0, 1, lines.size() / 3, lines.size() / 2, lines.size() - 2, lines.size() - 1})
        {
            final Matcher m = LINE.matcher(lines.get(i));
            assertTrue(m.matches(), () -> "test's own pattern reads line " + lines.get(i));
            final FiveTupleRule rule = rules.get(i);
            final String where = name + " rule " + i + ": " + lines.get(i);
            final int srcLength = Integer.parseInt(m.group(5));
            final int dstLength = Integer.parseInt(m.group(10));
            assertEquals(FiveTupleRule.IPV4_PREFIX_BASE + srcLength, rule.srcPrefix(), where);
            assertEquals(FiveTupleRule.IPV4_PREFIX_BASE + dstLength, rule.dstPrefix(), where);
            assertEquals(quad(m, 1) & prefixMask(srcLength), rule.srcLo() & 0xFFFF_FFFFL, where);
            assertEquals(quad(m, 6) & prefixMask(dstLength), rule.dstLo() & 0xFFFF_FFFFL, where);
            assertEquals(0, rule.srcHi(), where);
            assertEquals(0xFFFFL, rule.srcLo() >>> 32, where);
            assertEquals(Integer.parseInt(m.group(11)), rule.srcPortLo(), where);
            assertEquals(Integer.parseInt(m.group(12)), rule.srcPortHi(), where);
            assertEquals(Integer.parseInt(m.group(13)), rule.dstPortLo(), where);
            assertEquals(Integer.parseInt(m.group(14)), rule.dstPortHi(), where);
            final int mask = Integer.parseInt(m.group(16), 16);
            assertEquals(mask, rule.protocolMask(), where);
            assertEquals(Integer.parseInt(m.group(15), 16) & mask, rule.protocol(), where);
            assertTrue(rule.isIpv4(), where);
        }
    }

    @ParameterizedTest
    @MethodSource("ruleSets")
    void writtenRulesReadBackEqual(final String name) throws IOException
    {
        final List<FiveTupleRule> rules = ClassBenchRules.read(ruleFile(name));
        final StringWriter text = new StringWriter();
        ClassBenchRules.write(rules, text);
        assertEquals(rules, ClassBenchRules.read("written", new BufferedReader(new StringReader(text.toString()))));
    }

    @Test
    void spotChecksOfTheFirstAcl1Rule() throws IOException
    {
        // @186.11.101.36/32	20.69.109.43/32	0 : 65535	1521 : 1521	0x06/0xFF	0x1000/0x1000
        final FiveTupleRule first = ClassBenchRules.read(ruleFile("neurocuts_acl1_10k")).getFirst();
        assertEquals(FiveTupleRule.ipv4(0xBA0B6524L, 32, 0x14456D2BL, 32, 0, 65535, 1521, 1521, 6, 0xFF), first);
        assertEquals("@186.11.101.36/32\t20.69.109.43/32\t0 : 65535\t1521 : 1521\t0x06/0xFF\t0x0000/0x0000",
            ClassBenchRules.format(first));
    }

    @Test
    void skipsBlankLinesAndAcceptsCrLfAndMissingFlags() throws IOException
    {
        final String text = "\n  \t\n@10.0.0.0/8 0.0.0.0/0 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000\r\n\r\n" +
            "@10.1.2.3/32\t192.168.0.0/16\t1024:65535\t53 : 53\t0x11/0xFF\n";
        final List<FiveTupleRule> rules = read(text);
        assertEquals(2, rules.size());
        assertEquals(FiveTupleRule.ipv4(0x0A000000L, 8, 0, 0, 0, 65535, 80, 80, 6, 0xFF), rules.get(0));
        assertEquals(FiveTupleRule.ipv4(0x0A010203L, 32, 0xC0A80000L, 16, 1024, 65535, 53, 53, 17, 0xFF), rules.get(1));
    }

    @Test
    void addressBitsBelowThePrefixAreIgnored() throws IOException
    {
        final FiveTupleRule rule = read("@10.1.2.3/8 5.6.7.8/0 0 : 65535 0 : 65535 0x00/0x00 0x0000/0x0000").getFirst();
        assertEquals(FiveTupleRule.ipv4(0x0A000000L, 8, 0, 0, 0, 65535, 0, 65535, 0, 0), rule);
    }

    /** Each line goes third in a file (after a good line and a blank one): the error names line 3 and the column. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        # what                    | line                                                                        | column | message
        no @                      | 1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000               | 1  | expected '@' at the start of a rule
        three octets              | @1.2.3/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000                | 7  | bad source address '1.2.3': expected a dotted quad a.b.c.d, each number 0..255
        octet over 255            | @1.2.300.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000            | 6  | bad source address '1.2.300.4': 300 is over 255
        letters in address        | @1.2.3.4/24 5.x.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000              | 15 | bad destination address '5.x.7.8': expected a dotted quad
        no prefix                 | @1.2.3.4 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000                 | 9  | expected '/' and a prefix length after the source address, found whitespace
        source prefix over 32     | @1.2.3.4/33 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000              | 10 | source prefix length 33 is over 32
        destination prefix over 32| @1.2.3.4/24 5.6.7.8/40 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000              | 21 | destination prefix length 40 is over 32
        junk after prefix         | @1.2.3.4/24x 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000             | 12 | unexpected 'x' right after the source prefix
        backwards source ports    | @1.2.3.4/24 5.6.7.8/16 900 : 80 80 : 80 0x06/0xFF 0x0000/0x0000               | 24 | source port range 900 : 80 is backwards
        backwards dest ports      | @1.2.3.4/24 5.6.7.8/16 0 : 65535 81 : 80 0x06/0xFF 0x0000/0x0000              | 34 | destination port range 81 : 80 is backwards
        port over 65535           | @1.2.3.4/24 5.6.7.8/16 0 : 65536 80 : 80 0x06/0xFF 0x0000/0x0000              | 28 | source port 65536 is over 65535
        no colon in range         | @1.2.3.4/24 5.6.7.8/16 0 - 65535 80 : 80 0x06/0xFF 0x0000/0x0000              | 26 | expected ':' between the two ends of the source port range
        missing port range        | @1.2.3.4/24 5.6.7.8/16 0 : 65535                                              | 33 | missing field: expected the destination port range
        missing protocol          | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80                                      | 41 | missing field: expected the protocol
        protocol not hex          | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 6/0xFF 0x0000/0x0000                 | 42 | expected protocol as 0x followed by hex digits, found '6/0xFF'
        protocol over 0xFF        | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x106/0xFF 0x0000/0x0000             | 42 | protocol 0x106 is over 0xFF
        no protocol mask          | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06 0x0000/0x0000                   | 46 | expected '/' and a mask after the protocol
        bad flags                 | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF flags                      | 52 | expected flags as 0x followed by hex digits, found 'flags'
        unknown trailing token    | @1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000 extra        | 66 | unexpected 'extra' after the flags field
        """)
    void eachMalformedLineNamesItsPosition(
        final String what, final String line, final int column, final String message)
    {
        final String text = "@1.2.3.4/24 5.6.7.8/16 0 : 65535 80 : 80 0x06/0xFF 0x0000/0x0000\n\n" + line + "\n";
        final ClassBenchFormatException ex = assertThrows(ClassBenchFormatException.class, () -> read(text), what);
        assertEquals(3, ex.line(), ex.getMessage());
        assertEquals(column, ex.column(), ex.getMessage());
        assertTrue(ex.problem().startsWith(message), () -> "'" + ex.problem() + "' starts with '" + message + "'");
        assertTrue(ex.getMessage().startsWith("rules.txt: line 3, column " + column + ": "), ex.getMessage());
    }

    @Test
    void ipv6RulesHaveNoClassBenchForm()
    {
        final FiveTupleRule v6 = new FiveTupleRule(0x2001_0db8_0000_0000L, 0, 32, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> ClassBenchRules.format(v6));
    }

    static List<FiveTupleRule> read(final String text) throws IOException
    {
        return ClassBenchRules.read("rules.txt", new BufferedReader(new StringReader(text)));
    }

    private static long quad(final Matcher m, final int firstGroup)
    {
        long address = 0;
        for (int i = 0; i < 4; i++)
        {
            address = address << 8 | Integer.parseInt(m.group(firstGroup + i));
        }
        return address;
    }

    private static long prefixMask(final int length)
    {
        return length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
    }
}
