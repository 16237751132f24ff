package dev.palisade.cli;

import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.engine.InspectionCounters;
import dev.palisade.dpi.engine.RuleSet;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.FirewallProgram;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.firewall.RuleStats;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.PacketBatch;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Cidr;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code palisade replay}: runs the data plane over a capture offline and reports what it saw. */
@Command(
    name = "replay",
    description = {
        "Run the data plane over a capture offline and summarise it.",
        "",
        "Parses every packet of a pcap or pcapng file, tracks connections on N workers, and prints packets, flows, " +
            "malformed packets by reason and the rate.",
        "",
        "With --policy, enforces a segmentation policy as the DPU would: each new flow is decided once and its " +
            "verdict kept in conntrack; the summary adds packets allowed and denied and per-rule hits (flows, " +
            "packets, bytes, last hit, audit), and --events writes deny, reject, log and audit events as JSON lines.",
        "",
        "Examples:",
        "  palisade replay --pcap traffic.pcap --workers 2 --json",
        "  palisade replay --pcap traffic.pcap --policy shop.yaml --host 192.168.7.0/24 --events events.jsonl",
        "  palisade replay --pcap traffic.pcap --policy shop.yaml --quarantine app=web --management 10.0.9.9:tcp/22",
        "  palisade replay --pcap traffic.pcap --rules emerging-all.rules --alerts alerts.jsonl --json",
        "",
        "With --rules, inspects what passes with Suricata or Snort 3 rules (the same engine as the inline path): " +
            "TCP is reassembled per direction, HTTP/1.x is parsed for the http_* buffers, and drop and reject rules " +
            "block inline unless --ids. The summary adds rules loaded, rules skipped with the keyword that made " +
            "them skip, and alerts by sid; --alerts writes one JSON object per alert. Reject rules (here and in " +
            "--policy) answer with a TCP reset or an ICMP unreachable, at most 1,000 a second per worker; " +
            "--replies writes them to a capture.",
        "",
        "The capture may be '-' for standard input."},
    sortOptions = false)
