package dev.palisade.enforcement.traffic;

import java.util.Objects;

/**
 * What to generate. Validated on construction, so a spec that exists can be generated.
 *
 * @param flows            distinct flows (5-tuples), at least 1.
 * @param packets          packets in total across all flows; at least {@link FlowKind#minimumPackets(long)}.
 * @param sizeMode         the size of data-carrying frames.
 * @param seed             the same seed and spec give the same bytes.
 * @param startTimeNs      timestamp of the first packet, nanoseconds since the Unix epoch.
 * @param ipv6Percent      share of flows carried over IPv6, 0..100.
 * @param packetsPerSecond mean packet rate of the link, which spaces the timestamps.
 */
public record TrafficSpec(
    long flows,
    long packets,
    SizeMode sizeMode,
    long seed,
    long startTimeNs,
    int ipv6Percent,
    long packetsPerSecond)
{
    /** 2023-11-14T22:13:20Z: a fixed default, so that output never depends on when it was generated. */
    public static final long DEFAULT_START_TIME_NS = 1_700_000_000_000_000_000L;
    public static final int DEFAULT_IPV6_PERCENT = 10;
    public static final long DEFAULT_PACKETS_PER_SECOND = 1_000_000L;
    /** Clients are told apart by address and port; this many fit in the workload range with room to spare. */
    public static final long MAX_FLOWS = 1_000_000_000L;
    public static final long MAX_PACKETS_PER_SECOND = 1_000_000_000L;
    /** Classic pcap stores seconds in 32 bits. */
    public static final long MAX_START_TIME_NS = 0xFFFF_FFFFL * 1_000_000_000L;

    public TrafficSpec
    {
        Objects.requireNonNull(sizeMode, "sizeMode");
        if (flows < 1 || flows > MAX_FLOWS)
        {
            throw new IllegalArgumentException("flows must be 1.." + MAX_FLOWS + ", was " + flows);
        }
        final long minimum = FlowKind.minimumPackets(flows);
        if (packets < minimum)
        {
            throw new IllegalArgumentException(packets + " packets are too few for " + flows + " flows: " + flows +
                " flows need at least " + minimum + " packets (" + FlowKind.TCP_HTTP.minimumPackets() +
                " per TCP flow for handshake, request, response and teardown; " + FlowKind.DNS.minimumPackets() +
                " per DNS or other UDP flow)");
        }
        if (ipv6Percent < 0 || ipv6Percent > 100)
        {
            throw new IllegalArgumentException("ipv6Percent must be 0..100, was " + ipv6Percent);
        }
        if (packetsPerSecond < 1 || packetsPerSecond > MAX_PACKETS_PER_SECOND)
        {
            throw new IllegalArgumentException(
                "packetsPerSecond must be 1.." + MAX_PACKETS_PER_SECOND + ", was " + packetsPerSecond);
        }
        if (startTimeNs < 0 || startTimeNs > MAX_START_TIME_NS)
        {
            throw new IllegalArgumentException("startTimeNs must be 0.." + MAX_START_TIME_NS + ", was " + startTimeNs);
        }
    }

    /** A spec with the default start time, IPv6 share and packet rate. */
    public static TrafficSpec of(final long flows, final long packets, final SizeMode sizeMode, final long seed)
    {
        return new TrafficSpec(
            flows, packets, sizeMode, seed, DEFAULT_START_TIME_NS, DEFAULT_IPV6_PERCENT, DEFAULT_PACKETS_PER_SECOND);
    }
}
