package dev.palisade.enforcement.pipeline;

import dev.palisade.dpi.engine.InspectionCounters;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.MalformedReason;

import dev.palisade.enforcement.firewall.RuleStats;

import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a replay did: counters summed over workers, and how long it took.
 *
 * @param counters  every {@link Counter} by label, summed over workers.
 * @param malformed malformed packets by {@link MalformedReason} label; only reasons that occurred.
 * @param perWorkerPackets packets each worker processed, to show how the hash spread the load.
 * @param rules     per-rule counters when a policy was enforced (empty otherwise).
 */
public record ReplaySummary(
    String capture,
    int workers,
    long elapsedNs,
    Map<String, Long> counters,
    Map<String, Long> malformed,
    long[] perWorkerPackets,
    List<RuleStats> rules,
    InspectionCounters inspection)
{
    /** @return this summary with deep-inspection counters (null for none). */
    public ReplaySummary withInspection(final InspectionCounters value)
    {
        return new ReplaySummary(capture, workers, elapsedNs, counters, malformed, perWorkerPackets, rules, value);
    }

    public static ReplaySummary of(final String capture, final long elapsedNs, final WorkerCounters[] all)
    {
        return of(capture, elapsedNs, all, List.of());
    }

    public static ReplaySummary of(final String capture, final long elapsedNs, final WorkerCounters[] all,
        final List<RuleStats> rules)
    {
        final Map<String, Long> counters = new LinkedHashMap<>();
        for (final Counter counter : Counter.values())
        {
            counters.put(counter.label(), WorkerCounters.sum(all, counter.id()));
        }
        final Map<String, Long> malformed = new LinkedHashMap<>();
        for (int id = 1; id < MalformedReason.count(); id++)
        {
            final long n = WorkerCounters.sum(all, Counter.MALFORMED_BASE + id);
            if (n != 0)
            {
                malformed.put(MalformedReason.byId(id).label(), n);
            }
        }
        final long[] perWorker = new long[all.length];
        for (int i = 0; i < all.length; i++)
        {
            perWorker[i] = all[i].get(Counter.PACKETS);
        }
        return new ReplaySummary(capture, all.length, elapsedNs, Collections.unmodifiableMap(counters),
            Collections.unmodifiableMap(malformed), perWorker, List.copyOf(rules), null);
    }

    public long counter(final Counter counter)
    {
        return counters.get(counter.label());
    }

    public long packets()
    {
        return counter(Counter.PACKETS);
    }

    public long bytes()
    {
        return counter(Counter.BYTES);
    }

    public long flows()
    {
        return counter(Counter.FLOWS_CREATED);
    }

    public double elapsedSeconds()
    {
        return elapsedNs / 1e9;
    }

    public double packetsPerSecond()
    {
        return elapsedNs == 0 ? 0 : packets() * 1e9 / elapsedNs;
    }

    public double gigabitsPerSecond()
    {
        return elapsedNs == 0 ? 0 : bytes() * 8.0 / elapsedNs;
    }
}
