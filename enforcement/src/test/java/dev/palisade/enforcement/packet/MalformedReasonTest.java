package dev.palisade.enforcement.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import static dev.palisade.enforcement.packet.EthernetFlyweight.ETHER_TYPE_IPV4;
import static dev.palisade.enforcement.packet.EthernetFlyweight.ETHER_TYPE_IPV6;
import static dev.palisade.enforcement.packet.EthernetFlyweight.TPID_8021Q;
import static dev.palisade.enforcement.packet.FrameBuilder.ETHERNET_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.IPV4_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.IPV6_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.UDP_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.bufferAt;
import static dev.palisade.enforcement.packet.FrameBuilder.concat;
import static dev.palisade.enforcement.packet.FrameBuilder.ethernet;
import static dev.palisade.enforcement.packet.FrameBuilder.gtpU;
import static dev.palisade.enforcement.packet.FrameBuilder.mpls;
import static dev.palisade.enforcement.packet.FrameBuilder.nsh;
import static dev.palisade.enforcement.packet.FrameBuilder.pppoe;
import static dev.palisade.enforcement.packet.FrameBuilder.ethernetTagged;
import static dev.palisade.enforcement.packet.FrameBuilder.geneve;
import static dev.palisade.enforcement.packet.FrameBuilder.icmp;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv4;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6Options;
import static dev.palisade.enforcement.packet.FrameBuilder.linuxSll;
import static dev.palisade.enforcement.packet.FrameBuilder.linuxSll2;
import static dev.palisade.enforcement.packet.FrameBuilder.payload;
import static dev.palisade.enforcement.packet.FrameBuilder.putU16;
import static dev.palisade.enforcement.packet.FrameBuilder.putU8;
import static dev.palisade.enforcement.packet.FrameBuilder.tcp;
import static dev.palisade.enforcement.packet.FrameBuilder.udp;
import static dev.palisade.enforcement.packet.FrameBuilder.vxlan;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_ICMP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_ICMPV6;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_IPIP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_TCP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One damaged frame per {@link MalformedReason} the parser can return, each asserting that exact reason, plus the
 * other ways to reach a reason where there is more than one. The switch has no default, so a new reason does not
 * compile until it has a frame here.
 */
class MalformedReasonTest
{
    private static final int OFFSET = 3;
    /** Where the IPv4/IPv6 header starts in an untagged Ethernet frame. */
    private static final int L3 = ETHERNET_HEADER_LENGTH;
    private static final int L4_V4 = L3 + IPV4_HEADER_LENGTH;
    private static final int L4_V6 = L3 + IPV6_HEADER_LENGTH;

    private final PacketMeta meta = new PacketMeta();

    /** A frame and how it was captured. */
    private record Damaged(byte[] frame, int capturedLength, int wireLength, int linkType)
    {
        Damaged(final byte[] frame, final int linkType)
        {
            this(frame, frame.length, frame.length, linkType);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MalformedReason.class, mode = EnumSource.Mode.EXCLUDE, names = "NONE")
    void shouldReportEachReason(final MalformedReason reason)
    {
        final Damaged damaged = damagedFrameFor(reason);

        assertReason(reason, damaged);
    }

