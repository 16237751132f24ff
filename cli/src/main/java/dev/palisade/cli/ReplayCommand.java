package dev.palisade.cli;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.PacketBatch;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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
        "Example: palisade replay --pcap traffic.pcap --workers 2 --json"},
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

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

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
        final ReplaySummary summary = engine.replay(pcap, quiet ? ReplayEngine.ProgressListener.NONE :
            (packets, read, total, elapsedNs) ->
            {
                err.printf(Locale.ROOT, "replay: %3.0f%%  %s packets  %s%n", 100.0 * read / Math.max(1, total),
                    Output.count(packets), Output.rate(packets * 1e9 / elapsedNs, "pps"));
                err.flush();
            });
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.println(Json.write(toJson(summary)));
        }
        else
        {
            print(out, summary);
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
