package dev.palisade.cli;

import dev.palisade.enforcement.classify.ClassBenchRules;
import dev.palisade.enforcement.classify.ClassBenchTraces;
import dev.palisade.enforcement.classify.FiveTupleClassifier;
import dev.palisade.enforcement.classify.FiveTupleRule;
import dev.palisade.enforcement.classify.LinearClassifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code palisade classbench} in-process: answers, generated traces, JSON, verification and every kind of error. */
class ClassbenchCommandTest
{
    /** A small rule set with overlaps, port ranges, a protocol wildcard and no catch-all, so some packets miss. */
    private static final String RULES = """
        @10.1.0.0/16\t192.168.1.0/24\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000
        @10.1.2.0/24\t192.168.0.0/16\t1024 : 65535\t0 : 65535\t0x11/0xFF\t0x0000/0x0000
        @10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t443 : 443\t0x06/0xFF\t0x0000/0x0000
        @0.0.0.0/0\t192.168.1.7/32\t53 : 53\t0 : 65535\t0x00/0x00\t0x0000/0x0000
        @172.16.0.0/12\t10.0.0.0/8\t0 : 1023\t1000 : 2000\t0x11/0xFF\t0x1000/0x1000
        """;

    @TempDir
    Path dir;

    Path rules;

    @BeforeEach
    void writeRules() throws IOException
    {
        rules = dir.resolve("small.rules");
        Files.writeString(rules, RULES);
    }

    static CliTest.Run run(final String... args)
    {
        return CliTest.run(args);
    }

    static CliTest.Run run(final ClassbenchCommand command, final String... args)
    {
        final CommandLine commandLine = new CommandLine(command);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int code = commandLine.execute(args);
        return new CliTest.Run(code, out.toString(), err.toString());
    }

    @Test
    void helpDescribesTheOptions()
    {
        final CliTest.Run help = run("classbench", "--help");
        assertEquals(0, help.exitCode(), help.err());
        for (final String option : new String[] {"--rules", "--trace", "--generate", "--seed", "--out", "--classifier",
            "--rounds", "--verify", "--json", "does not exist"})
        {
            assertTrue(help.out().contains(option), option + " in " + help.out());
        }
        assertTrue(run("--help").out().contains("classbench"), "listed in the top-level help");
    }

    @Test
    void generatesAMissingTraceAndWritesTheLinearAnswers() throws IOException
    {
        final Path trace = dir.resolve("t.txt");
        final Path out = dir.resolve("answers.txt");
        final CliTest.Run run = run("classbench", "--rules", rules.toString(), "--trace", trace.toString(),
            "--generate", "3000", "--seed", "4", "--out", out.toString(), "--rounds", "1", "--json", "--verify");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("generating 3,000 packets (seed 4)"), run.err());

        final List<FiveTupleRule> ruleList = ClassBenchRules.read(rules);
        final ClassBenchTraces.Trace headers = ClassBenchTraces.read(trace);
        assertEquals(3000, headers.size());
        final List<String> answers = Files.readAllLines(out);
        assertEquals(3000, answers.size());
        final LinearClassifier linear = new LinearClassifier(ruleList);
        int matched = 0;
        for (int i = 0; i < headers.size(); i++)
        {
            final int expected = linear.classifyIpv4(headers.src[i], headers.dst[i], headers.srcPort[i],
                headers.dstPort[i], headers.protocol[i]);
            assertEquals(Integer.toString(expected), answers.get(i), "packet " + i + ": " + headers.line(i));
            matched += expected >= 0 ? 1 : 0;
        }
        assertTrue(matched > 0 && matched < 3000, "some match, some miss: " + matched);

