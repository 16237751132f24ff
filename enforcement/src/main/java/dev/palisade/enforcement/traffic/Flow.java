package dev.palisade.enforcement.traffic;

/**
 * One generated flow in progress: its endpoints, drawn once when it starts, and the position of its exchange. A fixed
 * pool of these is reused for every flow, so starting a flow allocates nothing.
 */
final class Flow
{
    static final int PORT_HTTP = 80;
    static final int PORT_HTTPS = 443;
    static final int PORT_DNS = 53;

    /** The Linux ephemeral port range, net.ipv4.ip_local_port_range = 32768 60999. */
    static final int EPHEMERAL_PORT_BASE = 32768;
    static final int EPHEMERAL_PORT_COUNT = 28232;
    /** Coprime with {@link #EPHEMERAL_PORT_COUNT} (= 8 x 3529), so stepping by it visits every port once. */
    static final int EPHEMERAL_PORT_STRIDE = 7919;

    /** Workload hosts are 10.pod.rack.host with host 1..254: this many before the pod byte runs out. */
    static final long MAX_CLIENT_HOSTS = 254L * 256 * 256;

    /** 52:54:00 is the KVM/QEMU OUI: the workloads are VMs; the low three bytes are the host number. */
    static final long CLIENT_MAC_BASE = 0x5254_0000_0000L;
    /** Everything off-subnet goes through the default gateway, so server packets all come from its MAC (Arista OUI). */
    static final long GATEWAY_MAC = 0x001C_7300_0001L;

    /** Public-looking server prefixes: {address, prefix length}. */
    private static final int[][] SERVER_V4_RANGES =
    {
        { 0x9765_0000, 16 }, // 151.101.0.0/16
        { 0x6810_0000, 13 }, // 104.16.0.0/13
        { 0x8EFA_0000, 15 }, // 142.250.0.0/15
        { 0x3454_0000, 15 }, // 52.84.0.0/15
        { 0x17C0_0000, 11 }, // 23.192.0.0/11
    };
    /** Upper 64 bits of public-looking IPv6 server prefixes; the third group and the low 32 bits vary. */
    private static final long[] SERVER_V6_PREFIXES =
    {
        0x2606_4700_0000_0000L, 0x2A04_4E42_0000_0000L, 0x2607_F8B0_0000_0000L, 0x2600_9000_0000_0000L,
    };
    private static final int[] RESOLVERS_V4 = { 0x0808_0808, 0x0101_0101, 0x0909_0909, 0x0808_0404 };
    private static final long[] RESOLVERS_V6_HIGH = { 0x2001_4860_4860_0000L, 0x2606_4700_4700_0000L };
    private static final long[] RESOLVERS_V6_LOW = { 0x8888L, 0x1111L };
    /** Workload IPv6 addresses are the ULA fd0a:0:pod:rack::host, mirroring 10.pod.rack.host. */
    private static final long CLIENT_V6_PREFIX = 0xFD0A_0000_0000_0000L;

    /** Share of TCP flows the client ends with RST instead of FIN, as browsers do when closing a busy connection. */
    static final int RESET_PERCENT = 8;
    static final int TLS13_PERCENT = 70;
    static final int AAAA_PERCENT_IPV4 = 25;
    static final int AAAA_PERCENT_IPV6 = 70;

    FlowKind kind;
    long totalPackets;
    long sent;

    boolean ipv6;
    int clientV4;
    int serverV4;
    long clientHigh;
    long clientLow;
    long serverHigh;
    long serverLow;
    long clientMac;
    int clientPort;
    int serverPort;
    int clientIpId;
    int serverIpId;
    int serverTtl;
    int flowLabel;

    /** Next sequence number each side sends (modulo 2^32 when written). */
    long clientSeq;
    long serverSeq;
    boolean reset;
    /** Packets between the request and the teardown: server data segments and the client's ACKs of them. */
    long responsePackets;
    long dataSegments;
    int congestionWindow;

    boolean tls13;
    int hostPrefix;
    int hostDomain;
    int hostTld;
    int httpPath;
    int httpUserAgent;
    int httpServer;
    long contentLength;
    /** Body bytes carried by the first response segment, after the header. */
    int firstSegmentBody;
    /** 1 when the Content-Length value needs a trailing space to make the first segment its planned size. */
    int contentLengthPadding;
    long bodySent;

    int dnsId;
    boolean dnsAaaa;
    int dnsAnswers;
    long answerSeed;

    int imixOffset;
    int randomBase;

