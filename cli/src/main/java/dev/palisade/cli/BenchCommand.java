package dev.palisade.cli;

import dev.palisade.benchmarks.FastPathScenario;
import dev.palisade.benchmarks.NewConnectionScenario;
import dev.palisade.benchmarks.Measurement;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.engine.InspectionCounters;
import dev.palisade.dpi.engine.Inspector;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.PacketBatch;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade bench}: the measured figures, reproducibly. */
@Command(
    name = "bench",
    description = {
        "Measure the data plane's and the verifier's speed.",
        "",
        "Each scenario warms up, then reports the median, best and worst of several rounds. Figures depend on the " +
            "machine; run on an otherwise idle one."},
    subcommands = {
        BenchCommand.FastPath.class,
        BenchCommand.NewConnections.class,
        BenchCommand.Replay.class,
        AttestBench.class,
        ReleaseBench.class,
        ApiBench.class,
        AgentBench.class,
        BenchCommand.Jmh.class})
public final class BenchCommand implements Runnable
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Object> rates(final Measurement m, final double scale)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("median", Output.round(m.median() / scale, 3));
        r.put("best", Output.round(m.best() / scale, 3));
        r.put("worst", Output.round(m.worst() / scale, 3));
        r.put("rounds", m.rounds());
        return r;
    }

    @Command(
        name = "fastpath",
        description = {
            "Per-core rate of the fast path: established flows, 64-byte frames.",
            "",
            "Frames are preloaded in memory; one worker on one core parses each, looks its flow up in connection " +
                "tracking and updates counters. Flows are visited in random order so lookups miss the caches.",
            "",
            "Example: palisade bench fastpath --flows 1000000 --json"},
        sortOptions = false)
    static final class FastPath implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--flows", paramLabel = "N", defaultValue = "1000000", description = "Established flows (default: ${DEFAULT-VALUE}).")
        int flows;

        @Option(names = "--firewall", description = "Enforce the policy of 'bench newconn' (64 applications): each " +
            "flow is decided at its first packet, then every packet checks the verdict in its conntrack entry.")
        boolean withFirewall;

        @Option(names = "--packets", paramLabel = "N", defaultValue = "0",
            description = "Preloaded frames (default: twice the flows, at least 1M).")
        int packets;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "10", description = "Measured passes (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Unmeasured passes first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--batch", paramLabel = "N", defaultValue = "" + PacketBatch.DEFAULT_CAPACITY,
            description = "Packets per batch (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            if (flows < 1 || flows > 7_000_000)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--flows must be 1..7000000, was " + flows);
            }
            final int frames = packets > 0 ? packets : Math.max(2 * flows, 1 << 20);
            if (frames < flows)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--packets must be at least --flows");
            }
            final PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "bench fastpath: preparing %s flows, %s frames…%n", Output.count(flows), Output.count(frames));
            err.flush();
            final Firewall firewall = withFirewall ? new Firewall(NewConnectionScenario.compile(64), List.of(),
                Firewall.EstablishedFlows.RECHECK) : null;
            try (FastPathScenario scenario = new FastPathScenario(flows, frames, batch, 42, firewall))
            {
                scenario.establish();
                for (int i = 0; i < warmup; i++)
                {
                    scenario.runPass();
                }
                final double[] rates = new double[rounds];
                for (int i = 0; i < rounds; i++)
                {
                    final long start = System.nanoTime();
                    final long n = scenario.runPass();
                    rates[i] = n * 1e9 / (System.nanoTime() - start);
                }
                final Measurement m = Measurement.of(rates);
                final long flowCount = scenario.worker().flows().size();
                final PrintWriter out = spec.commandLine().getOut();
                if (json)
                {
                    final Map<String, Object> r = new LinkedHashMap<>();
                    r.put("scenario", "fastpath");
                    r.put("firewall", withFirewall);
                    r.put("flows", flowCount);
                    r.put("frames", frames);
                    r.put("frame_bytes", FastPathScenario.WIRE_LENGTH);
                    r.put("batch", batch);
                    r.put("bounds_checks", UnsafeBuffer.SHOULD_BOUNDS_CHECK);
                    r.put("mpps", rates(m, 1e6));
                    r.put("ns_per_packet", Output.round(1e9 / m.median(), 2));
                    r.put("java", Runtime.version().toString());
                    out.println(Json.write(r));
                }
                else
                {
                    out.println("Fast path: " + Output.count(flowCount) + " established flows, 64-byte frames, one worker" +
                        (withFirewall ? ", firewall on" : ""));
                    Output.row(out, "median", String.format(Locale.ROOT, "%.2f Mpps  (%.1f ns/packet)", m.median() / 1e6,
                        1e9 / m.median()));
                    Output.row(out, "best / worst", String.format(Locale.ROOT, "%.2f / %.2f Mpps", m.best() / 1e6,
                        m.worst() / 1e6));
                    Output.row(out, "bounds checks", UnsafeBuffer.SHOULD_BOUNDS_CHECK ? "on" : "off");
                }
                out.flush();
            }
            return Main.EXIT_OK;
        }
    }

    @Command(
        name = "newconn",
        description = {
            "Per-core rate of new connections through the whole pipeline: SYN, classify, conntrack insert.",
            "",
            "Every preloaded frame (64 bytes) is the SYN of a flow not seen before: it is parsed, misses in " +
                "connection tracking, is decided once by the firewall against a generated policy (APPS applications " +
                "of 16 workloads, a dozen egress rules each, east-west rules, zone isolation, default deny), and " +
                "inserted with its verdict. Each round starts on an empty table. --apps 0 measures conntrack " +
                "inserts without a firewall, for comparison.",
            "",
            "Example: palisade bench newconn --connections 1000000 --json"},
        sortOptions = false)
    static final class NewConnections implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--connections", paramLabel = "N", defaultValue = "1000000",
            description = "New connections per round (default: ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--apps", paramLabel = "N", defaultValue = "64",
            description = "Applications in the generated policy, 0..255; 0 for no firewall (default: ${DEFAULT-VALUE}).")
        int apps;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "7", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--batch", paramLabel = "N", defaultValue = "" + PacketBatch.DEFAULT_CAPACITY,
            description = "Packets per batch (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            if (connections < 1 || connections > 7_000_000)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--connections must be 1..7000000, was " + connections);
            }
            if (apps < 0 || apps > 255)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--apps must be 0..255, was " + apps);
            }
            if (rounds < 1 || warmup < 0 || batch < 1 || batch > 4096)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rounds must be >= 1, --warmup >= 0, --batch 1..4096");
            }
            final PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "bench newconn: preparing %s SYNs and a policy of %d applications…%n",
                Output.count(connections), apps);
            err.flush();
            try (NewConnectionScenario scenario = new NewConnectionScenario(connections, apps, batch, 42))
            {
                for (int i = 0; i < warmup; i++)
                {
                    scenario.prepareRound();
                    scenario.runRound();
                }
                final double[] rates = new double[rounds];
                for (int i = 0; i < rounds; i++)
                {
                    scenario.prepareRound();
                    final long start = System.nanoTime();
                    final long n = scenario.runRound();
                    rates[i] = n * 1e9 / (System.nanoTime() - start);
                    err.printf(Locale.ROOT, "bench newconn: round %d/%d  %s%n", i + 1, rounds,
                        Output.rate(rates[i], "conn/s"));
                    err.flush();
                }
                final Measurement m = Measurement.of(rates);
                final PrintWriter out = spec.commandLine().getOut();
                final long created = scenario.lastCounter(Counter.FLOWS_CREATED);
                final long allowed = scenario.lastCounter(Counter.FLOWS_ALLOWED);
                final long denied = scenario.lastCounter(Counter.FLOWS_DENIED);
                final var program = scenario.firewall() == null ? null : scenario.firewall().program();
                if (json)
                {
                    final Map<String, Object> r = new LinkedHashMap<>();
                    r.put("scenario", "newconn");
                    r.put("connections", connections);
                    r.put("flows_created", created);
                    r.put("firewall", program != null);
                    if (program != null)
                    {
                        r.put("policy_rules", program.policy().rules().size());
                        r.put("classifier_rules", program.classifierRules());
                        r.put("build_ms", Output.round(program.buildNs() / 1e6, 3));
                        r.put("memory_bytes", program.memoryBytes());
                        r.put("flows_allowed", allowed);
                        r.put("flows_denied", denied);
                    }
                    r.put("batch", batch);
                    r.put("mcps", rates(m, 1e6));
                    r.put("ns_per_connection", Output.round(1e9 / m.median(), 2));
                    r.put("java", Runtime.version().toString());
                    out.println(Json.write(r));
                }
                else
                {
                    out.println("New connections: " + Output.count(connections) + " SYNs per round, one worker, " +
                        (program == null ? "no firewall" : program.policy().rules().size() + " policy rules (" +
                        program.classifierRules() + " classifier rules)"));
                    Output.row(out, "median", String.format(Locale.ROOT, "%.2f M conn/s  (%.1f ns/connection)",
                        m.median() / 1e6, 1e9 / m.median()));
                    Output.row(out, "best / worst", String.format(Locale.ROOT, "%.2f / %.2f M conn/s", m.best() / 1e6,
                        m.worst() / 1e6));
                    if (program != null)
                    {
                        Output.row(out, "allowed / denied", Output.count(allowed) + " / " + Output.count(denied));
                    }
                }
                out.flush();
            }
            return Main.EXIT_OK;
        }
    }

    @Command(
        name = "replay",
        description = {
            "Rate of replaying a capture through the full pipeline.",
            "",
            "Reads, parses and tracks every packet, several times; the first rounds warm up and bring the file into " +
                "the page cache, so this measures the pipeline, not the disk.",
            "",
            "Example: palisade bench replay --pcap merged.pcap --workers 1 --json"},
        sortOptions = false)
    static final class Replay implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--pcap", required = true, paramLabel = "FILE", description = "Capture to replay.")
        Path pcap;

        @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Workers (default: ${DEFAULT-VALUE}).")
        int workers;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "10", description = "Measured replays (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Unmeasured replays first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--flows-capacity", paramLabel = "N", defaultValue = "262144",
            description = "Flow-table capacity per worker (default: ${DEFAULT-VALUE}).")
        int flowsCapacity;

        @Option(names = "--policy", paramLabel = "FILE",
            description = "Enforce this policy, as 'palisade replay --policy' does (a new firewall each replay).")
        Path policyFile;

        @Option(names = "--rules", paramLabel = "FILE", split = ",",
            description = "Inspect with these Suricata or Snort 3 rule files, as 'palisade replay --rules' does " +
                "(compiled once; inline mode).")
        List<Path> ruleFiles = new ArrayList<>();

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final DataPlaneConfig config = DataPlaneConfig.defaults()
                .withConntrack(ConntrackConfig.defaults().withCapacityFlows(flowsCapacity));
            final ReplayEngine engine = new ReplayEngine(config, workers);
            final RuleFiles.Report report = ruleFiles.isEmpty() ? null :
                RuleFiles.load(ruleFiles, RuleVariables.defaults());
            final DpiEngine dpi = report == null ? null : new DpiEngine(DpiConfig.defaults(), report.loaded());
            final long[] alerts = new long[1];
            if (dpi != null)
            {
                engine.inspection(dpi, alert ->
                {
                    synchronized (alerts)
                    {
                        alerts[0]++;
                    }
                });
            }
            final CompiledPolicy policy = policyFile == null ? null :
                PolicyCompiler.compile(PolicyParser.parse(policyFile));
            ReplaySummary last = null;
            for (int i = 0; i < warmup; i++)
            {
                if (policy != null)
                {
                    engine.firewall(new Firewall(policy, List.of(), Firewall.EstablishedFlows.RECHECK),
                        EventSink.NONE);
                }
                last = engine.replay(pcap);
            }
            final double[] pps = new double[rounds];
            final double[] bps = new double[rounds];
            for (int i = 0; i < rounds; i++)
            {
                if (policy != null)
                {
                    engine.firewall(new Firewall(policy, List.of(), Firewall.EstablishedFlows.RECHECK),
                        EventSink.NONE);
                }
                last = engine.replay(pcap);
                pps[i] = last.packetsPerSecond();
                bps[i] = last.gigabitsPerSecond() * 1e9;
            }
            final Measurement packetRate = Measurement.of(pps);
            final Measurement bitRate = Measurement.of(bps);
            final PrintWriter out = spec.commandLine().getOut();
            if (json)
            {
                final Map<String, Object> r = new LinkedHashMap<>();
                r.put("scenario", "replay");
                r.put("capture", pcap.toString());
                r.put("workers", workers);
                r.put("packets", last == null ? 0 : last.packets());
                r.put("flows", last == null ? 0 : last.flows());
                r.put("mpps", rates(packetRate, 1e6));
                r.put("gbps", rates(bitRate, 1e9));
                if (dpi != null)
                {
                    r.put("inspection", inspectionReport(dpi, report, last, alerts[0] / (warmup + rounds)));
                }
                r.put("java", Runtime.version().toString());
                out.println(Json.write(r));
            }
            else
            {
                out.println("Replay of " + pcap + " (" + Output.count(last == null ? 0 : last.packets()) + " packets) with " +
                    workers + (workers == 1 ? " worker" : " workers"));
                Output.row(out, "median", String.format(Locale.ROOT, "%.2f Mpps, %.2f Gbit/s", packetRate.median() / 1e6,
                    bitRate.median() / 1e9));
                Output.row(out, "best / worst", String.format(Locale.ROOT, "%.2f / %.2f Mpps", packetRate.best() / 1e6,
                    packetRate.worst() / 1e6));
                if (dpi != null)
                {
                    inspectionReport(dpi, report, last, alerts[0] / (warmup + rounds))
                        .forEach((k, v) -> Output.row(out, "  " + k, String.valueOf(v)));
                }
            }
            out.flush();
            if (dpi != null)
            {
                dpi.close();
            }
            return Main.EXIT_OK;
        }

        /** Rules, alerts per replay, and memory: per flow (fixed state + stream bytes at the peak) and in total. */
        private static Map<String, Object> inspectionReport(final DpiEngine dpi, final RuleFiles.Report report,
            final ReplaySummary last, final long alertsPerReplay)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            final InspectionCounters c = last.inspection();
            m.put("rules_loaded", dpi.rules().size());
            m.put("rules_skipped", report.skipped().size() + dpi.rules().rejected().size());
            m.put("alerts_per_replay", alertsPerReplay);
            final long flows = Math.max(1, last.flows());
            final long fixed = Inspector.measureFlowStateBytes(20_000);
            m.put("flow_state_bytes", fixed);
            m.put("reassembly_peak_bytes", c.reassemblyPeakBytes);
            m.put("memory_per_flow_bytes", fixed + c.reassemblyPeakBytes / flows);
            m.put("prefilter_bytes", dpi.rules().databaseBytes());
            m.put("rules_compile_ms", Math.round(dpi.rules().compileNs() / 1e6));
            m.put("rss_bytes", procStatusBytes("VmRSS:"));
            m.put("peak_rss_bytes", procStatusBytes("VmHWM:"));
            return m;
        }

        /** A memory figure of this process from /proc/self/status (VmRSS: now, VmHWM: peak), or -1. */
        private static long procStatusBytes(final String field)
        {
            try
            {
                for (final String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status")))
                {
                    if (line.startsWith(field))
                    {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            }
            catch (final java.io.IOException | NumberFormatException e)
            {
                return -1;
            }
            return -1;
        }
    }

    @Command(
        name = "jmh",
        description = {
            "Run the JMH micro-benchmarks (arguments go to JMH).",
            "",
            "Example: palisade bench jmh FastPathBenchmark -p flows=1000000 -prof gc   (JMH's own help: -h)"})
    static final class Jmh implements Callable<Integer>
    {
        /** Everything after {@code jmh}, options included, passed to JMH in order. */
        @CommandLine.Unmatched
        java.util.List<String> args = new java.util.ArrayList<>();

        @CommandLine.Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Override
        public Integer call() throws Exception
        {
            org.openjdk.jmh.Main.main(args.toArray(new String[0]));
            return Main.EXIT_OK;
        }
    }
}
