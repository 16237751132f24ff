package dev.palisade.enforcement.traffic;

/**
 * What was generated. Flow counts per kind are always {@link FlowKind#count(long)} of the spec's flows and
 * {@link #packets()} is always the spec's packets; the rest depends on the seed.
 *
 * @param packets          frames written.
 * @param bytes            frame bytes written (without the 4-byte FCS the capture does not hold).
 * @param tcpHttpFlows     flows of {@link FlowKind#TCP_HTTP}.
 * @param tcpTlsFlows      flows of {@link FlowKind#TCP_TLS}.
 * @param dnsFlows         flows of {@link FlowKind#DNS}.
 * @param udpOtherFlows    flows of {@link FlowKind#UDP_OTHER}.
 * @param ipv6Flows        flows of any kind carried over IPv6.
 * @param tcpResetFlows    TCP flows ended by the client's RST rather than FIN.
 * @param firstTimestampNs timestamp of the first packet.
 * @param lastTimestampNs  timestamp of the last packet.
 */
public record TrafficStats(
    long packets,
    long bytes,
    long tcpHttpFlows,
    long tcpTlsFlows,
    long dnsFlows,
    long udpOtherFlows,
    long ipv6Flows,
    long tcpResetFlows,
    long firstTimestampNs,
    long lastTimestampNs)
{
    public long flows()
    {
        return tcpHttpFlows + tcpTlsFlows + dnsFlows + udpOtherFlows;
    }

    public long flows(final FlowKind kind)
    {
        return switch (kind)
        {
            case TCP_HTTP -> tcpHttpFlows;
            case TCP_TLS -> tcpTlsFlows;
            case DNS -> dnsFlows;
            case UDP_OTHER -> udpOtherFlows;
        };
    }

    /** @return bytes on the wire, counting each frame's FCS. */
    public long wireBytes()
    {
        return bytes + 4 * packets;
    }
}