    /**
     * @param clientHost number of the workload host, below {@link #MAX_CLIENT_HOSTS}.
     * @param clientPort an ephemeral port unique to this flow on that host.
     * @param rng        this flow's own generator, already past the draw of its bulk weight.
     * @param randomSpan how far into the shared random block {@link #randomBase} may start.
     */
    void start(
        final FlowKind kind,
        final long totalPackets,
        final long clientHost,
        final int clientPort,
        final int ipv6Percent,
        final SplitMix64 rng,
        final int randomSpan)
    {
        this.kind = kind;
        this.totalPackets = totalPackets;
        sent = 0;
        bodySent = 0;

        ipv6 = rng.percent(ipv6Percent);
        final int hostOctet = 1 + (int)(clientHost % 254);
        final int rack = (int)((clientHost / 254) & 0xFF);
        final int pod = (int)(clientHost / (254 * 256));
        clientV4 = (10 << 24) | (pod << 16) | (rack << 8) | hostOctet;
        clientHigh = CLIENT_V6_PREFIX | ((long)pod << 16) | rack;
        clientLow = hostOctet;
        clientMac = CLIENT_MAC_BASE | clientHost;
        this.clientPort = clientPort;

        if (kind == FlowKind.DNS)
        {
            final int resolver = rng.nextInt(ipv6 ? RESOLVERS_V6_HIGH.length : RESOLVERS_V4.length);
            serverV4 = ipv6 ? 0 : RESOLVERS_V4[resolver];
            serverHigh = ipv6 ? RESOLVERS_V6_HIGH[resolver] : 0;
            serverLow = ipv6 ? RESOLVERS_V6_LOW[resolver] : 0;
        }
        else
        {
            serverV4 = randomServerV4(rng);
            serverHigh = randomServerV6High(rng);
            serverLow = rng.nextLong() & 0xFFFF_FFFFL;
        }
        serverPort = switch (kind)
        {
            case TCP_HTTP -> PORT_HTTP;
            case TCP_TLS -> PORT_HTTPS;
            case DNS -> PORT_DNS;
            case UDP_OTHER -> 20_000 + rng.nextInt(40_000); // clear of VXLAN 4789 and Geneve 6081
        };

        clientIpId = rng.nextInt(0x10000);
        serverIpId = rng.nextInt(0x10000);
        serverTtl = 44 + rng.nextInt(20);
        flowLabel = rng.nextInt(1 << 20);
        clientSeq = rng.nextLong() & 0xFFFF_FFFFL;
        serverSeq = rng.nextLong() & 0xFFFF_FFFFL;
        reset = (kind == FlowKind.TCP_HTTP || kind == FlowKind.TCP_TLS) && rng.percent(RESET_PERCENT);
        congestionWindow = 0;

        tls13 = rng.percent(TLS13_PERCENT);
        hostPrefix = rng.nextInt(PayloadWriter.HOST_PREFIXES.length);
        hostDomain = rng.nextInt(PayloadWriter.HOST_DOMAINS.length);
        hostTld = rng.nextInt(PayloadWriter.HOST_TLDS.length);
        httpPath = rng.nextInt(PayloadWriter.HTTP_PATHS.length);
        httpUserAgent = rng.nextInt(PayloadWriter.HTTP_USER_AGENTS.length);
        httpServer = rng.nextInt(PayloadWriter.HTTP_SERVERS.length);

        dnsId = rng.nextInt(0x10000);
        dnsAaaa = rng.percent(ipv6 ? AAAA_PERCENT_IPV6 : AAAA_PERCENT_IPV4);
        dnsAnswers = 1 + rng.nextInt(2);
        answerSeed = rng.nextLong();

        imixOffset = rng.nextInt(TrafficGenerator.IMIX_PATTERN_LENGTH);
        randomBase = rng.nextInt(randomSpan);
    }

    boolean done()
    {
        return sent == totalPackets;
    }

    static int randomServerV4(final SplitMix64 rng)
    {
        final int[] range = SERVER_V4_RANGES[rng.nextInt(SERVER_V4_RANGES.length)];
        final int hostBits = 32 - range[1];
        final int address = range[0] | (rng.nextInt(1 << hostBits) & ~0xFF);
        return address | (1 + rng.nextInt(254)); // never the .0 or .255 of a /24
    }

    static long randomServerV6High(final SplitMix64 rng)
    {
        return SERVER_V6_PREFIXES[rng.nextInt(SERVER_V6_PREFIXES.length)] | ((long)rng.nextInt(0x10000) << 16);
    }
}
