package dev.palisade.cli;

import dev.palisade.enforcement.classify.ClassBenchRules;
import dev.palisade.enforcement.classify.ClassBenchTraces;
import dev.palisade.enforcement.classify.ClassBenchTraces.Trace;
import dev.palisade.enforcement.classify.Classifiers;
import dev.palisade.enforcement.classify.FiveTupleClassifier;
import dev.palisade.enforcement.classify.FiveTupleRule;
import dev.palisade.enforcement.classify.LinearClassifier;
import dev.palisade.enforcement.classify.TupleMergeClassifier;
import dev.palisade.policy.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code palisade classbench}: first-match classification of a ClassBench trace, with its answers and rate. */
@Command(
    name = "classbench",
    description = {
        "Classify a ClassBench trace against a ClassBench rule set; write the answers and measure the rate.",
        "",
        "Rules are read from a ClassBench filter set (@src/len dst/len splo : sphi dplo : dphi proto/mask flags/mask), " +
            "highest priority first. The trace has one header a line: src dst sport dport proto, unsigned decimal; " +
            "further columns are ignored.",
        "",
        "The trace is generated when --trace names a file that does not exist (" +
            ClassbenchCommand.DEFAULT_GENERATED_PACKETS_TEXT + " packets), or always with --generate N, which replaces " +
            "the file: headers drawn inside randomly chosen rules with ClassBench's Pareto repeats, plus 5%% uniformly " +
            "random ones, the same for the same --seed. An existing trace is read as it is; --seed alone does not " +
            "regenerate it.",
        "",
        "--out gets one line per packet: the 0-based index of the first matching rule, or -1. The rate is " +
            "measured on one core over the preloaded trace after a warm-up; the best of --rounds rounds is reported.",
        "",
        "Examples:",
        "  palisade classbench --rules acl1_10k --trace acl1.txt --generate 100000 --out answers.txt --json",
        "  palisade classbench --rules acl1_10k --trace acl1.txt --out answers.txt --verify"},
    sortOptions = false)
public final class ClassbenchCommand implements Callable<Integer>
{
    static final int DEFAULT_GENERATED_PACKETS = 100_000;
    static final String DEFAULT_GENERATED_PACKETS_TEXT = "100,000";
    static final int MAX_GENERATED_PACKETS = 20_000_000;
    static final long WARMUP_NS = 500_000_000L;
    /** A round repeats the trace until it has run this long, so a short trace still gives a steady figure. */
    static final long MIN_ROUND_NS = 100_000_000L;
    private static final long PROGRESS_INTERVAL_NS = 1_000_000_000L;

    /** Which classifier answers. */
    enum Kind
    {
        FAST, TUPLEMERGE, LINEAR;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rules", required = true, paramLabel = "FILE", description = "ClassBench rule set.")
    Path rules;

    @Option(names = "--trace", required = true, paramLabel = "FILE",
        description = "Header trace to classify; generated here when the file does not exist.")
    Path trace;

    @Option(names = "--generate", paramLabel = "N",
        description = "Generate N packets into --trace even if it exists (default when --trace does not exist: " +
            DEFAULT_GENERATED_PACKETS_TEXT + ").")
    Integer generate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
        description = "Seed of a generated trace (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE",
        description = "Where to write one answer per packet: first matching rule index, or -1 (replaced if it exists).")
    Path out;

