package dev.palisade.enforcement.packet;

import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.capture.SharedTestData;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.palisade.enforcement.packet.FrameBuilder.addressHigh;
import static dev.palisade.enforcement.packet.FrameBuilder.addressLow;
import static dev.palisade.enforcement.packet.PacketMeta.FRAGMENT_FIRST;
import static dev.palisade.enforcement.packet.PacketMeta.FRAGMENT_LATER;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_ICMPV6;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_TCP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parser on the 271 real captures from nDPI's test suite ({@code ../shared/data/dpi/pcap}). Expected values were
 * read with {@code tshark -r FILE -o ip.defragment:FALSE -T fields -e ip.src ...}; {@link PacketParserTsharkTest}
 * repeats that comparison live for whole captures.
 */
class PacketParserCaptureTest
{
    private static final int CAPTURE_FILES = 271;
    private static final long PACKETS_IN_ALL_CAPTURES = 55_775;

    /**
     * Every malformed packet in the corpus, by file, reason and 1-based frame number (as tshark numbers them). Each
     * was checked with tshark, whose expert info agrees that the packet is broken:
     * <ul>
     * <li>badpackets.pcap: all 93 frames claim IPv4 total length 1,500 in frames of 60 to 1,501 bytes, too short to
     *     hold it ("IPv4 total length exceeds packet length"); the file was made to be bad.</li>
     * <li>anydesk.pcapng 102, line.pcap 275: IPv4 total length 0 in a 3,980 / 3,192-byte frame. Both were captured on
     *     the sending host with TCP segmentation offload, which leaves the field for the NIC to fill in; tshark only
     *     makes sense of them with its "support packet-capture from IP TSO-enabled hardware" heuristic, and calls
     *     them "Bogus IP length" without it. Nothing with total length 0 is valid on the wire.</li>
     * <li>ndpi_match_string_subprotocol__error.pcapng 10: total length 2,610 in a 576-byte frame.</li>
     * <li>reasm_crash_anon.pcapng: nine frames with total lengths (116 to 31,297) beyond the frame, and frame 95
     *     with TCP data offset 0 ("Bogus TCP header length (0, must be at least 20)").</li>
     * <li>tls_invalid_reads.pcap 2: total length 4,148 in a 66-byte frame.</li>
     * <li>fuzz-2006-09-29-28586.pcap (a fuzzer's output): total lengths 9,587 and 170 in 1,514- and 54-byte frames;
     *     IP version 1 and 2 ("Bogus IPv4 version"); a 40-byte TCP header in a packet with 20 bytes of TCP (27,
     *     80); total length 35, leaving 15 bytes for a TCP header (111).</li>
     * <li>kerberos_fuzz.pcapng 1: TCP data offset 2, an 8-byte header.</li>
     * <li>gnutella.pcap 1: 4 bytes captured of a 60-byte frame, less than an Ethernet header.</li>
     * <li>BGP_redist.pcap (Cisco HDLC, link type 104) and dlt_ppp.pcap (PPP, 9): link types the parser does not
     *     handle, reported as such rather than guessed at.</li>
     * </ul>
     */
    private static final Map<String, String> EXPECTED_MALFORMED = expectedMalformed();

    private final PacketParser parser = new PacketParser();
    private final PacketMeta meta = new PacketMeta();
    private byte[] tcpHeaderBytes = new byte[0];

    @Test
    void shouldParseEveryPacketOfEveryCaptureWithOnlyKnownMalformedPackets() throws IOException
    {
        final List<Path> captures = SharedTestData.dpiCaptures();
        final Map<String, String> malformed = new TreeMap<>();
        long packets = 0;
        long ipPackets = 0;

        for (final Path capture : captures)
        {
            final Map<MalformedReason, List<Integer>> reasons = new TreeMap<>();
            try (CaptureReader reader = CaptureReader.open(capture))
            {
                int frameNumber = 0;
                while (reader.next())
                {
                    frameNumber++;
                    packets++;
                    final int result = parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                        reader.wireLength(), reader.linkType());
                    if (result != 0)
                    {
                        reasons.computeIfAbsent(MalformedReason.byId(result), (reason) -> new ArrayList<>())
                            .add(frameNumber);
                    }
                    else if (meta.isIp())
                    {
                        ipPackets++;
                    }
                }
            }
            if (!reasons.isEmpty())
            {
                malformed.put(capture.getFileName().toString(), reasons.toString());
            }
        }

