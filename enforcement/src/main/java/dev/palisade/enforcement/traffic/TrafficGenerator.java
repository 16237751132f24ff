package dev.palisade.enforcement.traffic;

import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.TcpFlyweight;
import dev.palisade.enforcement.packet.UdpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Generates a capture of synthetic but realistic traffic with exactly the requested packets and flows, the same bytes
 * for the same {@link TrafficSpec}.
 * <p>
 * <b>Flows.</b> Flow {@code i} has kind {@link FlowKind#ofFlow(long)}, a client in the 10.0.0.0/8 workload range (or
 * fd0a::/16 for IPv6) whose address and ephemeral port follow from {@code i}, which is what keeps the N 5-tuples
 * distinct, and a server in a few public-looking ranges. Every flow gets its kind's minimal exchange; the packets
 * beyond that are shared among the TCP and plain UDP flows by heavy-tailed (Pareto) weights, so most flows stay short
 * and a few become elephants, as on a real link. A TCP flow's extra packets are server data segments, with a client
 * ACK after every second one.
 * <p>
 * <b>Time.</b> Up to {@link #CONCURRENT_FLOWS} flows are open at once, like a link's working set. Each packet slot goes
 * to an open flow picked at random; a flow in bulk transfer keeps the link for a burst that grows as TCP slow start
 * does, so elephants progress faster than mice. Timestamps advance by a jittered gap whose mean is the spec's packet
 * rate. A flow that ends is replaced by the next one.
 * <p>
 * The per-packet loop allocates nothing: one frame buffer, a fixed pool of flows, and precomputed payload tables.
 */
public final class TrafficGenerator
{
    /** Told about progress every {@link #PROGRESS_INTERVAL_PACKETS} packets and at the end, on the caller's thread. */
    @FunctionalInterface
    public interface ProgressListener
    {
        void progress(long packetsWritten, long packetsTotal);

        ProgressListener NONE = (packetsWritten, packetsTotal) -> {};
    }

    public static final int CONCURRENT_FLOWS = 1024;
    public static final long PROGRESS_INTERVAL_PACKETS = 1 << 20;

    /** Workload hosts each open about this many flows, which sets how many client addresses appear. */
    static final long FLOWS_PER_CLIENT_HOST = 16;
    /** Shape of the bulk weights: below 2 the variance is infinite, which is what gives a few flows most bytes. */
    static final double BULK_PARETO_ALPHA = 1.2;
    static final double MAX_BULK_WEIGHT = 1e6;
    /** RFC 6928's initial window, doubling per burst up to a 64-segment window. */
    static final int INITIAL_BURST_SEGMENTS = 10;
    static final int MAX_BURST_PACKETS = 64;
    static final int UDP_BURST_PACKETS = 8;
    /** Simple IMIX 7:4:1 frames (64, 594, 1518 bytes on the wire, less the FCS), ordered to spread the large ones. */
    static final int[] IMIX_FRAMES = { 60, 590, 60, 60, 1514, 60, 590, 60, 60, 590, 60, 590 };
    static final int IMIX_PATTERN_LENGTH = IMIX_FRAMES.length;
    static final int LARGE_FRAME_LENGTH = 1514;
    /** The message number that starts each plain UDP datagram. */
    static final int UDP_MESSAGE_HEADER_LENGTH = 4;

    private final TrafficSpec spec;
    private final FrameBuilder frames;
    private final UnsafeBuffer buffer;
    private final PayloadWriter payloads;
    private final SplitMix64 scheduleRng;
    private final SplitMix64 flowRng = new SplitMix64(0);
    private final Flow[] active;
    private final long clientHosts;
    private final long meanGapNs;

    private final long extraPackets;
    private final double totalBulkWeight;
    private final long lastBulkFlow;
    private double cumulativeBulkWeight;
    private long extraAllocated;

    private int activeCount;
    private long nextFlowIndex;
    private final long[] flowsByKind = new long[FlowKind.values().length];
    private long ipv6Flows;
    private long resetFlows;

    private TrafficGenerator(final TrafficSpec spec)
    {
        this.spec = spec;
        frames = new FrameBuilder(spec.sizeMode() == SizeMode.SMALL_64);
        buffer = frames.buffer;
        payloads = new PayloadWriter(spec.seed());
        scheduleRng = new SplitMix64(SplitMix64.mix(spec.seed() ^ 0x5343_4845_4455_4C45L));
        active = new Flow[(int)Math.min(CONCURRENT_FLOWS, spec.flows())];
        for (int i = 0; i < active.length; i++)
        {
            active[i] = new Flow();
        }
        clientHosts = Math.min(Flow.MAX_CLIENT_HOSTS,
            (spec.flows() + FLOWS_PER_CLIENT_HOST - 1) / FLOWS_PER_CLIENT_HOST);
        meanGapNs = Math.max(1, 1_000_000_000L / spec.packetsPerSecond());

        extraPackets = spec.packets() - FlowKind.minimumPackets(spec.flows());
        long last = spec.flows() - 1;
        while (!FlowKind.ofFlow(last).carriesBulk())
        {
            last--; // flow 0 carries bulk, so this stops
        }
        lastBulkFlow = last;
        totalBulkWeight = extraPackets > 0 ? totalBulkWeight() : 0;
    }

    /** Generates into a new file, pcap or pcapng by its name ({@link CaptureWriter.Format#forPath}). */
    public static TrafficStats generate(final TrafficSpec spec, final Path out, final ProgressListener progress)
        throws IOException
    {
        try (CaptureWriter writer = CaptureWriter.create(out, LinkType.ETHERNET))
        {
            return generate(spec, writer, progress);
        }
    }

    /**
     * Writes the traffic through {@code writer}, which must have been created with {@link LinkType#ETHERNET}; the
     * caller closes it.
     */
    public static TrafficStats generate(final TrafficSpec spec, final CaptureWriter writer,
        final ProgressListener progress) throws IOException
    {
        return new TrafficGenerator(spec).run(writer, progress);
    }

    private TrafficStats run(final CaptureWriter writer, final ProgressListener progress) throws IOException
    {
        final long totalPackets = spec.packets();
        long timestampNs = spec.startTimeNs();
        long lastTimestampNs = timestampNs;
        long bytes = 0;
        Flow flow = null;
        int slot = 0;
        long burstLeft = 0;
        for (long written = 0; written < totalPackets; written++)
        {
            // Open at most one flow per packet, so the first flows ramp up rather than all sending SYN at once.
            if (activeCount < active.length && nextFlowIndex < spec.flows())
            {
                startFlow(active[activeCount++]);
            }
            if (burstLeft == 0)
            {
                slot = scheduleRng.nextInt(activeCount);
                flow = active[slot];
                burstLeft = burstPackets(flow);
            }

            final int length = emit(flow);
            writer.write(timestampNs, buffer, 0, length, length);
            bytes += length;
            lastTimestampNs = timestampNs;
            timestampNs += (meanGapNs >>> 1) + scheduleRng.nextLong(meanGapNs + 1);

            burstLeft--;
            if (flow.done())
            {
                retire(slot);
                burstLeft = 0;
            }
            if ((written + 1) % PROGRESS_INTERVAL_PACKETS == 0)
            {
                progress.progress(written + 1, totalPackets);
            }
        }
        if (activeCount != 0 || nextFlowIndex != spec.flows())
        {
            throw new IllegalStateException("generator bug: " + activeCount + " flows still open and " +
                (spec.flows() - nextFlowIndex) + " never started after " + totalPackets + " packets");
        }
        progress.progress(totalPackets, totalPackets);
        return new TrafficStats(
            totalPackets,
            bytes,
            flowsByKind[FlowKind.TCP_HTTP.ordinal()],
            flowsByKind[FlowKind.TCP_TLS.ordinal()],
            flowsByKind[FlowKind.DNS.ordinal()],
            flowsByKind[FlowKind.UDP_OTHER.ordinal()],
            ipv6Flows,
            resetFlows,
            spec.startTimeNs(),
            lastTimestampNs);
    }

    private void retire(final int slot)
    {
        if (nextFlowIndex < spec.flows())
        {
            startFlow(active[slot]);
            return;
        }
        final Flow done = active[slot];
        active[slot] = active[--activeCount];
        active[activeCount] = done;
    }

    private long flowSeed(final long index)
    {
        return SplitMix64.mix(SplitMix64.mix(index * 0x9E37_79B9_7F4A_7C15L + 1) ^ spec.seed());
    }

    /** Must be the first draw from a flow's generator, so that the first pass and the generation agree. */
    private static double bulkWeight(final SplitMix64 rng)
    {
        // StrictMath: the same weights, hence the same bytes, on every JVM.
        return Math.min(MAX_BULK_WEIGHT, StrictMath.pow(rng.nextDoubleOpenZero(), -1.0 / BULK_PARETO_ALPHA));
    }

    private double totalBulkWeight()
    {
        double total = 0;
        for (long i = 0; i < spec.flows(); i++)
        {
            if (FlowKind.ofFlow(i).carriesBulk())
            {
                flowRng.reset(flowSeed(i));
                total += bulkWeight(flowRng);
            }
        }
        return total;
    }

    /**
     * Flow {@code i} gets the extra packets between floor(E x W(i-1) / W) and floor(E x W(i) / W), W(i) being the
     * running sum of weights: every share is known when its flow starts, no table of N shares is kept, and the shares
     * add up to exactly E because the last bulk flow takes the remainder.
     */
    private long extraPacketsFor(final long index, final double weight)
    {
        if (extraPackets == 0)
        {
            return 0;
        }
        if (index == lastBulkFlow)
        {
            return extraPackets - extraAllocated;
        }
        cumulativeBulkWeight += weight;
        final long upTo = Math.min(extraPackets, (long)(extraPackets * cumulativeBulkWeight / totalBulkWeight));
        final long extra = Math.max(0, upTo - extraAllocated);
        extraAllocated += extra;
        return extra;
    }

    private void startFlow(final Flow flow)
    {
        final long index = nextFlowIndex++;
        final FlowKind kind = FlowKind.ofFlow(index);
        flowRng.reset(flowSeed(index));
        final double weight = bulkWeight(flowRng);
        final long packets = kind.minimumPackets() + (kind.carriesBulk() ? extraPacketsFor(index, weight) : 0);

        // Host-major order spreads consecutive flows over hosts; the stride scrambles ports but stays one-to-one.
        final long host = index % clientHosts;
        final long portIndex = index / clientHosts;
        final long portSalt = (SplitMix64.mix(host ^ spec.seed()) >>> 1) % Flow.EPHEMERAL_PORT_COUNT;
        final int port = Flow.EPHEMERAL_PORT_BASE +
            (int)((portIndex * Flow.EPHEMERAL_PORT_STRIDE + portSalt) % Flow.EPHEMERAL_PORT_COUNT);

        flow.start(kind, packets, host, port, spec.ipv6Percent(), flowRng, PayloadWriter.RANDOM_WINDOWS);
        if (kind == FlowKind.TCP_HTTP || kind == FlowKind.TCP_TLS)
        {
            planTcp(flow);
        }

        flowsByKind[kind.ordinal()]++;
        ipv6Flows += flow.ipv6 ? 1 : 0;
        resetFlows += flow.reset ? 1 : 0;
    }

    /**
     * A TCP flow is: SYN, SYN/ACK, ACK, request, then the response phase (server data segments, a client ACK after
     * every second), then FIN, FIN, ACK or a lone RST. The response phase gets what the other packets leave.
     */
    private void planTcp(final Flow flow)
    {
        final long teardown = flow.reset ? 1 : 3;
        final long response = flow.totalPackets - 4 - teardown;
        flow.responsePackets = response;
        flow.dataSegments = response - response / 3;
        flow.congestionWindow = INITIAL_BURST_SEGMENTS;
        if (flow.kind == FlowKind.TCP_HTTP)
        {
            planHttpResponse(flow);
        }
    }

    /**
     * Chooses Content-Length so that the body ends exactly with the last data segment and every segment has its planned
     * size. The first segment holds the header and as much body as its planned size leaves room for; the header's own
     * length depends on the digits of Content-Length, so that is solved for, with one trailing space when no digit
     * count fits.
     */
    private void planHttpResponse(final Flow flow)
    {
        final long laterBody = dataPayloadSum(flow, 1, flow.dataSegments - 1, true);
        final int firstPlanned = dataPayload(flow, 0, true);
        final int base = payloads.httpResponseHeaderBaseLength(flow);
        flow.contentLength = laterBody;
        flow.firstSegmentBody = 0;
        flow.contentLengthPadding = 0;
        if (firstPlanned <= base + digits(laterBody))
        {
            return; // the header alone is at least the planned size
        }
        for (int padding = 0; padding <= 1; padding++)
        {
            for (int digits = 1; digits <= 19; digits++)
            {
                final long contentLength = firstPlanned + laterBody - base - padding - digits;
                if (contentLength >= laterBody && digits(contentLength) == digits)
                {
                    flow.contentLength = contentLength;
                    flow.firstSegmentBody = (int)(contentLength - laterBody);
                    flow.contentLengthPadding = padding;
                    return;
                }
            }
        }
    }

    private static int digits(final long value)
    {
        int digits = 1;
        for (long v = value; v >= 10; v /= 10)
        {
            digits++;
        }
        return digits;
    }

    /** @return how many consecutive packets the flow sends once picked: a window in bulk transfer, else one. */
    private static long burstPackets(final Flow flow)
    {
        switch (flow.kind)
        {
            case TCP_HTTP:
            case TCP_TLS:
            {
                final long inResponse = flow.sent - 4;
                if (inResponse < 0 || inResponse >= flow.responsePackets)
                {
                    return 1;
                }
                final long burst = Math.min(flow.congestionWindow, flow.responsePackets - inResponse);
                flow.congestionWindow = Math.min(MAX_BURST_PACKETS, flow.congestionWindow * 2);
                return burst;
            }

            case UDP_OTHER:
                return Math.min(UDP_BURST_PACKETS, flow.totalPackets - flow.sent);

            default:
                return 1;
        }
    }

    /** Builds the flow's next packet in the frame buffer and returns its length. */
    private int emit(final Flow flow)
    {
        final int length = switch (flow.kind)
        {
            case TCP_HTTP, TCP_TLS -> emitTcp(flow);
            case DNS -> emitDns(flow);
            case UDP_OTHER -> emitUdp(flow);
        };
        flow.sent++;
        return length;
    }

    private int emitTcp(final Flow flow)
    {
        final long k = flow.sent;
        final int at = FrameBuilder.tcpPayloadOffset(flow);
        final int ack = TcpFlyweight.ACK;
        if (k == 0)
        {
            return frames.tcp(flow, true, flow.clientSeq++, 0, TcpFlyweight.SYN, 0);
        }
        if (k == 1)
        {
            return frames.tcp(flow, false, flow.serverSeq++, flow.clientSeq, TcpFlyweight.SYN | ack, 0);
        }
        if (k == 2)
        {
            return frames.tcp(flow, true, flow.clientSeq, flow.serverSeq, ack, 0);
        }
        if (k == 3)
        {
            final int request = flow.kind == FlowKind.TCP_HTTP ?
                payloads.httpRequest(buffer, at, flow) : payloads.tlsClientHello(buffer, at, flow);
            final int length = frames.tcp(flow, true, flow.clientSeq, flow.serverSeq, TcpFlyweight.PSH | ack, request);
            flow.clientSeq += request;
            return length;
        }

        final long inResponse = k - 4;
        if (inResponse < flow.responsePackets)
        {
            if (inResponse % 3 == 2)
            {
                return frames.tcp(flow, true, flow.clientSeq, flow.serverSeq, ack, 0);
            }
            final long segment = inResponse - inResponse / 3;
            final int payload = responseSegment(flow, segment, at);
            final int flags = segment == flow.dataSegments - 1 ? TcpFlyweight.PSH | ack : ack;
            final int length = frames.tcp(flow, false, flow.serverSeq, flow.clientSeq, flags, payload);
            flow.serverSeq += payload;
            return length;
        }

        if (flow.reset)
        {
            return frames.tcp(flow, true, flow.clientSeq, flow.serverSeq, TcpFlyweight.RST | ack, 0);
        }
        final long teardown = inResponse - flow.responsePackets;
        if (teardown == 0)
        {
            return frames.tcp(flow, true, flow.clientSeq++, flow.serverSeq, TcpFlyweight.FIN | ack, 0);
        }
        if (teardown == 1)
        {
            return frames.tcp(flow, false, flow.serverSeq++, flow.clientSeq, TcpFlyweight.FIN | ack, 0);
        }
        return frames.tcp(flow, true, flow.clientSeq, flow.serverSeq, ack, 0);
    }

    /** Writes data segment {@code segment} of the response at {@code at} and returns its length. */
    private int responseSegment(final Flow flow, final long segment, final int at)
    {
        if (flow.kind == FlowKind.TCP_HTTP)
        {
            if (segment == 0)
            {
                final int header = payloads.httpResponseHeader(buffer, at, flow);
                payloads.httpBody(buffer, at + header, flow, flow.firstSegmentBody);
                return header + flow.firstSegmentBody;
            }
            final int length = dataPayload(flow, segment, true);
            payloads.httpBody(buffer, at, flow, length);
            return length;
        }

        if (segment == 0)
        {
            final int flight = payloads.tlsServerFlight(buffer, at, flow);
            final int room = dataPayload(flow, 0, true) - flight;
            if (room < PayloadWriter.TLS_MIN_RECORD_LENGTH)
            {
                return flight;
            }
            payloads.tlsApplicationData(buffer, at + flight, room, flow.answerSeed);
            return flight + room;
        }
        final int length = dataPayload(flow, segment, true);
        payloads.tlsApplicationData(buffer, at, length, flow.answerSeed + segment);
        return length;
    }

    private int emitDns(final Flow flow)
    {
        final int at = FrameBuilder.udpPayloadOffset(flow);
        final boolean query = flow.sent == 0;
        final int payload = query ? payloads.dnsQuery(buffer, at, flow) : payloads.dnsResponse(buffer, at, flow);
        return frames.udp(flow, query, payload);
    }

    /**
     * A datagram of an application protocol of our own: a 32-bit message number, then opaque bytes. Starting with a
     * small number (a zero first byte) keeps Wireshark's heuristic dissectors (RTCP, CLTP) from claiming random
     * bytes and calling them malformed.
     */
    private int emitUdp(final Flow flow)
    {
        final long k = flow.sent;
        final int payload = dataPayload(flow, k, false);
        final int at = FrameBuilder.udpPayloadOffset(flow);
        buffer.putInt(at, (int)(k & 0xFF_FFFF), ByteOrder.BIG_ENDIAN);
        payloads.randomBytes(buffer, at + UDP_MESSAGE_HEADER_LENGTH, payload - UDP_MESSAGE_HEADER_LENGTH,
            flow.answerSeed + k);
        return frames.udp(flow, (k & 1) == 0, payload);
    }

    /**
     * @param segment the flow's data segment (TCP) or datagram (UDP) number, which picks its place in the IMIX pattern.
     * @return the payload that makes this segment's frame the size the mode asks for, within the protocol's limits.
     */
    private int dataPayload(final Flow flow, final long segment, final boolean tcp)
    {
        final int headers = EthernetFlyweight.HEADER_LENGTH + FrameBuilder.ipHeaderLength(flow) +
            (tcp ? TcpFlyweight.MIN_HEADER_LENGTH : UdpFlyweight.HEADER_LENGTH);
        final int frameLength = switch (spec.sizeMode())
        {
            case SMALL_64 -> FrameBuilder.MIN_FRAME_LENGTH;
            case LARGE_1500 -> LARGE_FRAME_LENGTH;
            case IMIX -> IMIX_FRAMES[(int)((flow.imixOffset + segment) % IMIX_PATTERN_LENGTH)];
        };
        final int minimum = switch (flow.kind)
        {
            case TCP_TLS -> PayloadWriter.TLS_MIN_RECORD_LENGTH;
            case UDP_OTHER -> UDP_MESSAGE_HEADER_LENGTH;
            default -> 1;
        };
        final int maximum = tcp ? FrameBuilder.mss(flow) : LARGE_FRAME_LENGTH - headers;
        return Math.max(minimum, Math.min(maximum, frameLength - headers));
    }

    /** @return the payload bytes of {@code count} segments from {@code first}, in constant time for IMIX's cycle. */
    private long dataPayloadSum(final Flow flow, final long first, final long count, final boolean tcp)
    {
        if (count <= 0)
        {
            return 0;
        }
        long sum = 0;
        final long cycles = count / IMIX_PATTERN_LENGTH;
        final long remainder = count % IMIX_PATTERN_LENGTH;
        for (int i = 0; i < IMIX_PATTERN_LENGTH; i++)
        {
            final long times = cycles + (i < remainder ? 1 : 0);
            if (times > 0)
            {
                sum += times * dataPayload(flow, first + i, tcp);
            }
        }
        return sum;
    }
}