    @Option(names = "--classifier", paramLabel = "fast|tuplemerge|linear", defaultValue = "fast",
        description = "fast: the data plane's classifier (separable cut trees); tuplemerge: our TupleMerge-style " +
            "tuple space, for comparison with the published baseline; linear: the reference scan " +
            "(default: ${DEFAULT-VALUE}).")
    Kind classifier;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
        description = "Measured rounds after the warm-up; the best is reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--verify", description = "Also classify with the linear reference; exit 1 if any answer differs.")
    boolean verify;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    private final Function<List<FiveTupleRule>, FiveTupleClassifier> fastBuilder;
    /** Keeps the measured loop's result alive so the JIT cannot drop the lookups. */
    private volatile long sink;

    public ClassbenchCommand()
    {
        this(Classifiers::build);
    }

    /** For tests: {@code fastBuilder} stands in for {@link Classifiers#build}. */
    ClassbenchCommand(final Function<List<FiveTupleRule>, FiveTupleClassifier> fastBuilder)
    {
        this.fastBuilder = fastBuilder;
    }

    @Override
    public Integer call() throws Exception
    {
        validate();
        final PrintWriter err = spec.commandLine().getErr();

        final List<FiveTupleRule> ruleList = ClassBenchRules.read(rules);
        progress(err, "read %s rules from %s", Output.count(ruleList.size()), rules);

        final long buildStartNs = System.nanoTime();
        final FiveTupleClassifier built = switch (classifier)
        {
            case FAST -> fastBuilder.apply(ruleList);
            case TUPLEMERGE -> TupleMergeClassifier.build(ruleList);
            case LINEAR -> new LinearClassifier(ruleList);
        };
        final double buildMs = (System.nanoTime() - buildStartNs) / 1e6;
        progress(err, "built the %s classifier in %.1f ms", classifier.label(), buildMs);

        final boolean generated = generate != null || !Files.exists(trace);
        final Trace headers;
        if (generated)
        {
            final int packets = generate != null ? generate : DEFAULT_GENERATED_PACKETS;
            progress(err, "generating %s packets (seed %d) into %s…", Output.count(packets), seed, trace);
            headers = ClassBenchTraces.generate(ruleList, packets, seed);
            ClassBenchTraces.write(headers, trace);
        }
        else
        {
            headers = ClassBenchTraces.read(trace);
            progress(err, "read %s packets from %s%s", Output.count(headers.size()), trace,
                spec.commandLine().getParseResult().hasMatchedOption("--seed") ?
                    " (--seed ignored: the trace exists; add --generate N to replace it)" : "");
        }

        final int[] answers = classifyAll(built, headers, err, classifier.label());
        writeAnswers(answers, out);
        int matched = 0;
        for (final int answer : answers)
        {
            matched += answer != FiveTupleClassifier.NO_MATCH ? 1 : 0;
        }

        long mismatches = 0;
        int firstMismatch = -1;
        int expectedAtFirst = 0;
        if (verify)
        {
            final int[] expected = classifier == Kind.LINEAR ? answers :
                classifyAll(new LinearClassifier(ruleList), headers, err, "linear");
            for (int i = 0; i < answers.length; i++)
            {
                if (answers[i] != expected[i])
                {
                    if (mismatches++ == 0)
                    {
                        firstMismatch = i;
                        expectedAtFirst = expected[i];
                    }
                }
            }
            if (mismatches > 0)
            {
                err.printf(Locale.ROOT, "classbench: packet %d (line %d of --out: %s) differs: %s says %s, linear " +
                    "says %s (%s of %s packets differ)%n", firstMismatch, firstMismatch + 1,
                    describe(headers, firstMismatch), classifier.label(), answerText(answers[firstMismatch]),
                    answerText(expectedAtFirst),
                    Output.count(mismatches), Output.count(answers.length));
                err.flush();
            }
        }

        // A wrong classifier's speed is beside the point: measure only what passed.
        final double bestPps = mismatches == 0 ? measure(built, headers, err) : Double.NaN;

        final PrintWriter stdout = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("rules", ruleList.size());
            m.put("packets", headers.size());
            m.put("classifier", classifier.label());
            m.put("build_ms", Output.round(buildMs, 3));
            m.put("memory_bytes", built.memoryBytes());
            m.put("mpps", Double.isNaN(bestPps) ? null : Output.round(bestPps / 1e6, 3));
            m.put("matched", matched);
            m.put("rounds", rounds);
            m.put("rules_file", rules.toString());
            m.put("trace_file", trace.toString());
            m.put("trace_generated", generated);
            m.put("out", out.toString());
            if (verify)
            {
                m.put("verified", mismatches == 0);
                m.put("mismatches", mismatches);
            }
            stdout.println(Json.write(m));
        }
        else
        {
            stdout.println("ClassBench " + rules.getFileName() + ": " + Output.count(ruleList.size()) + " rules, " +
                Output.count(headers.size()) + " packets" + (generated ? " (generated, seed " + seed + ")" : "") +
                ", " + classifier.label() + " classifier");
            Output.row(stdout, "build", String.format(Locale.ROOT, "%.1f ms", buildMs));
            Output.row(stdout, "memory", Output.bytes(built.memoryBytes()));
            Output.row(stdout, "matched", Output.count(matched) + " of " + Output.count(headers.size()) + " packets");
            if (verify)
            {
                Output.row(stdout, "verify", mismatches == 0 ? "agrees with the linear reference" :
                    Output.count(mismatches) + " packets differ from the linear reference");
            }
            Output.row(stdout, "lookup rate", Double.isNaN(bestPps) ? "not measured" :
                String.format(Locale.ROOT, "%.2f Mpps (%.1f ns/packet), best of %d rounds on one core",
                    bestPps / 1e6, 1e9 / bestPps, rounds));
            Output.row(stdout, "answers", out.toString());
        }
        stdout.flush();
        return mismatches == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private void validate()
    {
        final CommandLine commandLine = spec.commandLine();
        if (rounds < 1 || rounds > 1000)
        {
            throw new CommandLine.ParameterException(commandLine, "--rounds must be 1..1000, was " + rounds);
        }
        if (generate != null && (generate < 1 || generate > MAX_GENERATED_PACKETS))
        {
            throw new CommandLine.ParameterException(commandLine, "--generate must be 1.." + MAX_GENERATED_PACKETS +
                " packets, was " + generate);
        }
        checkFolder(commandLine, "--out", out);
        checkFolder(commandLine, "--trace", trace);
        if (Files.isDirectory(out))
        {
            throw new CommandLine.ParameterException(commandLine, "--out: " + out + " is a folder; give a file name");
        }
        if (sameFile(out, trace))
        {
            throw new CommandLine.ParameterException(commandLine, "--out and --trace are the same file; " +
                "the answers would overwrite the trace");
        }
        if (sameFile(out, rules) || sameFile(trace, rules))
        {
            throw new CommandLine.ParameterException(commandLine, (sameFile(out, rules) ? "--out" : "--trace") +
                " and --rules are the same file; give the answers and the trace files of their own");
        }
    }

    private static boolean sameFile(final Path a, final Path b)
    {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static void checkFolder(final CommandLine commandLine, final String option, final Path file)
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw new CommandLine.ParameterException(commandLine, option + ": folder " + parent + " does not exist");
        }
    }

    /** Classifies every packet once, with progress lines for long runs (the linear reference on a big trace). */
    private int[] classifyAll(final FiveTupleClassifier c, final Trace t, final PrintWriter err, final String name)
    {
        final int n = t.size();
        final int[] answers = new int[n];
        final long startNs = System.nanoTime();
        long lastReportNs = startNs;
        final int chunk = 1 << 14;
        for (int from = 0; from < n; from += chunk)
        {
            final int to = Math.min(n, from + chunk);
            for (int i = from; i < to; i++)
            {
                answers[i] = c.classifyIpv4(t.src[i], t.dst[i], t.srcPort[i], t.dstPort[i], t.protocol[i]);
            }
            final long now = System.nanoTime();
            if (now - lastReportNs >= PROGRESS_INTERVAL_NS && to < n)
            {
                lastReportNs = now;
                progress(err, "classifying with %s: %3.0f%%  %s of %s packets", name, 100.0 * to / n,
                    Output.count(to), Output.count(n));
            }
        }
        return answers;
    }

    /** @return the best rate of {@link #rounds} rounds, in packets per second, after a warm-up. */
    private double measure(final FiveTupleClassifier c, final Trace t, final PrintWriter err)
    {
        if (t.size() == 0)
        {
            return 0;
        }
        progress(err, "warming up…");
        final long warmupStartNs = System.nanoTime();
        do
        {
            sink += lookupPass(c, t);
        }
        while (System.nanoTime() - warmupStartNs < WARMUP_NS);
        double best = 0;
        for (int round = 1; round <= rounds; round++)
        {
            long passes = 0;
            final long startNs = System.nanoTime();
            long elapsedNs;
            do
            {
                sink += lookupPass(c, t);
                passes++;
                elapsedNs = System.nanoTime() - startNs;
            }
            while (elapsedNs < MIN_ROUND_NS);
            final double pps = passes * t.size() * 1e9 / elapsedNs;
            best = Math.max(best, pps);
            progress(err, "round %d of %d: %.2f Mpps", round, rounds, pps / 1e6);
        }
        return best;
    }

    /** One pass over the trace: the measured loop, nothing in it but the lookups. */
    static long lookupPass(final FiveTupleClassifier c, final Trace t)
    {
        final int[] src = t.src;
        final int[] dst = t.dst;
        final int[] srcPort = t.srcPort;
        final int[] dstPort = t.dstPort;
        final int[] protocol = t.protocol;
        long sum = 0;
        for (int i = 0; i < src.length; i++)
        {
            sum += c.classifyIpv4(src[i], dst[i], srcPort[i], dstPort[i], protocol[i]);
        }
        return sum;
    }

    /** Writes one decimal answer a line, formatting digits into a buffer rather than through strings. */
    static void writeAnswers(final int[] answers, final Path file) throws IOException
    {
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))
        {
            final byte[] buffer = new byte[1 << 16];
            int length = 0;
            for (final int answer : answers)
            {
                if (length > buffer.length - 16)
                {
                    stream.write(buffer, 0, length);
                    length = 0;
                }
                int value = answer;
                if (value < 0)
                {
                    buffer[length++] = '-';
                    value = -value;
                }
                final int start = length;
                do
                {
                    buffer[length++] = (byte)('0' + value % 10);
                    value /= 10;
                }
                while (value != 0);
                for (int i = start, j = length - 1; i < j; i++, j--)
                {
                    final byte b = buffer[i];
                    buffer[i] = buffer[j];
                    buffer[j] = b;
                }
                buffer[length++] = '\n';
            }
            stream.write(buffer, 0, length);
        }
    }

    private static String describe(final Trace t, final int i)
    {
        return ClassBenchRules.dottedQuad(t.src[i]) + " -> " + ClassBenchRules.dottedQuad(t.dst[i]) + " sport " +
            t.srcPort[i] + " dport " + t.dstPort[i] + " proto " + t.protocol[i];
    }

    private static String answerText(final int answer)
    {
        return answer == FiveTupleClassifier.NO_MATCH ? "no match (-1)" : "rule " + answer;
    }

    private void progress(final PrintWriter err, final String format, final Object... args)
    {
        if (!quiet)
        {
            err.printf(Locale.ROOT, "classbench: " + format + "%n", args);
            err.flush();
        }
    }
}
