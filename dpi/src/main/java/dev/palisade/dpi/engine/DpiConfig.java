package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.Rule;

import java.util.List;
import java.util.Set;

/**
 * Settings of the inspection engine. Defaults suit an inline DPU; Suricata's names for the same settings are given
 * so that its test expectations can be reproduced.
 *
 * @param midstream             pick up TCP connections whose handshake was not seen, and reassemble them
 *                              (Suricata {@code stream.midstream}, default false there; true here as for conntrack,
 *                              since a DPU restarted under live traffic must still inspect it).
 * @param ips                   drop and reject rules block (inline, Suricata's IPS mode); when false they only alert.
 * @param validateChecksums     packets whose IPv4/TCP/UDP/ICMP checksum is wrong are not inspected (Suricata
 *                              {@code -k all}); off by default since captures taken on hosts with checksum offload
 *                              carry wrong checksums on every sent packet ({@code -k none}).
 * @param retainBytes           stream bytes kept per direction after inspection, for matches that reach back.
 * @param maxPendingBytes       out-of-order bytes held per direction before the hole is given up as a gap.
 * @param reassemblyMemcapBytes all bytes held by one worker's streams; beyond it new data is inspected per packet.
 * @param reassemblyDepthBytes  bytes of each direction reassembled and inspected as a stream (Suricata
 *                              {@code stream.reassembly.depth}, 1 MiB); 0 for no limit.
 * @param packetAlertMax        alerts kept per packet (Suricata {@code packet-alert-max}, 15); more are counted.
 * @param excerptBytes          bytes of payload kept in an alert.
 * @param maxFlows              flows with inspection state per worker (the conntrack table's capacity).
 * @param actionOrder           the order in which the rules that match one packet take effect (Suricata
 *                              {@code action-order}; default pass, drop, reject, alert): a pass ends the walk.
 */
public record DpiConfig(
    boolean midstream,
    boolean ips,
    boolean validateChecksums,
    int retainBytes,
    int maxPendingBytes,
    long reassemblyMemcapBytes,
    long reassemblyDepthBytes,
    int packetAlertMax,
    int excerptBytes,
    int maxFlows,
    List<Rule.Action> actionOrder)
{
    public static final List<Rule.Action> DEFAULT_ACTION_ORDER =
        List.of(Rule.Action.PASS, Rule.Action.DROP, Rule.Action.REJECT, Rule.Action.ALERT);

    public DpiConfig
    {
        if (retainBytes < 0 || retainBytes > 1 << 20)
        {
            throw new IllegalArgumentException("retained stream bytes must be 0..1048576, was " + retainBytes);
        }
        if (maxPendingBytes < 0)
        {
            throw new IllegalArgumentException("out-of-order bytes must be >= 0, was " + maxPendingBytes);
        }
        if (reassemblyMemcapBytes < 0 || reassemblyDepthBytes < 0)
        {
            throw new IllegalArgumentException("reassembly memcap and depth must be >= 0");
        }
        if (packetAlertMax < 1 || packetAlertMax > 1024)
        {
            throw new IllegalArgumentException("alerts per packet must be 1..1024, was " + packetAlertMax);
        }
        if (maxFlows < 1)
        {
            throw new IllegalArgumentException("flows must be >= 1, was " + maxFlows);
        }
        actionOrder = List.copyOf(actionOrder);
        if (actionOrder.size() != Rule.Action.values().length || Set.copyOf(actionOrder).size() != actionOrder.size())
        {
            throw new IllegalArgumentException("action order must name pass, drop, reject and alert once each, was " +
                actionOrder);
        }
    }

    public DpiConfig withActionOrder(final List<Rule.Action> value)
    {
        return new DpiConfig(midstream, ips, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, maxFlows, value);
    }

    public static DpiConfig defaults()
    {
        return new DpiConfig(true, true, false, 2048, 64 * 1024, 256L << 20, 1L << 20, 15, 256, 1 << 20,
            DEFAULT_ACTION_ORDER);
    }

    public DpiConfig withMidstream(final boolean value)
    {
        return new DpiConfig(value, ips, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withIps(final boolean value)
    {
        return new DpiConfig(midstream, value, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withValidateChecksums(final boolean value)
    {
        return new DpiConfig(midstream, ips, value, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withReassemblyDepthBytes(final long value)
    {
        return new DpiConfig(midstream, ips, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            value, packetAlertMax, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withReassemblyMemcapBytes(final long value)
    {
        return new DpiConfig(midstream, ips, validateChecksums, retainBytes, maxPendingBytes, value,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withPacketAlertMax(final int value)
    {
        return new DpiConfig(midstream, ips, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, value, excerptBytes, maxFlows, actionOrder);
    }

    public DpiConfig withMaxFlows(final int value)
    {
        return new DpiConfig(midstream, ips, validateChecksums, retainBytes, maxPendingBytes, reassemblyMemcapBytes,
            reassemblyDepthBytes, packetAlertMax, excerptBytes, value, actionOrder);
    }
}
