package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.conntrack.ConntrackConfig;

/**
 * Settings of the data plane.
 *
 * @param conntrack        connection-tracking settings, per worker (each worker gets a table of this capacity).
 * @param malformedAction  what happens to a packet that does not parse: {@link Action#DROP} (the default; a firewall
 *                         should not forward what it cannot classify) or {@link Action#PASS}.
 * @param nonIpAction      what happens to non-IP frames (ARP, LLDP): {@link Action#PASS} by default, since ARP must work.
 * @param batchSize        packets per batch.
 * @param sweepPerBatch    flow-table slots examined for expiry after each batch.
 * @param rejectRepliesPerSecond TCP resets and ICMP unreachables a worker sends per second at most (a burst of as many
 *                         is allowed), so that reject rules cannot be used to make the DPU flood anyone; 0 for none.
 */
public record DataPlaneConfig(
    ConntrackConfig conntrack,
    Action malformedAction,
    Action nonIpAction,
    int batchSize,
    int sweepPerBatch,
    int rejectRepliesPerSecond)
{
    /** Linux's default for ICMP errors (net.ipv4.icmp_msgs_per_sec). */
    public static final int DEFAULT_REJECT_REPLIES_PER_SECOND = 1000;

    public enum Action
    {
        PASS, DROP
    }

    public DataPlaneConfig
    {
        if (batchSize < 1 || batchSize > 4096)
        {
            throw new IllegalArgumentException("batch size must be 1..4096 packets, was " + batchSize);
        }
        if (sweepPerBatch < 0)
        {
            throw new IllegalArgumentException("sweep per batch must be >= 0, was " + sweepPerBatch);
        }
        if (rejectRepliesPerSecond < 0)
        {
            throw new IllegalArgumentException("reject replies per second must be >= 0, was " + rejectRepliesPerSecond);
        }
    }

    public static DataPlaneConfig defaults()
    {
        return new DataPlaneConfig(ConntrackConfig.defaults(), Action.DROP, Action.PASS, PacketBatch.DEFAULT_CAPACITY, 8,
            DEFAULT_REJECT_REPLIES_PER_SECOND);
    }

    public DataPlaneConfig withConntrack(final ConntrackConfig value)
    {
        return new DataPlaneConfig(value, malformedAction, nonIpAction, batchSize, sweepPerBatch, rejectRepliesPerSecond);
    }

    public DataPlaneConfig withMalformedAction(final Action value)
    {
        return new DataPlaneConfig(conntrack, value, nonIpAction, batchSize, sweepPerBatch, rejectRepliesPerSecond);
    }

    public DataPlaneConfig withBatchSize(final int value)
    {
        return new DataPlaneConfig(conntrack, malformedAction, nonIpAction, value, sweepPerBatch, rejectRepliesPerSecond);
    }

    public DataPlaneConfig withRejectRepliesPerSecond(final int value)
    {
        return new DataPlaneConfig(conntrack, malformedAction, nonIpAction, batchSize, sweepPerBatch, value);
    }
}
