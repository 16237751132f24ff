package dev.palisade.cli;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.enforcement.firewall.RuleStats;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.enforcement.traffic.FlowKind;
import dev.palisade.enforcement.traffic.SizeMode;
import dev.palisade.enforcement.traffic.TrafficGenerator;
import dev.palisade.enforcement.traffic.TrafficSpec;
import dev.palisade.enforcement.traffic.TrafficStats;
import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code palisade demo}: the main job on embedded defaults. Today that is the data plane with the firewall: realistic
 * traffic generated and run through parsing, connection tracking and the example segmentation policy
 * (examples/policies/branch.yaml, shipped in the jar) on several workers. DPI and attestation join it as they land.
 */
@Command(
    name = "demo",
    description = {
        "Run Palisade's main job on embedded defaults and show what happened.",
        "",
        "Generates realistic traffic (HTTP, TLS, DNS, UDP; IPv4 and IPv6), runs it through the data plane (parse, " +
            "connection tracking, the firewall enforcing the example policy examples/policies/branch.yaml) and " +
            "summarises it: packets and flows, allowed and denied, hits per rule, a few firewall events. Takes a " +
            "few seconds.",
        "",
        "Today the demo covers the data plane and the firewall; DPI and attestation join it as they are built."},
    sortOptions = false)
