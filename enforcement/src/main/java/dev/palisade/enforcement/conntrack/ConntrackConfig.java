package dev.palisade.enforcement.conntrack;

import java.util.concurrent.TimeUnit;

/**
 * Connection-tracking settings: table capacity, per-state timeouts and the TCP pick-up policy. Timeout defaults are
 * Linux's (net.netfilter.nf_conntrack_*_timeout*). Immutable; build with the {@code with…} methods.
 *
 * @param capacityFlows    most flows the table holds; when full, the full-table policy evicts.
 * @param timeoutNs        per {@link FlowState}, how long a flow may stay idle in that state.
 * @param midstreamPickup  whether a TCP packet without SYN of an unknown flow starts tracking (Linux
 *                         nf_conntrack_tcp_loose=1, the default), which replays of captures that start mid-connection need.
 */
public record ConntrackConfig(int capacityFlows, long[] timeoutNs, boolean midstreamPickup)
{
    public static final int DEFAULT_CAPACITY_FLOWS = 1 << 20;
    /** Entries examined when choosing a flow to evict from a full table. */
    public static final int EVICTION_SAMPLE = 32;

    public ConntrackConfig
    {
        if (capacityFlows < 1 || capacityFlows > FlowTable.MAX_CAPACITY_FLOWS)
        {
            throw new IllegalArgumentException("flow table capacity must be 1.." + FlowTable.MAX_CAPACITY_FLOWS +
                " flows, was " + capacityFlows);
        }
        if (timeoutNs.length != FlowState.COUNT)
        {
            throw new IllegalArgumentException("need one timeout per flow state (" + FlowState.COUNT + ")");
        }
        timeoutNs = timeoutNs.clone();
    }

    public static ConntrackConfig defaults()
    {
        return new ConntrackConfig(DEFAULT_CAPACITY_FLOWS, linuxTimeouts(), true);
    }

    /** Linux conntrack's default timeouts, in nanoseconds, indexed by {@link FlowState}. */
    public static long[] linuxTimeouts()
    {
        final long[] t = new long[FlowState.COUNT];
        t[FlowState.NONE] = seconds(10);
        t[FlowState.SYN_SENT] = seconds(120);
        t[FlowState.SYN_RECV] = seconds(60);
        t[FlowState.ESTABLISHED] = TimeUnit.DAYS.toNanos(5);
        t[FlowState.FIN_WAIT] = seconds(120);
        t[FlowState.CLOSE_WAIT] = seconds(60);
        t[FlowState.LAST_ACK] = seconds(30);
        t[FlowState.TIME_WAIT] = seconds(120);
        t[FlowState.CLOSED] = seconds(10);
        t[FlowState.SYN_SENT2] = seconds(120);
        t[FlowState.UDP_UNREPLIED] = seconds(30);
        t[FlowState.UDP_REPLIED] = seconds(120);
        t[FlowState.ICMP_UNREPLIED] = seconds(30);
        t[FlowState.ICMP_REPLIED] = seconds(30);
        t[FlowState.OTHER_UNREPLIED] = seconds(600);
        t[FlowState.OTHER_REPLIED] = seconds(600);
        return t;
    }

    private static long seconds(final long s)
    {
        return TimeUnit.SECONDS.toNanos(s);
    }

    public long timeoutNs(final int state)
    {
        return timeoutNs[state];
    }

    public ConntrackConfig withCapacityFlows(final int capacity)
    {
        return new ConntrackConfig(capacity, timeoutNs, midstreamPickup);
    }

    public ConntrackConfig withMidstreamPickup(final boolean pickup)
    {
        return new ConntrackConfig(capacityFlows, timeoutNs, pickup);
    }

    public ConntrackConfig withTimeout(final int state, final long nanos)
    {
        final long[] t = timeoutNs.clone();
        t[state] = nanos;
        return new ConntrackConfig(capacityFlows, t, midstreamPickup);
    }
}