        final String json = run.out().trim();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        for (final String key : new String[] {"\"rules\":5,", "\"packets\":3000,", "\"classifier\":\"fast\"",
            "\"matched\":" + matched + ",", "\"build_ms\":", "\"memory_bytes\":", "\"mpps\":", "\"verified\":true",
            "\"mismatches\":0", "\"trace_generated\":true"})
        {
            assertTrue(json.contains(key), key + " in " + json);
        }
        assertFalse(json.contains("\"mpps\":null"), json);
    }

    @Test
    void anExistingTraceIsReadAsItIsAndGenerateReplacesIt() throws IOException
    {
        final Path trace = dir.resolve("t.txt");
        final Path out = dir.resolve("a.txt");
        // 10.1.2.3 -> 192.168.1.9 80 tcp: rule 0; 10.1.2.3 -> 192.168.5.5 udp 2000 -> 9: rule 1; nothing: -1.
        Files.writeString(trace, "167838211 3232235785 5000 80 6 0\n167838211 3232236805 2000 9 17\n\n1 2 3 4 5\n");
        final CliTest.Run read = run("classbench", "--rules", rules.toString(), "--trace", trace.toString(),
            "--out", out.toString(), "--rounds", "1", "--seed", "9", "--classifier", "linear");
        assertEquals(0, read.exitCode(), read.err());
        assertEquals(List.of("0", "1", "-1"), Files.readAllLines(out));
        assertTrue(read.err().contains("--seed ignored: the trace exists"), read.err());
        assertTrue(read.out().contains("3 packets, linear classifier"), read.out());
        assertTrue(read.out().contains("Mpps"), read.out());

        final CliTest.Run regenerated = run("classbench", "--rules", rules.toString(), "--trace", trace.toString(),
            "--generate", "500", "--out", out.toString(), "--rounds", "1", "--quiet");
        assertEquals(0, regenerated.exitCode(), regenerated.err());
        assertEquals("", regenerated.err());
        assertEquals(500, ClassBenchTraces.read(trace).size());
        assertEquals(500, Files.readAllLines(out).size());
    }

    @Test
    void theSameSeedGivesTheSameTrace() throws IOException
    {
        final String[] seeds = {"7", "7", "8"};
        final String[] traces = new String[seeds.length];
        for (int i = 0; i < seeds.length; i++)
        {
            final Path trace = dir.resolve("t" + i + ".txt");
            final CliTest.Run run = run("classbench", "--rules", rules.toString(), "--trace", trace.toString(),
                "--out", dir.resolve("a" + i + ".txt").toString(), "--seed", seeds[i], "--rounds", "1", "--quiet");
            assertEquals(0, run.exitCode(), run.err());
            traces[i] = Files.readString(trace);
        }
        assertEquals(ClassbenchCommand.DEFAULT_GENERATED_PACKETS, traces[0].lines().count());
        assertEquals(traces[0], traces[1]);
        assertNotEquals(traces[0], traces[2]);
    }

    @Test
    void verifyFailsOnTheFirstDifferingPacket() throws IOException
    {
        final Path trace = dir.resolve("t.txt");
        Files.writeString(trace, "167838211 3232235785 5000 80 6\n167838211 3232236805 2000 9 17\n1 2 3 4 5\n");
        // A classifier that is wrong about UDP.
        final Function<List<FiveTupleRule>, FiveTupleClassifier> wrong = (ruleList) -> new FiveTupleClassifier()
        {
            final LinearClassifier linear = new LinearClassifier(ruleList);

            @Override
            public int classify(final long srcHi, final long srcLo, final long dstHi, final long dstLo,
                final int srcPort, final int dstPort, final int protocol)
            {
                return protocol == 17 ? NO_MATCH :
                    linear.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
            }

            @Override
            public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort,
                final int protocol)
            {
                return protocol == 17 ? NO_MATCH : linear.classifyIpv4(src, dst, srcPort, dstPort, protocol);
            }

            @Override
            public int ruleCount()
            {
                return linear.ruleCount();
            }

            @Override
            public long memoryBytes()
            {
                return 0;
            }
        };
        final CliTest.Run run = run(new ClassbenchCommand(wrong), "--rules", rules.toString(), "--trace",
            trace.toString(), "--out", dir.resolve("a.txt").toString(), "--verify", "--json");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("packet 1 (line 2 of --out: 10.1.2.3 -> 192.168.5.5 sport 2000 dport 9 proto 17)" +
            " differs: fast says no match (-1), linear says rule 1 (1 of 3 packets differ)"), run.err());
        assertTrue(run.out().contains("\"verified\":false"), run.out());
        assertTrue(run.out().contains("\"mismatches\":1"), run.out());
        assertTrue(run.out().contains("\"mpps\":null"), "a wrong classifier is not timed: " + run.out());
    }

    @Test
    void usageErrorsExitTwo()
    {
        final String r = rules.toString();
        final String t = dir.resolve("t.txt").toString();
        final String o = dir.resolve("o.txt").toString();
        assertUsage("--rules", "classbench", "--trace", t, "--out", o);
        assertUsage("--out", "classbench", "--rules", r, "--trace", t);
        assertUsage("--classifier", "classbench", "--rules", r, "--trace", t, "--out", o, "--classifier", "quick");
        assertUsage("--generate must be 1..20000000 packets, was 0", "classbench", "--rules", r, "--trace", t,
            "--out", o, "--generate", "0");
        assertUsage("--rounds must be 1..1000, was 0", "classbench", "--rules", r, "--trace", t, "--out", o,
            "--rounds", "0");
        assertUsage("--out: folder", "classbench", "--rules", r, "--trace", t, "--out",
            dir.resolve("no/such/o.txt").toString());
        assertUsage("--out and --trace are the same file", "classbench", "--rules", r, "--trace", t, "--out", t);
        assertUsage("--out and --rules are the same file", "classbench", "--rules", r, "--trace", t, "--out", r);
        assertUsage("--trace and --rules are the same file", "classbench", "--rules", r, "--trace", r, "--out", o);
        assertUsage("--bogus", "classbench", "--rules", r, "--trace", t, "--out", o, "--bogus");
    }

    @Test
    void badFilesAreOneLineNamingFileLineAndColumn() throws IOException
    {
        final Path badRules = dir.resolve("bad.rules");
        Files.writeString(badRules, RULES.lines().findFirst().orElseThrow() + "\n\n@1.2.3.4/33\t5.6.7.8/16\t0 : 1\t2 : 3\t0x06/0xFF\n");
        final CliTest.Run rulesRun = run("classbench", "--rules", badRules.toString(), "--trace",
            dir.resolve("t.txt").toString(), "--out", dir.resolve("o.txt").toString());
        assertEquals(3, rulesRun.exitCode());
        assertTrue(rulesRun.err().contains("bad.rules: line 3, column 10: source prefix length 33 is over 32"),
            rulesRun.err());
        assertFalse(rulesRun.err().contains("at dev.palisade"), "no stack trace without -v: " + rulesRun.err());

        final Path badTrace = dir.resolve("bad.trace");
        Files.writeString(badTrace, "1 2 3 4 6\n1 2 3 70000 6\n");
        final CliTest.Run traceRun = run("classbench", "--rules", rules.toString(), "--trace", badTrace.toString(),
            "--out", dir.resolve("o.txt").toString());
        assertEquals(3, traceRun.exitCode());
        assertTrue(traceRun.err().contains("bad.trace: line 2, column 7: destination port 70000 is over 65535"),
            traceRun.err());

        final CliTest.Run missing = run("classbench", "--rules", dir.resolve("absent.rules").toString(), "--trace",
            dir.resolve("t.txt").toString(), "--out", dir.resolve("o.txt").toString());
        assertEquals(3, missing.exitCode());
        assertTrue(missing.err().contains("absent.rules: no such file"), missing.err());
    }

    @Test
    void aRealRuleSetAgreesWithTheReference() throws IOException
    {
        final Path ruleSet = sharedRuleSet("neurocuts_acl1_1k");
        final CliTest.Run run = run("classbench", "--rules", ruleSet.toString(), "--trace",
            dir.resolve("t.txt").toString(), "--generate", "20000", "--out", dir.resolve("o.txt").toString(),
            "--rounds", "1", "--verify", "--json", "--quiet");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("\"rules\":942,"), run.out());
        assertTrue(run.out().contains("\"verified\":true"), run.out());
    }

    @Test
    void answersAreWrittenAsDecimalLines() throws IOException
    {
        final Path out = dir.resolve("answers.txt");
        final int[] answers = {0, -1, 7, 10, 123_456_789, Integer.MAX_VALUE, -1, 99};
        ClassbenchCommand.writeAnswers(answers, out);
        assertEquals(List.of("0", "-1", "7", "10", "123456789", "2147483647", "-1", "99"), Files.readAllLines(out));

        final int[] many = new int[100_000];
        for (int i = 0; i < many.length; i++)
        {
            many[i] = i % 7 == 0 ? -1 : i * 31;
        }
        ClassbenchCommand.writeAnswers(many, out);
        final List<String> lines = Files.readAllLines(out);
        assertEquals(many.length, lines.size());
        for (int i = 0; i < many.length; i++)
        {
            assertEquals(Integer.toString(many[i]), lines.get(i));
        }
    }

    private static void assertUsage(final String message, final String... args)
    {
        final CliTest.Run run = run(args);
        assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
        assertTrue(run.err().contains(message), message + " in " + run.err());
    }

    /** A rule set from ../shared/data/classbench above the working directory; skips when the folder is absent. */
    private static Path sharedRuleSet(final String name)
    {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null)
        {
            final Path candidate = directory.resolve("shared/data/classbench").resolve(name);
            if (Files.isRegularFile(candidate))
            {
                return candidate;
            }
            directory = directory.getParent();
        }
        assumeTrue(false, "shared/data/classbench/" + name + " not found above " + Path.of("").toAbsolutePath() +
            " (see shared/data/README.md): skipping");
        return null;
    }
}