public final class DemoCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of a summary.")
    boolean json;

    @Option(names = "--flows", paramLabel = "N", defaultValue = "20000", description = "Flows to generate (default: ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--packets", paramLabel = "M", defaultValue = "1000000", description = "Packets to generate (default: ${DEFAULT-VALUE}).")
    long packets;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Data-plane workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--keep", paramLabel = "DIR", description = "Keep the generated capture in this folder.")
    Path keep;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Path dir = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("palisade-demo");
        try
        {
            final Path capture = dir.resolve("demo-traffic.pcap");
            if (!json)
            {
                out.println("Palisade demo: data plane on embedded defaults");
                out.println();
                out.printf(Locale.ROOT, "1. Generating %s packets of realistic traffic in %s flows…%n", Output.count(packets),
                    Output.count(flows));
                out.flush();
            }
            final TrafficSpec trafficSpec;
            try
            {
                trafficSpec = TrafficSpec.of(flows, packets, SizeMode.IMIX, 2026);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
            }
            final TrafficStats traffic = TrafficGenerator.generate(trafficSpec, capture, TrafficGenerator.ProgressListener.NONE);

            if (!json)
            {
                out.printf(Locale.ROOT, "   %s (%s): %s HTTP, %s TLS, %s DNS, %s other UDP flows; %s over IPv6%n",
                    json ? "" : capture.getFileName(), Output.bytes(traffic.bytes()),
                    Output.count(traffic.flows(FlowKind.TCP_HTTP)), Output.count(traffic.flows(FlowKind.TCP_TLS)),
                    Output.count(traffic.flows(FlowKind.DNS)), Output.count(traffic.flows(FlowKind.UDP_OTHER)),
                    Output.count(traffic.ipv6Flows()));
                out.printf(Locale.ROOT, "2. Running it through the data plane on %d workers…%n", workers);
                out.flush();
            }
            final DataPlaneConfig config = DataPlaneConfig.defaults()
                .withConntrack(ConntrackConfig.defaults().withCapacityFlows((int)Math.min(1 << 20, Math.max(1024, flows))));
            final CompiledPolicy policy = PolicyCompiler.compile(PolicyParser.parse(DEMO_POLICY,
                new String(readResource(DEMO_POLICY), StandardCharsets.UTF_8)));
            final Firewall firewall = new Firewall(policy, List.of(), Firewall.EstablishedFlows.RECHECK);
            final Path eventsFile = dir.resolve("events.jsonl");
            final ReplaySummary summary;
            try (JsonLinesEventSink events = new JsonLinesEventSink(eventsFile))
            {
                summary = new ReplayEngine(config, workers).firewall(firewall, events).replay(capture);
            }
            final List<String> eventLines = Files.readAllLines(eventsFile);
            final boolean flowsAgree = summary.flows() == traffic.flows() && summary.packets() == traffic.packets();

            if (json)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                final Map<String, Object> t = new LinkedHashMap<>();
                t.put("packets", traffic.packets());
                t.put("bytes", traffic.bytes());
                t.put("flows", traffic.flows());
                t.put("ipv6_flows", traffic.ipv6Flows());
                m.put("traffic", t);
                final Map<String, Object> dataplane = ReplayCommand.toJson(summary);
                ReplayCommand.addFirewall(dataplane, summary, firewall.program());
                dataplane.put("events", eventLines.size());
                m.put("dataplane", dataplane);
                m.put("flows_agree", flowsAgree);
                m.put("components", Map.of("dataplane", "running", "firewall", "running", "dpi", "not built yet",
                    "attestation", "not built yet"));
                out.println(Json.write(m));
            }
            else
            {
                out.println();
                out.println("What the data plane saw:");
                Output.row(out, "packets", Output.count(summary.packets()) + " (" + Output.bytes(summary.bytes()) + ")");
                Output.row(out, "flows tracked", Output.count(summary.flows()) + "  (tcp " +
                    Output.count(summary.counter(Counter.FLOWS_TCP)) + ", udp " + Output.count(summary.counter(Counter.FLOWS_UDP)) + ")" +
                    (flowsAgree ? "  = flows generated" : "  ≠ " + Output.count(traffic.flows()) + " generated"));
                Output.row(out, "malformed", Output.count(summary.counter(Counter.MALFORMED)));
                Output.row(out, "per worker", java.util.Arrays.toString(summary.perWorkerPackets()) + " packets");
                out.println();
                out.println("What the firewall decided (policy '" + policy.name() + "', " + DEMO_POLICY + "):");
                Output.row(out, "allowed / denied", Output.count(summary.counter(Counter.ALLOWED)) + " / " +
                    Output.count(summary.counter(Counter.DENIED)) + " packets; flows " +
                    Output.count(summary.counter(Counter.FLOWS_ALLOWED)) + " / " +
                    Output.count(summary.counter(Counter.FLOWS_DENIED)));
                for (final RuleStats rule : summary.rules())
                {
                    if (rule.hit())
                    {
                        Output.row(out, "  " + rule.qualifiedName(), Output.count(rule.flows()) + " flows, " +
                            Output.count(rule.packets()) + " packets" + (rule.auditFlows() == 0 ? "" :
                            "; audit: would decide " + Output.count(rule.auditFlows()) + " flows"));
                    }
                }
                Output.row(out, "events", Output.count(eventLines.size()) + " (denied, logged, audit), e.g.:");
                eventLines.stream().limit(2).forEach(line -> out.println("    " + line));
                Output.row(out, "rate", Output.rate(summary.packetsPerSecond(), "pps") + String.format(Locale.ROOT,
                    ", %.2f Gbit/s (includes JIT warm-up; see 'palisade bench')", summary.gigabitsPerSecond()));
                out.println();
                out.println("Next: 'palisade replay --pcap FILE --policy FILE' on your own captures and policies,");
                out.println("'palisade policy check FILE' for the compiler's analysis, 'palisade bench fastpath' for the");
                out.println("per-core rate. DPI and attestation join this demo as they are built.");
            }
            out.flush();
            return flowsAgree ? Main.EXIT_OK : Main.EXIT_FAILED;
        }
        finally
        {
            if (keep == null)
            {
                deleteTree(dir, err);
            }
        }
    }

    static final String DEMO_POLICY = "examples/policies/branch.yaml";

    private static byte[] readResource(final String name) throws IOException
    {
        try (java.io.InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IOException("the demo policy " + name + " is missing from the build; rebuild with ./mvnw package");
            }
            return in.readAllBytes();
        }
    }

    private static void deleteTree(final Path dir, final PrintWriter err)
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            err.println("demo: could not remove " + dir + ": " + ex.getMessage());
        }
    }
}