    @SuppressWarnings("MethodLength")
    private static Damaged damagedFrameFor(final MalformedReason reason)
    {
        return switch (reason)
        {
            case NONE -> throw new IllegalArgumentException("NONE is not malformed");

            case TRUNCATED_ETHERNET -> new Damaged(Arrays.copyOf(udpOverIpv4(), 13), LinkType.ETHERNET);

            // A tag's TPID, then only two of the four bytes of TCI and inner EtherType.
            case TRUNCATED_VLAN -> new Damaged(
                Arrays.copyOf(ethernetTagged(ETHER_TYPE_IPV4, payload(0), TPID_8021Q, 1), L3 + 2), LinkType.ETHERNET);

            case TOO_MANY_VLAN_TAGS -> new Damaged(ethernetTagged(ETHER_TYPE_IPV4, udpPacketV4(),
                TPID_8021Q, 1, TPID_8021Q, 2, TPID_8021Q, 3, TPID_8021Q, 4, TPID_8021Q, 5), LinkType.ETHERNET);

            case TRUNCATED_SLL -> new Damaged(
                Arrays.copyOf(linuxSll(ETHER_TYPE_IPV4, udpPacketV4()), PacketParser.SLL_HEADER_LENGTH - 1),
                LinkType.LINUX_SLL);

            case TRUNCATED_IPV4 -> new Damaged(Arrays.copyOf(udpOverIpv4(), L3 + IPV4_HEADER_LENGTH - 1),
                LinkType.ETHERNET);

            // EtherType says IPv4 but the header is version 6.
            case BAD_IPV4_VERSION -> new Damaged(ethernet(ETHER_TYPE_IPV4, udpPacketV6()), LinkType.ETHERNET);

            // IHL 4: a header of 16 bytes, below the 20-byte minimum.
            case BAD_IPV4_HEADER_LENGTH -> new Damaged(putU8(udpOverIpv4(), L3, 0x44), LinkType.ETHERNET);

            // Total length 1500 in a 60-byte frame that was not snapped.
            case BAD_IPV4_TOTAL_LENGTH -> new Damaged(putU16(udpOverIpv4(), L3 + 2, 1500), LinkType.ETHERNET);

            case TRUNCATED_IPV6 -> new Damaged(Arrays.copyOf(udpOverIpv6(), L3 + IPV6_HEADER_LENGTH - 1),
                LinkType.ETHERNET);

            case BAD_IPV6_VERSION -> new Damaged(ethernet(ETHER_TYPE_IPV6, concat(udpPacketV4(), payload(40))),
                LinkType.ETHERNET);

            case BAD_IPV6_PAYLOAD_LENGTH -> new Damaged(putU16(udpOverIpv6(), L3 + 4, 1000), LinkType.ETHERNET);

            // Hop-by-hop header claiming (10 + 1) * 8 bytes in a packet with 8 + 8 left.
            case TRUNCATED_IPV6_EXTENSION -> new Damaged(putU8(ethernet(ETHER_TYPE_IPV6,
                ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.EXT_HOP_BY_HOP,
                ipv6Options(PROTO_UDP, udp(1, 2, payload(0))))), L4_V6 + 1, 10), LinkType.ETHERNET);

            case TOO_MANY_IPV6_EXTENSIONS -> new Damaged(ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2",
                Ipv6Flyweight.EXT_DESTINATION_OPTIONS,
                chainOfDestinationOptions(PacketParser.MAX_IPV6_EXTENSION_HEADERS + 1, udp(1, 2, payload(0))))),
                LinkType.ETHERNET);

