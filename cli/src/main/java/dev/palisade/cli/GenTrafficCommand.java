package dev.palisade.cli;

import dev.palisade.enforcement.traffic.FlowKind;
import dev.palisade.enforcement.traffic.SizeMode;
import dev.palisade.enforcement.traffic.TrafficGenerator;
import dev.palisade.enforcement.traffic.TrafficSpec;
import dev.palisade.enforcement.traffic.TrafficStats;
import dev.palisade.policy.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade gen-traffic}: writes a realistic synthetic capture. */
@Command(
    name = "gen-traffic",
    description = {
        "Write a realistic synthetic capture (HTTP, TLS, DNS, UDP).",
        "",
        "TCP flows with handshakes, HTTP/1.1 exchanges and FIN or RST teardowns; TLS flows opening with a " +
            "ClientHello carrying SNI; DNS queries and answers; plain UDP; some over IPv6. Many flows run at once, " +
            "interleaved in time; the same seed gives the same bytes. pcap, or pcapng when the file name ends in .pcapng.",
        "",
        "Example: palisade gen-traffic --out t.pcap --flows 10000 --packets 1000000 --size imix"},
    sortOptions = false)
public final class GenTrafficCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Capture file to write (replaced if it exists).")
    Path out;

    @Option(names = "--flows", required = true, paramLabel = "N", description = "Distinct flows (5-tuples).")
    long flows;

    @Option(names = "--packets", required = true, paramLabel = "M",
        description = "Packets in total, spread over the flows (a TCP flow needs at least " +
            "its handshake, one exchange and its teardown).")
    long packets;

    @Option(names = "--size", paramLabel = "64|imix|1500", defaultValue = "imix",
        description = "Size of data-carrying frames: minimum (64 bytes), simple IMIX (7:4:1 of 64/594/1518), or a " +
            "full 1500-byte MTU (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ipv6-percent", paramLabel = "P", defaultValue = "" + TrafficSpec.DEFAULT_IPV6_PERCENT,
        description = "Share of flows over IPv6, 0..100 (default: ${DEFAULT-VALUE}).")
    int ipv6Percent;

    @Option(names = "--pps", paramLabel = "R", defaultValue = "" + TrafficSpec.DEFAULT_PACKETS_PER_SECOND,
        description = "Mean packet rate the timestamps imply (default: ${DEFAULT-VALUE}).")
    long packetsPerSecond;

    @Option(names = "--json", description = "Print what was written as one JSON object.")
    boolean json;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception
    {
        final TrafficSpec trafficSpec;
        try
        {
            trafficSpec = new TrafficSpec(flows, packets, SizeMode.fromOption(size), seed,
                TrafficSpec.DEFAULT_START_TIME_NS, ipv6Percent, packetsPerSecond);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        final Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out: folder " + parent + " does not exist");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final long startNs = System.nanoTime();
        final long[] lastReportNs = {startNs};
        final TrafficStats stats = TrafficGenerator.generate(trafficSpec, out, quiet ? TrafficGenerator.ProgressListener.NONE :
            (written, total) ->
            {
                final long now = System.nanoTime();
                if (now - lastReportNs[0] >= 1_000_000_000L && written < total)
                {
                    lastReportNs[0] = now;
                    err.printf(Locale.ROOT, "gen-traffic: %3.0f%%  %s of %s packets%n", 100.0 * written / total,
                        Output.count(written), Output.count(total));
                    err.flush();
                }
            });
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final PrintWriter stdout = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("out", out.toString());
            m.put("packets", stats.packets());
            m.put("bytes", stats.bytes());
            m.put("wire_bytes", stats.wireBytes());
            m.put("flows", stats.flows());
            final Map<String, Object> kinds = new LinkedHashMap<>();
            for (final FlowKind kind : FlowKind.values())
            {
                kinds.put(kind.label(), stats.flows(kind));
            }
            m.put("flows_by_kind", kinds);
            m.put("ipv6_flows", stats.ipv6Flows());
            m.put("tcp_reset_flows", stats.tcpResetFlows());
            m.put("duration_s", Output.round((stats.lastTimestampNs() - stats.firstTimestampNs()) / 1e9, 6));
            m.put("elapsed_s", Output.round(seconds, 3));
            stdout.println(Json.write(m));
        }
        else
        {
            stdout.println("Wrote " + out + ": " + Output.count(stats.packets()) + " packets (" +
                Output.bytes(stats.bytes()) + ") in " + Output.count(stats.flows()) + " flows, " +
                String.format(Locale.ROOT, "%.1f s", seconds));
            for (final FlowKind kind : FlowKind.values())
            {
                Output.row(stdout, kind.label(), Output.count(stats.flows(kind)));
            }
            Output.row(stdout, "over IPv6", Output.count(stats.ipv6Flows()));
        }
        stdout.flush();
        return Main.EXIT_OK;
    }
}
