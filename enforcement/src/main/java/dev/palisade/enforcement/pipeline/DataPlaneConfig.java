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
 */
public record DataPlaneConfig(
    ConntrackConfig conntrack,
    Action malformedAction,
    Action nonIpAction,
    int batchSize,
    int sweepPerBatch)
{
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
    }

    public static DataPlaneConfig defaults()
    {
        return new DataPlaneConfig(ConntrackConfig.defaults(), Action.DROP, Action.PASS, PacketBatch.DEFAULT_CAPACITY, 8);
    }

    public DataPlaneConfig withConntrack(final ConntrackConfig value)
    {
        return new DataPlaneConfig(value, malformedAction, nonIpAction, batchSize, sweepPerBatch);
    }

    public DataPlaneConfig withMalformedAction(final Action value)
    {
        return new DataPlaneConfig(conntrack, value, nonIpAction, batchSize, sweepPerBatch);
    }

    public DataPlaneConfig withBatchSize(final int value)
    {
        return new DataPlaneConfig(conntrack, malformedAction, nonIpAction, value, sweepPerBatch);
    }
}