            // The IP total length leaves room for only 10 bytes of TCP header.
            case TRUNCATED_TCP -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
                Arrays.copyOf(tcp(1, 2, TcpFlyweight.SYN, payload(0)), 10))), LinkType.ETHERNET);

            // Data offset 4: 16 bytes, below the 20-byte minimum.
            case BAD_TCP_OFFSET -> new Damaged(putU8(tcpOverIpv4(), L4_V4 + TcpFlyweight.DATA_OFFSET_OFFSET, 0x40),
                LinkType.ETHERNET);

            case TRUNCATED_UDP -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
                Arrays.copyOf(udp(1, 2, payload(0)), 4))), LinkType.ETHERNET);

            // UDP length 7, below its own 8-byte header.
            case BAD_UDP_LENGTH -> new Damaged(putU16(udpOverIpv4(), L4_V4 + 4, 7), LinkType.ETHERNET);

            case TRUNCATED_ICMP -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_ICMP,
                Arrays.copyOf(icmp(8, 0, 1, 1, payload(0)), 4))), LinkType.ETHERNET);

            case TRUNCATED_ICMPV6 -> new Damaged(ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2",
                PROTO_ICMPV6, Arrays.copyOf(icmp(128, 0, 1, 1, payload(0)), 4))), LinkType.ETHERNET);

            case TRUNCATED_VXLAN -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
                udp(50_000, UdpFlyweight.PORT_VXLAN, payload(7)))), LinkType.ETHERNET);

            // The I flag is clear, so the VNI is not valid (RFC 7348 section 5).
            case BAD_VXLAN_FLAGS -> new Damaged(putU8(vxlanFrame(), L4_V4 + UDP_HEADER_LENGTH, 0), LinkType.ETHERNET);

            case TRUNCATED_GENEVE -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
                udp(50_000, UdpFlyweight.PORT_GENEVE, payload(7)))), LinkType.ETHERNET);

            // Version 1 in the top two bits; only version 0 is defined (RFC 8926 section 3.4).
            case BAD_GENEVE_VERSION -> new Damaged(putU8(geneveFrame(), L4_V4 + UDP_HEADER_LENGTH, 0x40),
                LinkType.ETHERNET);

            case TUNNEL_TOO_DEEP -> new Damaged(ethernet(ETHER_TYPE_IPV4,
                ipInIp(PacketParser.DEFAULT_MAX_TUNNEL_DEPTH + 1, udpPacketV4())), LinkType.ETHERNET);

            // Cisco HDLC (LINKTYPE_C_HDLC), as in BGP_redist.pcap.
            case UNSUPPORTED_LINK_TYPE -> new Damaged(udpPacketV4(), 104);

            case BAD_IP_VERSION -> new Damaged(putU8(udpPacketV4(), 0, 0x55), LinkType.RAW);

            case TRUNCATED_NULL_LOOPBACK -> new Damaged(new byte[] { 2, 0, 0 }, LinkType.NULL);

            case TRUNCATED_PPPOE -> new Damaged(Arrays.copyOf(ethernet(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION,
                pppoe(OverlayFlyweights.PPP_IPV4, udpPacketV4())), L3 + 7), LinkType.ETHERNET);

            case BAD_PPPOE_LENGTH -> new Damaged(putU16(ethernet(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION,
                pppoe(OverlayFlyweights.PPP_IPV4, udpPacketV4())), L3 + 4, 4000), LinkType.ETHERNET);

            case TRUNCATED_MPLS -> new Damaged(Arrays.copyOf(ethernet(EthernetFlyweight.ETHER_TYPE_MPLS_UNICAST,
                mpls(udpPacketV4(), 100, 200)), L3 + 6), LinkType.ETHERNET);

            case TOO_MANY_MPLS_LABELS -> new Damaged(ethernet(EthernetFlyweight.ETHER_TYPE_MPLS_UNICAST,
                mpls(udpPacketV4(), 1, 2, 3, 4, 5, 6, 7, 8, 9)), LinkType.ETHERNET);

            case TRUNCATED_NSH -> new Damaged(Arrays.copyOf(ethernet(EthernetFlyweight.ETHER_TYPE_NSH,
                nsh(1, 1, udpPacketV4())), L3 + 12), LinkType.ETHERNET);

            // Version 1 is not defined.
            case BAD_NSH -> new Damaged(putU8(ethernet(EthernetFlyweight.ETHER_TYPE_NSH, nsh(2, 1, udpPacketV4())),
                L3, 0x40), LinkType.ETHERNET);

            // An extension header whose length runs past the datagram.
            case TRUNCATED_GTP_U -> new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2",
                PacketMeta.PROTO_UDP, udp(2152, UdpFlyweight.PORT_GTP_U,
                putU8(gtpU(255, 7, true, payload(0)), 12, 9)))), LinkType.ETHERNET);
        };
    }

    @Test
    void shouldReportTruncatedSll2()
    {
        assertReason(MalformedReason.TRUNCATED_SLL, new Damaged(
            Arrays.copyOf(linuxSll2(ETHER_TYPE_IPV4, udpPacketV4()), PacketParser.SLL2_HEADER_LENGTH - 1),
            LinkType.LINUX_SLL2));
    }

    @Test
    void shouldReportTruncatedVlanAfterCookedHeader()
    {
        assertReason(MalformedReason.TRUNCATED_VLAN, new Damaged(linuxSll(TPID_8021Q, new byte[] { 0, 1 }),
            LinkType.LINUX_SLL));
    }

    @Test
    void shouldReportTruncatedIpv4WhenOptionsAreCutOff()
    {
        // IHL 15 (60 bytes) but the capture ends after 40 bytes of the header: the header itself is not all there.
        final byte[] frame = putU8(udpOverIpv4(), L3, 0x4F);
        assertReason(MalformedReason.TRUNCATED_IPV4, new Damaged(frame, L3 + 40, 1500, LinkType.ETHERNET));
    }

    @Test
    void shouldReportTruncatedIpv4ForEmptyRawPacket()
    {
        assertReason(MalformedReason.TRUNCATED_IPV4, new Damaged(new byte[0], LinkType.RAW));
    }

    @Test
    void shouldReportTotalLengthBelowHeaderLength()
    {
        // Zero, as written by a sender with TCP segmentation offload (anydesk.pcapng has one).
        assertReason(MalformedReason.BAD_IPV4_TOTAL_LENGTH, new Damaged(putU16(tcpOverIpv4(), L3 + 2, 0),
            LinkType.ETHERNET));
        assertReason(MalformedReason.BAD_IPV4_TOTAL_LENGTH, new Damaged(putU16(tcpOverIpv4(), L3 + 2, 19),
            LinkType.ETHERNET));
    }

    @Test
    void shouldReportExtensionHeaderCutOffByTheCapture()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.EXT_HOP_BY_HOP,
            ipv6Options(PROTO_UDP, udp(1, 2, payload(100)))));
        assertReason(MalformedReason.TRUNCATED_IPV6_EXTENSION, new Damaged(frame, L4_V6 + 7, frame.length,
            LinkType.ETHERNET));
    }

    @Test
    void shouldReportTcpHeaderCutOffByTheCapture()
    {
        final byte[] frame = tcpOverIpv4();
        assertReason(MalformedReason.TRUNCATED_TCP, new Damaged(frame, L4_V4 + 19, frame.length, LinkType.ETHERNET));
    }

    @Test
    void shouldReportTcpOptionsCutOffByTheCapture()
    {
        // Data offset 8 (32 bytes) is within the packet on the wire, but the capture stopped 4 bytes short.
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(1, 2, TcpFlyweight.SYN, 0, 0, 1024, new byte[12], payload(100))));
        assertReason(MalformedReason.TRUNCATED_TCP, new Damaged(frame, L4_V4 + 28, frame.length, LinkType.ETHERNET));
    }

    @Test
    void shouldReportTcpOffsetPastThePacket()
    {
        // Data offset 15 (60 bytes) in a packet with 20 bytes of TCP.
        assertReason(MalformedReason.BAD_TCP_OFFSET, new Damaged(
            putU8(tcpOverIpv4(), L4_V4 + TcpFlyweight.DATA_OFFSET_OFFSET, 0xF0), LinkType.ETHERNET));
    }

    @Test
    void shouldReportUdpLengthPastThePacket()
    {
        assertReason(MalformedReason.BAD_UDP_LENGTH, new Damaged(putU16(udpOverIpv4(), L4_V4 + 4, 200),
            LinkType.ETHERNET));
    }

    @Test
    void shouldReportGeneveOptionsPastThePacket()
    {
        // Opt Len 63: 252 bytes of options claimed, none present.
        assertReason(MalformedReason.TRUNCATED_GENEVE, new Damaged(putU8(geneveFrame(), L4_V4 + UDP_HEADER_LENGTH, 63),
            LinkType.ETHERNET));
    }

    @Test
    void shouldReportMalformedInnerPacket()
    {
        final byte[] frame = vxlanFrame();
        final int innerL3 = L4_V4 + UDP_HEADER_LENGTH + 8 + ETHERNET_HEADER_LENGTH;
        assertReason(MalformedReason.BAD_IPV4_HEADER_LENGTH,
            new Damaged(putU8(frame, innerL3, 0x41), LinkType.ETHERNET));
    }

    @Test
    void shouldReportTooManyTagsInAnInnerFrame()
    {
        final byte[] inner = ethernetTagged(ETHER_TYPE_IPV4, udpPacketV4(),
            TPID_8021Q, 1, TPID_8021Q, 2, TPID_8021Q, 3, TPID_8021Q, 4, TPID_8021Q, 5);
        assertReason(MalformedReason.TOO_MANY_VLAN_TAGS, new Damaged(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1",
            "10.0.0.2", PROTO_UDP, udp(50_000, UdpFlyweight.PORT_VXLAN, vxlan(1, inner)))), LinkType.ETHERNET));
    }

    @Test
    void shouldReportVersionNibbleOtherThanFourOrSixOnLoopback()
    {
        assertReason(MalformedReason.BAD_IP_VERSION, new Damaged(concat(new byte[] { 2, 0, 0, 0 },
            putU8(udpPacketV4(), 0, 0x05)), LinkType.NULL));
    }

    @Test
    void shouldNumberReasonsDenselyAndStably()
    {
        // Ids are counter indexes and persisted: this list may only grow at the end.
        final String expected =
            "0 none, 1 truncated_ethernet, 2 truncated_vlan, 3 too_many_vlan_tags, 4 truncated_sll, " +
            "5 truncated_ipv4, 6 bad_ipv4_version, 7 bad_ipv4_header_length, 8 bad_ipv4_total_length, " +
            "9 truncated_ipv6, 10 bad_ipv6_version, 11 bad_ipv6_payload_length, 12 truncated_ipv6_extension, " +
            "13 too_many_ipv6_extensions, 14 truncated_tcp, 15 bad_tcp_offset, 16 truncated_udp, 17 bad_udp_length, " +
            "18 truncated_icmp, 19 truncated_icmpv6, 20 truncated_vxlan, 21 bad_vxlan_flags, 22 truncated_geneve, " +
            "23 bad_geneve_version, 24 tunnel_too_deep, 25 unsupported_link_type, 26 bad_ip_version, " +
            "27 truncated_null_loopback";
        final StringBuilder actual = new StringBuilder();
        for (int id = 0; id < MalformedReason.count(); id++)
        {
            actual.append(actual.isEmpty() ? "" : ", ").append(id).append(' ').append(MalformedReason.byId(id).label());
        }
        assertTrue(actual.toString().startsWith(expected), () -> "ids were renumbered:\n" + actual);

        final Set<String> labels = new HashSet<>();
        for (final MalformedReason reason : MalformedReason.values())
        {
            assertSame(reason, MalformedReason.byId(reason.id()));
            assertEquals(reason.name().toLowerCase(Locale.ROOT), reason.label());
            assertTrue(labels.add(reason.label()), () -> "duplicate label " + reason.label());
        }
        assertEquals(MalformedReason.values().length, MalformedReason.count());
    }

    private void assertReason(final MalformedReason expected, final Damaged damaged)
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, Arrays.copyOf(damaged.frame, damaged.capturedLength));
        final int result = new PacketParser().parse(
            buffer, OFFSET, damaged.capturedLength, damaged.wireLength, damaged.linkType, meta);

        assertEquals(expected, MalformedReason.byId(result));
    }

    private static byte[] udpPacketV4()
    {
        return ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(1000, 2000, payload(18)));
    }

    private static byte[] udpPacketV6()
    {
        return ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP, udp(1000, 2000, payload(18)));
    }

    private static byte[] udpOverIpv4()
    {
        return ethernet(ETHER_TYPE_IPV4, udpPacketV4());
    }

    private static byte[] udpOverIpv6()
    {
        return ethernet(ETHER_TYPE_IPV6, udpPacketV6());
    }

    private static byte[] tcpOverIpv4()
    {
        return ethernet(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, tcp(1, 2, TcpFlyweight.SYN, payload(0))));
    }

    private static byte[] vxlanFrame()
    {
        return ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(50_000, UdpFlyweight.PORT_VXLAN, vxlan(1, udpOverIpv4()))));
    }

    private static byte[] geneveFrame()
    {
        return ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(50_000, UdpFlyweight.PORT_GENEVE, geneve(1, OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET, new byte[0],
            udpOverIpv4()))));
    }

    private static byte[] ipInIp(final int depth, final byte[] innermost)
    {
        byte[] packet = innermost;
        for (int i = 0; i < depth; i++)
        {
            packet = ipv4("10.9.0." + i, "10.9.1." + i, PROTO_IPIP, packet);
        }
        return packet;
    }

    private static byte[] chainOfDestinationOptions(final int count, final byte[] transport)
    {
        byte[] chain = ipv6Options(PROTO_UDP, transport);
        for (int i = 1; i < count; i++)
        {
            chain = ipv6Options(Ipv6Flyweight.EXT_DESTINATION_OPTIONS, chain);
        }
        return chain;
    }
}