public final class ReplayCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pcap", required = true, paramLabel = "FILE", description = "Capture to replay (pcap or pcapng).")
    Path pcap;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
        description = "Worker threads; flows are spread over them by a symmetric hash (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--flows-capacity", paramLabel = "N", defaultValue = "1048576",
        description = "Flow-table capacity per worker; when full, non-established flows are evicted first " +
            "(default: ${DEFAULT-VALUE}).")
    int flowsCapacity;

    @Option(names = "--malformed", paramLabel = "drop|pass", defaultValue = "drop",
        description = "What to do with packets that do not parse (default: ${DEFAULT-VALUE}).")
    DataPlaneConfig.Action malformedAction;

    @Option(names = "--no-midstream", description = "Do not pick up TCP connections seen without their SYN.")
    boolean noMidstream;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + PacketBatch.DEFAULT_CAPACITY,
            description = "Packets per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rules", paramLabel = "FILE", split = ",",
        description = "Inspect with these Suricata or Snort 3 rule files (repeatable, or comma-separated; a " +
            "directory means its *.rules files).")
    List<Path> ruleFiles = new ArrayList<>();

    @Option(names = "--var", paramLabel = "NAME=VALUE",
        description = "Set a rule variable, such as HOME_NET=[10.0.0.0/8] or HTTP_PORTS=[80,8080] (repeatable; " +
            "defaults are Suricata's).")
    Map<String, String> ruleVariables = new LinkedHashMap<>();

    @Option(names = "--alerts", paramLabel = "FILE", description = "Write one JSON object per alert to FILE.")
    Path alertsFile;

    @Option(names = "--replies", paramLabel = "FILE",
        description = "Write the TCP resets and ICMP unreachables that reject rules (of --policy or --rules) send to " +
            "FILE, as raw IP packets (pcap, or pcapng by the name). Without it, rejected packets are dropped and " +
            "counted only.")
    Path repliesFile;

    @Option(names = "--ids",
        description = "Detection only: drop and reject rules alert without blocking (Suricata's IDS mode). " +
            "By default inspection is inline, as on the DPU (Suricata --simulate-ips).")
    boolean ids;

    @Option(names = "--checksums", paramLabel = "ignore|validate", defaultValue = "ignore",
        description = "validate: packets with a wrong IPv4, TCP, UDP or ICMP checksum are not inspected (Suricata " +
            "-k all). Default ${DEFAULT-VALUE} (-k none), since captures taken where the NIC computes checksums " +
            "carry wrong ones on every sent packet.")
    String checksums;

    @Option(names = "--packet-alert-max", paramLabel = "N", defaultValue = "15",
        description = "Alerts kept per packet; more are counted as overflow (default: ${DEFAULT-VALUE}).")
    int packetAlertMax;

    @Option(names = "--reassembly-depth", paramLabel = "BYTES", defaultValue = "1048576",
        description = "Bytes of each TCP direction reassembled and inspected as a stream; 0 for all " +
            "(default: ${DEFAULT-VALUE}).")
    long reassemblyDepth;

    @Option(names = "--action-order", paramLabel = "ACTIONS", split = ",", defaultValue = "pass,drop,reject,alert",
        description = "Order in which the rules matching one packet take effect; a pass ends the walk " +
            "(default: ${DEFAULT-VALUE}).")
    List<String> actionOrder;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Option(names = "--policy", paramLabel = "FILE",
        description = "Enforce this policy (YAML or JSON; see docs/policy-language.md). Errors exit 1.")
    Path policyFile;

    @Option(names = "--host", paramLabel = "CIDR", split = ",",
        description = "Addresses of the server behind this DPU: what the policy's 'host' entity means (repeatable, " +
            "or comma-separated).")
    List<String> host = new ArrayList<>();

    @Option(names = "--events", paramLabel = "FILE",
        description = "Write firewall events (denied, rejected, logged, audit) to FILE as JSON lines.")
    Path eventsFile;

    @Option(names = "--quarantine", paramLabel = "TARGET",
        description = "Isolate a workload for the whole replay: an address or prefix, workload=NAME, or labels " +
            "such as app=web,env=prod (repeatable).")
    List<String> quarantine = new ArrayList<>();

    @Option(names = "--management", paramLabel = "PEER[:PROTO[/PORT[-PORT]]]",
        description = "With --quarantine: connections still allowed from PEER to quarantined workloads, such as " +
            "10.0.9.9:tcp/22 (repeatable).")
    List<String> management = new ArrayList<>();

    @Override
    public Integer call() throws Exception
    {
        if (workers < 1 || workers > 256)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be 1..256, was " + workers);
        }
        if (flowsCapacity < 1 || flowsCapacity > dev.palisade.enforcement.conntrack.FlowTable.MAX_CAPACITY_FLOWS)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--flows-capacity must be 1.." +
                dev.palisade.enforcement.conntrack.FlowTable.MAX_CAPACITY_FLOWS + ", was " + flowsCapacity);
        }
        if (batchSize < 1 || batchSize > 4096)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be 1..4096, was " + batchSize);
        }
        final DataPlaneConfig config = DataPlaneConfig.defaults()
            .withConntrack(ConntrackConfig.defaults().withCapacityFlows(flowsCapacity).withMidstreamPickup(!noMidstream))
            .withMalformedAction(malformedAction)
            .withBatchSize(batchSize);
        final ReplayEngine engine = new ReplayEngine(config, workers);
        final PrintWriter err = spec.commandLine().getErr();
        if (policyFile == null && (!host.isEmpty() || eventsFile != null || !quarantine.isEmpty() ||
            !management.isEmpty()))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--host, --events, --quarantine and --management need --policy");
        }
        if (!management.isEmpty() && quarantine.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--management needs --quarantine");
        }
        if (ruleFiles.isEmpty() && (alertsFile != null || ids || !ruleVariables.isEmpty()))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--alerts, --ids and --var need --rules");
        }
        if (repliesFile != null && policyFile == null && ruleFiles.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--replies needs --policy or --rules (their reject rules are what send replies)");
        }
        Firewall firewall = null;
        EventSink events = EventSink.NONE;
        if (policyFile != null)
        {
            final CompiledPolicy compiled = loadPolicy(err);
            if (compiled == null)
            {
                return Main.EXIT_FAILED;
            }
            firewall = new Firewall(compiled, hostPrefixes(), Firewall.EstablishedFlows.RECHECK);
            if (!quarantine.isEmpty())
            {
                try
                {
                    firewall.quarantine(quarantineOf());
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--quarantine: " + ex.getMessage());
                }
            }
            events = eventsFile == null ? EventSink.NONE : new JsonLinesEventSink(eventsFile);
            engine.firewall(firewall, events);
        }
        final Path capture = pcap.toString().equals("-") ? stdinToFile(err) : pcap;
        try (Inspection inspection = ruleFiles.isEmpty() ? null : inspection(err);
            ReplyCapture replies = repliesFile == null ? null : new ReplyCapture(repliesFile))
        {
            if (inspection != null)
            {
                engine.inspection(inspection.engine, inspection.alerts);
            }
            if (replies != null)
            {
                engine.replies(replies);
            }
            return run(engine, capture, firewall, inspection, err);
        }
        finally
        {
            events.close();
            if (capture != pcap)
            {
                Files.deleteIfExists(capture);
            }
        }
    }

    /** Rules loaded and compiled, and where alerts go. */
    record Inspection(RuleFiles.Report report, DpiEngine engine, AlertLog alerts) implements AutoCloseable
    {
        @Override
        public void close() throws java.io.IOException
        {
            engine.close();
            alerts.close();
        }
    }

    private Inspection inspection(final PrintWriter err) throws java.io.IOException
    {
        RuleVariables variables = RuleVariables.defaults();
        for (final Map.Entry<String, String> e : ruleVariables.entrySet())
        {
            variables = variables.with(e.getKey(), e.getValue());
        }
        final List<Path> files = new ArrayList<>();
        for (final Path path : ruleFiles)
        {
            if (Files.isDirectory(path))
            {
                try (var listing = Files.list(path))
                {
                    listing.filter(p -> p.toString().endsWith(".rules")).sorted().forEach(files::add);
                }
            }
            else if (!Files.isRegularFile(path))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rules: no such file: " + path);
            }
            else
            {
                files.add(path);
            }
        }
        final RuleFiles.Report report = RuleFiles.load(files, variables);
        for (final LoadResult.Invalid invalid : report.invalid())
        {
            err.println(invalid.file() + ":" + invalid.line() + ": error: " + invalid.message() +
                (invalid.sid() == 0 ? "" : " (sid " + invalid.sid() + ")") + "; rule not loaded");
        }
        final List<Rule.Action> order = new ArrayList<>();
        for (final String action : actionOrder)
        {
            try
            {
                order.add(Rule.Action.valueOf(action.strip().toUpperCase(Locale.ROOT)));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--action-order: '" + action +
                    "' is not pass, drop, reject or alert");
            }
        }
        if (!checksums.equals("ignore") && !checksums.equals("validate"))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--checksums must be ignore or validate, " +
                "was " + checksums);
        }
        final DpiConfig config;
        try
        {
            config = DpiConfig.defaults()
                .withMidstream(!noMidstream)
                .withIps(!ids)
                .withValidateChecksums(checksums.equals("validate"))
                .withPacketAlertMax(packetAlertMax)
                .withReassemblyDepthBytes(reassemblyDepth)
                .withActionOrder(order);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        if (!quiet)
        {
            err.println("rules: " + report.loaded().size() + " loaded, " + report.skipped().size() + " skipped, " +
                report.invalid().size() + " invalid; compiling…");
            err.flush();
        }
        final DpiEngine engine = new DpiEngine(config, report.loaded(), variables);
        return new Inspection(report, engine, new AlertLog(alertsFile));
    }

    /** A capture on standard input is copied to a temporary file first: captures are read memory-mapped. */
    private static Path stdinToFile(final PrintWriter err) throws java.io.IOException
    {
        final Path file = Files.createTempFile("palisade-stdin-", ".pcap");
        try (var in = System.in)
        {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private CompiledPolicy loadPolicy(final PrintWriter err) throws java.io.IOException
    {
        try
        {
            return PolicyCompiler.compile(PolicyParser.parse(policyFile));
        }
        catch (final PolicyException ex)
        {
            for (final PolicyProblem problem : ex.problems())
            {
                err.println(problem.at() + ": error: " + problem.message());
            }
            err.println(policyFile + ": " + ex.problems().size() + (ex.truncated() ? "+" : "") +
                (ex.problems().size() == 1 ? " error" : " errors") + "; the policy cannot be used " +
                "(palisade policy check shows the analysis too)");
            err.flush();
            return null;
        }
    }

    private List<Prefix> hostPrefixes()
    {
        final List<Prefix> prefixes = new ArrayList<>();
        for (final String text : host)
        {
            try
            {
                final Cidr cidr = Addresses.parseCidr(text.strip());
                prefixes.add(Prefix.of(cidr));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--host: " + ex.getMessage());
            }
        }
        return prefixes;
    }

    private Quarantine quarantineOf()
    {
        final List<Quarantine.Target> targets = new ArrayList<>();
        final List<Quarantine.ManagementAccess> access = new ArrayList<>();
        try
        {
            for (final String text : quarantine)
            {
                targets.add(Quarantine.Target.parse(text));
            }
            for (final String text : management)
            {
                access.add(Quarantine.ManagementAccess.parse(text));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        return new Quarantine(targets, access);
    }

    private Integer run(final ReplayEngine engine, final Path capture, final Firewall firewall,
        final Inspection inspection, final PrintWriter err) throws Exception
    {
        final ReplaySummary summary = engine.replay(capture, quiet ? ReplayEngine.ProgressListener.NONE :
            (packets, read, total, elapsedNs) ->
            {
                err.printf(Locale.ROOT, "replay: %3.0f%%  %s packets  %s%n", 100.0 * read / Math.max(1, total),
                    Output.count(packets), Output.rate(packets * 1e9 / elapsedNs, "pps"));
                err.flush();
            });
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> m = toJson(summary);
            if (firewall != null)
            {
                addFirewall(m, summary, firewall.program());
            }
            if (inspection != null)
            {
                addInspection(m, summary, inspection);
            }
            out.println(Json.write(m));
        }
        else
        {
            print(out, summary);
            if (firewall != null)
            {
                printFirewall(out, summary, firewall.program());
            }
            if (inspection != null)
            {
                printInspection(out, summary, inspection);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    static Map<String, Object> toJson(final ReplaySummary s)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("capture", s.capture());
        m.put("workers", s.workers());
        m.put("packets", s.packets());
        m.put("bytes", s.bytes());
        m.put("flows", s.flows());
        m.put("flows_tcp", s.counter(Counter.FLOWS_TCP));
        m.put("flows_udp", s.counter(Counter.FLOWS_UDP));
        m.put("flows_other", s.counter(Counter.FLOWS_OTHER));
        m.put("malformed", s.malformed());
        m.put("malformed_total", s.counter(Counter.MALFORMED));
        m.put("passed", s.counter(Counter.PASSED));
        m.put("dropped", s.counter(Counter.DROPPED));
        m.put("elapsed_s", Output.round(s.elapsedSeconds(), 6));
        m.put("pps", Math.round(s.packetsPerSecond()));
        m.put("mpps", Output.round(s.packetsPerSecond() / 1e6, 3));
        m.put("gbps", Output.round(s.gigabitsPerSecond(), 3));
        m.put("per_worker_packets", s.perWorkerPackets());
        final Map<String, Object> counters = new LinkedHashMap<>(s.counters());
        m.put("counters", counters);
        return m;
    }

    /** Adds allowed, denied and rule_hits (every rule of the policy, and the firewall's own decisions). */
    static void addFirewall(final Map<String, Object> m, final ReplaySummary s, final FirewallProgram program)
    {
        final Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("name", program.policy().name());
        policy.put("digest", "sha256:" + program.policy().digest());
        policy.put("rules", program.policy().rules().size());
        policy.put("classifier_rules", program.classifierRules());
        policy.put("build_ms", Output.round(program.buildNs() / 1e6, 3));
        policy.put("memory_bytes", program.memoryBytes());
        m.put("policy", policy);
        m.put("allowed", s.counter(Counter.ALLOWED));
        m.put("denied", s.counter(Counter.DENIED));
        m.put("rejected", s.counter(Counter.REJECTED));
        m.put("flows_allowed", s.counter(Counter.FLOWS_ALLOWED));
        m.put("flows_denied", s.counter(Counter.FLOWS_DENIED));
        m.put("audit_hits", s.counter(Counter.AUDIT_HITS));
        final List<Object> hits = new ArrayList<>();
        for (final RuleStats rule : s.rules())
        {
            final Map<String, Object> r = new LinkedHashMap<>();
            r.put("rule", rule.qualifiedName());
            r.put("tier", rule.tier());
            r.put("name", rule.name());
            r.put("flows", rule.flows());
            r.put("packets", rule.packets());
            r.put("bytes", rule.bytes());
            r.put("last_hit", rule.lastHitNs() == 0 ? null : Instant.ofEpochSecond(0, rule.lastHitNs()).toString());
            r.put("audit_flows", rule.auditFlows());
            r.put("audit_packets", rule.auditPackets());
            r.put("audit_bytes", rule.auditBytes());
            hits.add(r);
        }
        m.put("rule_hits", hits);
    }

    /** Adds rules_loaded, skipped ({sid, keyword} per rule), invalid, alerts, alerts_by_sid and the counters. */
    static void addInspection(final Map<String, Object> m, final ReplaySummary s, final Inspection inspection)
    {
        final RuleSet rules = inspection.engine.rules();
        m.put("rules_loaded", rules.size());
        final List<Object> skipped = new ArrayList<>();
        for (final LoadResult.Skipped skip : skippedRules(inspection))
        {
            final Map<String, Object> r = new LinkedHashMap<>();
            r.put("sid", skip.sid());
            r.put("keyword", skip.keyword());
            skipped.add(r);
        }
        m.put("skipped", skipped);
        final List<Object> invalid = new ArrayList<>();
        for (final LoadResult.Invalid bad : inspection.report.invalid())
        {
            final Map<String, Object> r = new LinkedHashMap<>();
            r.put("sid", bad.sid());
            r.put("file", bad.file());
            r.put("line", bad.line());
            r.put("message", bad.message());
            invalid.add(r);
        }
        m.put("invalid", invalid);
        m.put("alerts", inspection.alerts.total());
        m.put("alerts_by_sid", inspection.alerts.bySid());
        m.put("inspection_dropped", s.counter(Counter.INSPECTION_DROPPED));
        m.put("inspection_rejected", s.counter(Counter.INSPECTION_REJECTED));
        final InspectionCounters counters = s.inspection();
        final Map<String, Object> inspected = new LinkedHashMap<>(counters.toMap());
        inspected.put("rules_compile_ms", Output.round(rules.compileNs() / 1e6, 1));
        inspected.put("prefilter_bytes", rules.databaseBytes());
        m.put("inspection", inspected);
    }

    private static List<LoadResult.Skipped> skippedRules(final Inspection inspection)
    {
        final List<LoadResult.Skipped> all = new ArrayList<>(inspection.report.skipped());
        all.addAll(inspection.engine.rules().rejected());
        return all;
    }

    private static void printInspection(final PrintWriter out, final ReplaySummary s, final Inspection inspection)
    {
        final RuleSet rules = inspection.engine.rules();
        final List<LoadResult.Skipped> skipped = skippedRules(inspection);
        out.println();
        out.println("Inspection: " + Output.count(rules.size()) + " rules loaded, " + Output.count(skipped.size()) +
            " skipped, " + Output.count(inspection.report.invalid().size()) + " invalid (compiled in " +
            String.format(Locale.ROOT, "%.1f s", rules.compileNs() / 1e9) + ")");
        final Map<String, Long> byKeyword = new TreeMap<>();
        for (final LoadResult.Skipped skip : skipped)
        {
            byKeyword.merge(skip.keyword(), 1L, Long::sum);
        }
        byKeyword.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
            .forEach(e -> Output.row(out, "  skipped: " + e.getKey(), Output.count(e.getValue())));
        Output.row(out, "alerts", Output.count(inspection.alerts.total()));
        inspection.alerts.bySid().entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
            .forEach(e -> Output.row(out, "  sid " + e.getKey(), Output.count(e.getValue())));
        Output.row(out, "dropped by rules", Output.count(s.counter(Counter.INSPECTION_DROPPED)) + " packets");
        final InspectionCounters c = s.inspection();
        Output.row(out, "stream bytes", Output.bytes(c.streamBytes) + "  (gaps " + Output.count(c.gaps) +
            ", out of order " + Output.count(c.outOfOrder) + ", retransmitted " + Output.count(c.retransmissions) + ")");
        Output.row(out, "reassembly memory", "peak " + Output.bytes(c.reassemblyPeakBytes));
    }

    private static void printFirewall(final PrintWriter out, final ReplaySummary s, final FirewallProgram program)
    {
        out.println();
        out.println("Policy " + program.policy().name() + " (sha256:" + program.policy().digest().substring(0, 16) +
            "…): " + program.policy().rules().size() + " rules, " + program.classifierRules() + " classifier rules");
        Output.row(out, "allowed / denied", Output.count(s.counter(Counter.ALLOWED)) + " / " +
            Output.count(s.counter(Counter.DENIED)) + " packets  (flows " + Output.count(s.counter(Counter.FLOWS_ALLOWED)) +
            " / " + Output.count(s.counter(Counter.FLOWS_DENIED)) + ")");
        out.printf(Locale.ROOT, "  %-36s %10s %12s %14s %10s%n", "rule", "flows", "packets", "bytes", "audit");
        for (final RuleStats rule : s.rules())
        {
            out.printf(Locale.ROOT, "  %-36s %10d %12d %14d %10s%n", rule.qualifiedName(), rule.flows(),
                rule.packets(), rule.bytes(), rule.auditFlows() == 0 ? "-" : rule.auditFlows() + " flows");
        }
    }

    private static void print(final PrintWriter out, final ReplaySummary s)
    {
        out.println("Replay of " + s.capture() + " with " + s.workers() + (s.workers() == 1 ? " worker" : " workers"));
        Output.row(out, "packets", Output.count(s.packets()) + "  (" + Output.bytes(s.bytes()) + ")");
        Output.row(out, "flows", Output.count(s.flows()) + "  (tcp " + Output.count(s.counter(Counter.FLOWS_TCP)) +
            ", udp " + Output.count(s.counter(Counter.FLOWS_UDP)) + ", other " +
            Output.count(s.counter(Counter.FLOWS_OTHER)) + ")");
        Output.row(out, "passed / dropped", Output.count(s.counter(Counter.PASSED)) + " / " +
            Output.count(s.counter(Counter.DROPPED)));
        Output.row(out, "malformed", Output.count(s.counter(Counter.MALFORMED)));
        for (final Map.Entry<String, Long> e : s.malformed().entrySet())
        {
            Output.row(out, "  " + e.getKey(), Output.count(e.getValue()));
        }
        Output.row(out, "non-IP frames", Output.count(s.counter(Counter.NON_IP)));
        Output.row(out, "fragments", Output.count(s.counter(Counter.FRAGMENTS)));
        Output.row(out, "tunneled", Output.count(s.counter(Counter.TUNNELED)));
        Output.row(out, "evictions", Output.count(s.counter(Counter.EVICTIONS_NON_ESTABLISHED) +
            s.counter(Counter.EVICTIONS_ESTABLISHED)));
        Output.row(out, "elapsed", String.format(Locale.ROOT, "%.3f s", s.elapsedSeconds()));
        Output.row(out, "rate", Output.rate(s.packetsPerSecond(), "pps") + ", " +
            String.format(Locale.ROOT, "%.2f Gbit/s", s.gigabitsPerSecond()));
    }
}
