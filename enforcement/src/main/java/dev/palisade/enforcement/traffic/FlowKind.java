package dev.palisade.enforcement.traffic;

/**
 * The kinds of flow in the generated mix. A flow's kind follows from its index alone (a fixed pattern of ten), so the
 * number of flows of each kind, and the fewest packets N flows can have, depend on N only and never on the seed.
 */
public enum FlowKind
{
    /** TCP to port 80: handshake, one HTTP/1.1 GET and its 200 response, FIN or RST teardown. */
    TCP_HTTP("tcp_http", 8),
    /** TCP to port 443: handshake, a TLS 1.2 or 1.3 ClientHello with SNI, the server's records, teardown. */
    TCP_TLS("tcp_tls", 8),
    /** UDP to port 53: one query and its response. */
    DNS("dns", 2),
    /** UDP between an ephemeral port and a high server port, datagrams both ways. */
    UDP_OTHER("udp_other", 2);

    /** 4 TLS : 3 HTTP : 2 DNS : 1 other UDP, interleaved so that any four consecutive flows cover every kind. */
    private static final FlowKind[] PATTERN =
    {
        TCP_TLS, TCP_HTTP, DNS, UDP_OTHER, TCP_TLS, TCP_HTTP, TCP_TLS, DNS, TCP_HTTP, TCP_TLS
    };

    private static final FlowKind[] VALUES = values();

    private final String label;
    private final int minimumPackets;

    FlowKind(final String label, final int minimumPackets)
    {
        this.label = label;
        this.minimumPackets = minimumPackets;
    }

    /** @return the stable snake_case name used in JSON output. */
    public String label()
    {
        return label;
    }

    /**
     * @return the packets of this kind's shortest exchange: for TCP the 3-way handshake, the request, one response
     * segment and the FIN, FIN, ACK teardown; for UDP a request and a reply.
     */
    public int minimumPackets()
    {
        return minimumPackets;
    }

    /** @return true when flows of this kind take a share of the packets beyond the minimum (DNS flows never do). */
    public boolean carriesBulk()
    {
        return this != DNS;
    }

    /** @return the kind of the flow with this index (0-based). */
    public static FlowKind ofFlow(final long flowIndex)
    {
        return PATTERN[(int)(flowIndex % PATTERN.length)];
    }

    /** @return how many of {@code flows} flows are of this kind. */
    public long count(final long flows)
    {
        long count = 0;
        final int remainder = (int)(flows % PATTERN.length);
        for (int i = 0; i < PATTERN.length; i++)
        {
            if (PATTERN[i] == this)
            {
                count += flows / PATTERN.length + (i < remainder ? 1 : 0);
            }
        }
        return count;
    }

    /** @return the fewest packets that {@code flows} flows can have: the sum of each flow's minimal exchange. */
    public static long minimumPackets(final long flows)
    {
        long packets = 0;
        for (final FlowKind kind : VALUES)
        {
            packets += kind.count(flows) * kind.minimumPackets;
        }
        return packets;
    }
}