        assertEquals(CAPTURE_FILES, captures.size(), "captures in the shared data folder");
        assertEquals(PACKETS_IN_ALL_CAPTURES, packets, "packets in all captures (tshark agrees)");
        assertTrue(ipPackets > 55_000, "IP packets parsed: " + ipPackets);
        assertEquals(EXPECTED_MALFORMED, malformed);
    }

    @Test
    void shouldParseVlanTaggedTcpHandshake() throws IOException
    {
        // bot.pcap: every frame carries VLAN 77.
        final Path capture = SharedTestData.dpiCapture("bot.pcap");

        parseFrame(capture, 1);
        assertEquals(1, meta.vlanCount);
        assertEquals(77, meta.outerVlan);
        assertIpv4("40.77.167.36", "89.31.72.220", PROTO_TCP, 64768, 80);
        assertEquals(0xC2, meta.tcpFlags, "SYN with ECE and CWR");
        assertEquals(3_070_675_436L, meta.tcpSeq);
        assertEquals(0, meta.tcpAck);
        assertEquals(64240, meta.tcpWindow);
        assertEquals(110, meta.ttl);
        assertEquals(1440, tcpHeader().mss());
        final long synHash = meta.flowHash;
        final boolean synReversed = meta.keyReversed;

        parseFrame(capture, 2);
        assertIpv4("89.31.72.220", "40.77.167.36", PROTO_TCP, 80, 64768);
        assertEquals(TcpFlyweight.SYN | TcpFlyweight.ACK, meta.tcpFlags);
        assertEquals(1_492_489_111L, meta.tcpSeq);
        assertEquals(3_070_675_437L, meta.tcpAck);
        assertEquals(63, meta.ttl);
        assertEquals(1460, tcpHeader().mss());
        assertEquals(synHash, meta.flowHash);
        assertNotEquals(synReversed, meta.keyReversed);
    }

    @Test
    void shouldParsePcapngTcpWithWindowScale() throws IOException
    {
        parseFrame(SharedTestData.dpiCapture("http.pcapng"), 1);

        assertIpv4("192.168.1.128", "216.58.208.142", PROTO_TCP, 42170, 80);
        assertEquals(TcpFlyweight.SYN, meta.tcpFlags);
        assertEquals(294_165_709L, meta.tcpSeq);
        assertEquals(64, meta.ttl);
        assertEquals(1460, tcpHeader().mss());
        assertEquals(7, tcpHeader().windowScale());
    }

    @Test
    void shouldParseRawIpCapture() throws IOException
    {
        parseFrame(SharedTestData.dpiCapture("codm.pcap"), 2);

        assertEquals(LinkType.RAW, meta.linkType);
        assertEquals(meta.frameOffset, meta.l3Offset);
        assertIpv4("49.51.177.25", "10.215.173.1", PROTO_TCP, 8013, 45028);
        assertEquals(TcpFlyweight.SYN | TcpFlyweight.ACK, meta.tcpFlags);
        assertEquals(9960, tcpHeader().mss());
        assertEquals(9, tcpHeader().windowScale());
    }

    @Test
    void shouldParseNullLoopbackCapture() throws IOException
    {
        parseFrame(SharedTestData.dpiCapture("rdp.pcap"), 1);

        assertEquals(LinkType.NULL, meta.linkType);
        assertEquals(meta.frameOffset + PacketParser.NULL_HEADER_LENGTH, meta.l3Offset);
        assertIpv4("172.16.2.185", "192.168.2.142", PROTO_TCP, 52494, 3389);
        assertEquals(0xC2, meta.tcpFlags);
        assertEquals(1273, tcpHeader().mss());
        assertEquals(5, tcpHeader().windowScale());
    }

    @Test
    void shouldParseLinuxCookedCapture() throws IOException
    {
        parseFrame(SharedTestData.dpiCapture("KakaoTalk_chat.pcap"), 1);

        assertEquals(LinkType.LINUX_SLL, meta.linkType);
        assertEquals(meta.frameOffset + PacketParser.SLL_HEADER_LENGTH, meta.l3Offset);
        assertIpv4("10.24.82.188", "10.188.1.1", PROTO_UDP, 38448, 53);
        assertEquals(64, meta.ttl);
    }

    @Test
    void shouldDecapsulateIpv4InIpv6() throws IOException
    {
        // 4in6tunnel.pcap: a TCP handshake and data between 192.168.0.1 and 10.10.10.1 inside IPv6.
        final Path capture = SharedTestData.dpiCapture("4in6tunnel.pcap");
        final int[] flags = {
            TcpFlyweight.SYN,
            TcpFlyweight.SYN | TcpFlyweight.ACK,
            TcpFlyweight.PSH | TcpFlyweight.ACK,
            TcpFlyweight.ACK };
        long flowHash = 0;
        for (int frame = 1; frame <= 4; frame++)
        {
            parseFrame(capture, frame);
            assertEquals(1, meta.tunnelDepth);
            assertEquals(PacketMeta.NO_VNI, meta.vni);
            if ((frame & 1) == 1)
            {
                assertIpv4("192.168.0.1", "10.10.10.1", PROTO_TCP, 64455, 443);
            }
            else
            {
                assertIpv4("10.10.10.1", "192.168.0.1", PROTO_TCP, 443, 64455);
            }
            assertEquals(flags[frame - 1], meta.tcpFlags, "flags of frame " + frame);
            if (frame == 1)
            {
                assertEquals(127, meta.ttl, "the inner TTL, not the outer hop limit (63)");
                flowHash = meta.flowHash;
            }
            assertEquals(flowHash, meta.flowHash, "one flow");
        }
    }

    @Test
    void shouldDecapsulateIpv6InIpv6() throws IOException
    {
        final Path capture = SharedTestData.dpiCapture("6in6tunnel.pcap");

        parseFrame(capture, 1);
        assertEquals(1, meta.tunnelDepth);
        assertAddresses("dead::beef", "cafe::babe");
        assertTransport(PROTO_UDP, 30000, 13000);

        // The second frame has different outer addresses (feed::beef to feed::cafe) but the same inner flow.
        final long flowHash = meta.flowHash;
        parseFrame(capture, 2);
        assertAddresses("dead::beef", "cafe::babe");
        assertEquals(flowHash, meta.flowHash);
    }

    @Test
    void shouldDecapsulateIpv6InIpv4AndSeeTagsAndPppoe() throws IOException
    {
        final Path capture = SharedTestData.dpiCapture("syslog.pcap");

        // Frame 26: 6in4 (protocol 41) from 193.24.227.10; the inner packet is syslog over IPv6.
        parseFrame(capture, 26);
        assertEquals(1, meta.tunnelDepth);
        assertAddresses("2001:470:6c:a1::2", "2001:470:765b::b15:22");
        assertTransport(PROTO_UDP, 38159, 514);
        assertEquals(64, meta.ttl);

        // Frame 20: VLAN 121.
        parseFrame(capture, 20);
        assertEquals(121, meta.outerVlan);
        assertIpv4("192.168.121.10", "192.168.120.10", PROTO_UDP, 50080, 514);
        assertEquals(255, meta.ttl);

        // Frame 1: syslog inside a PPPoE session (0x8864), as tshark decodes it.
        parseFrame(capture, 1);
        assertEquals(EthernetFlyweight.ETHER_TYPE_IPV4, meta.etherType, "the EtherType of the network layer found");
        assertIpv4("95.136.242.54", "93.20.126.110", PROTO_UDP, 514, 514);
    }

    @Test
    void shouldReadBothTagsOfQinQ() throws IOException
    {
        // dns.pcap frame 4: VLAN 421 then 785, then a DNS query in a PPPoE session.
        parseFrame(SharedTestData.dpiCapture("dns.pcap"), 4);

        assertEquals(2, meta.vlanCount);
        assertEquals(421, meta.outerVlan);
        assertEquals(785, meta.innerVlan);
        assertEquals(EthernetFlyweight.ETHER_TYPE_IPV4, meta.etherType);
        assertIpv4("82.178.113.245", "82.178.158.181", PROTO_UDP, 47255, 53);
    }

    @Test
    void shouldParseIpv4AndIpv6Fragments() throws IOException
    {
        // dns_fragmented.pcap: DNS responses too large for one packet, fragmented in IPv4 (2, 3) and IPv6 (5, 6; the
        // IPv6 ones carry a fragment header).
        final Path capture = SharedTestData.dpiCapture("dns_fragmented.pcap");

        parseFrame(capture, 2);
        assertEquals(FRAGMENT_FIRST, meta.fragment);
        assertIpv4("193.24.227.238", "172.217.40.76", PROTO_UDP, 53, 56680);

        parseFrame(capture, 3);
        assertEquals(FRAGMENT_LATER, meta.fragment);
        assertIpv4("193.24.227.238", "172.217.40.76", PROTO_UDP, 0, 0);

        parseFrame(capture, 5);
        assertEquals(FRAGMENT_FIRST, meta.fragment);
        assertAddresses("2001:470:765b::a25:53", "2a00:1450:4013:c03::10a");
        assertTransport(PROTO_UDP, 53, 46433);
        assertEquals(meta.l3Offset + 40 + 8, meta.l4Offset, "after the fragment header");

        parseFrame(capture, 6);
        assertEquals(FRAGMENT_LATER, meta.fragment);
        assertAddresses("2001:470:765b::a25:53", "2a00:1450:4013:c03::10a");
        assertTransport(PROTO_UDP, 0, 0);
    }

    @Test
    void shouldWalkHopByHopHeaderToIcmpv6() throws IOException
    {
        // android.pcap frame 65: an MLDv2 report (ICMPv6 143) behind a hop-by-hop router-alert header.
        parseFrame(SharedTestData.dpiCapture("android.pcap"), 65);

        assertAddresses("::", "ff02::16");
        assertEquals(PROTO_ICMPV6, meta.protocol);
        assertEquals(143, meta.icmpType);
        assertEquals(0, meta.icmpCode);
        assertEquals(143 << 8, meta.srcPort);
        assertEquals(1, meta.ttl);
        assertEquals(meta.l3Offset + 40 + 8, meta.l4Offset);
    }

    private void parseFrame(final Path capture, final int frameNumber) throws IOException
    {
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            for (int i = 1; i <= frameNumber; i++)
            {
                assertTrue(reader.next(), () -> capture.getFileName() + " has fewer than " + frameNumber + " frames");
            }
            final int result = parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                reader.wireLength(), reader.linkType());
            assertEquals(0, result, () -> capture.getFileName() + " frame " + frameNumber + ": " +
                MalformedReason.byId(result));

            // The mapped file goes away with the reader, so keep a copy of the TCP header for tcpHeader().
            tcpHeaderBytes = new byte[0];
            if (meta.protocol == PROTO_TCP && meta.l4Offset >= 0 && meta.payloadOffset > meta.l4Offset)
            {
                tcpHeaderBytes = new byte[meta.payloadOffset - meta.l4Offset];
                reader.buffer().getBytes(meta.l4Offset, tcpHeaderBytes);
            }
        }
    }

    /** @return the TCP header of the frame last read by {@link #parseFrame}. */
    private TcpFlyweight tcpHeader()
    {
        assertEquals(PROTO_TCP, meta.protocol);
        final TcpFlyweight tcp = new TcpFlyweight();
        tcp.wrap(new UnsafeBuffer(tcpHeaderBytes), 0);
        return tcp;
    }

    private int parse(
        final DirectBuffer buffer, final int offset, final int capturedLength, final int wireLength, final int linkType)
    {
        return parser.parse(buffer, offset, capturedLength, wireLength, linkType, meta);
    }

    private void assertIpv4(
        final String source,
        final String destination,
        final int protocol,
        final int sourcePort,
        final int destinationPort)
    {
        assertTrue(meta.isIpv4(), "IPv4");
        assertAddresses(source, destination);
        assertTransport(protocol, sourcePort, destinationPort);
    }

    private void assertAddresses(final String source, final String destination)
    {
        assertEquals(addressHigh(source), meta.srcHi, "source " + source);
        assertEquals(addressLow(source), meta.srcLo, "source " + source);
        assertEquals(addressHigh(destination), meta.dstHi, "destination " + destination);
        assertEquals(addressLow(destination), meta.dstLo, "destination " + destination);
    }

    private void assertTransport(final int protocol, final int sourcePort, final int destinationPort)
    {
        assertEquals(protocol, meta.protocol, "protocol");
        assertEquals(sourcePort, meta.srcPort, "source port");
        assertEquals(destinationPort, meta.dstPort, "destination port");
    }

    private static Map<String, String> expectedMalformed()
    {
        final StringBuilder badPackets = new StringBuilder();
        for (int frame = 1; frame <= 93; frame++)
        {
            badPackets.append(frame == 1 ? "" : ", ").append(frame);
        }
        final Map<String, String> expected = new TreeMap<>();
        expected.put("BGP_redist.pcap", "{UNSUPPORTED_LINK_TYPE=[1, 2]}");
        expected.put("anydesk.pcapng", "{BAD_IPV4_TOTAL_LENGTH=[102]}");
        expected.put("badpackets.pcap", "{BAD_IPV4_TOTAL_LENGTH=[" + badPackets + "]}");
        expected.put("dlt_ppp.pcap", "{UNSUPPORTED_LINK_TYPE=[1]}");
        expected.put("fuzz-2006-09-29-28586.pcap", "{BAD_IPV4_VERSION=[76, 91], BAD_IPV4_TOTAL_LENGTH=[72, 79], " +
            "TRUNCATED_TCP=[111], BAD_TCP_OFFSET=[27, 80]}");
        expected.put("gnutella.pcap", "{TRUNCATED_ETHERNET=[1]}");
        expected.put("kerberos_fuzz.pcapng", "{BAD_TCP_OFFSET=[1]}");
        expected.put("line.pcap", "{BAD_IPV4_TOTAL_LENGTH=[275]}");
        expected.put("ndpi_match_string_subprotocol__error.pcapng", "{BAD_IPV4_TOTAL_LENGTH=[10]}");
        expected.put("reasm_crash_anon.pcapng",
            "{BAD_IPV4_TOTAL_LENGTH=[15, 17, 45, 68, 81, 87, 108, 130, 190], BAD_TCP_OFFSET=[95]}");
        expected.put("tls_invalid_reads.pcap", "{BAD_IPV4_TOTAL_LENGTH=[2]}");
        return expected;
    }
}
