package dev.palisade.enforcement.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.palisade.enforcement.packet.EthernetFlyweight.ETHER_TYPE_ARP;
import static dev.palisade.enforcement.packet.EthernetFlyweight.ETHER_TYPE_IPV4;
import static dev.palisade.enforcement.packet.EthernetFlyweight.ETHER_TYPE_IPV6;
import static dev.palisade.enforcement.packet.EthernetFlyweight.TPID_8021AD;
import static dev.palisade.enforcement.packet.EthernetFlyweight.TPID_8021Q;
import static dev.palisade.enforcement.packet.EthernetFlyweight.TPID_QINQ_LEGACY;
import static dev.palisade.enforcement.packet.FrameBuilder.ETHERNET_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.IPV4_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.IPV6_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.TCP_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.UDP_HEADER_LENGTH;
import static dev.palisade.enforcement.packet.FrameBuilder.addressHigh;
import static dev.palisade.enforcement.packet.FrameBuilder.addressLow;
import static dev.palisade.enforcement.packet.FrameBuilder.bufferAt;
import static dev.palisade.enforcement.packet.FrameBuilder.concat;
import static dev.palisade.enforcement.packet.FrameBuilder.ethernet;
import static dev.palisade.enforcement.packet.FrameBuilder.gtpU;
import static dev.palisade.enforcement.packet.FrameBuilder.mpls;
import static dev.palisade.enforcement.packet.FrameBuilder.pppoe;
import static dev.palisade.enforcement.packet.FrameBuilder.ethernetTagged;
import static dev.palisade.enforcement.packet.FrameBuilder.geneve;
import static dev.palisade.enforcement.packet.FrameBuilder.geneveOption;
import static dev.palisade.enforcement.packet.FrameBuilder.greWithKey;
import static dev.palisade.enforcement.packet.FrameBuilder.icmp;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv4;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6Authentication;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6Fragment;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6Options;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6Routing;
import static dev.palisade.enforcement.packet.FrameBuilder.linuxSll;
import static dev.palisade.enforcement.packet.FrameBuilder.linuxSll2;
import static dev.palisade.enforcement.packet.FrameBuilder.nullLoopback;
import static dev.palisade.enforcement.packet.FrameBuilder.payload;
import static dev.palisade.enforcement.packet.FrameBuilder.tcp;
import static dev.palisade.enforcement.packet.FrameBuilder.tcpOptionsMssAndWindowScale;
import static dev.palisade.enforcement.packet.FrameBuilder.udp;
import static dev.palisade.enforcement.packet.FrameBuilder.vxlan;
import static dev.palisade.enforcement.packet.Ipv4Flyweight.FLAG_DONT_FRAGMENT;
import static dev.palisade.enforcement.packet.Ipv4Flyweight.FLAG_MORE_FRAGMENTS;
import static dev.palisade.enforcement.packet.PacketMeta.FRAGMENT_FIRST;
import static dev.palisade.enforcement.packet.PacketMeta.FRAGMENT_LATER;
import static dev.palisade.enforcement.packet.PacketMeta.FRAGMENT_NONE;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_GRE;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_ICMP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_ICMPV6;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_IPIP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_IPV6;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_TCP;
import static dev.palisade.enforcement.packet.PacketMeta.PROTO_UDP;
import static dev.palisade.enforcement.packet.PacketMeta.ZONE_VNI_FLAG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Well-formed frames built by hand, one per encapsulation the parser handles, checked field by field. Every frame sits
 * at a non-zero offset in a buffer of exactly its size, so offsets must be absolute and an over-read throws.
 */
class PacketParserTest
{
    private static final int OFFSET = 7;

    private final PacketParser parser = new PacketParser();
    private final PacketMeta meta = new PacketMeta();

    @BeforeAll
    static void requireBoundsChecks()
    {
        // Buffers here are exactly the frame's size, so an over-read shows up as an exception, but only with checks on.
        assertTrue(UnsafeBuffer.SHOULD_BOUNDS_CHECK, "Agrona bounds checks are off (-D" +
            UnsafeBuffer.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true): an over-read would go unnoticed");
    }

    @Test
    void shouldParseEthernetIpv4Tcp()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("192.0.2.10", "198.51.100.20", PROTO_TCP,
            tcp(40_000, 443, TcpFlyweight.PSH | TcpFlyweight.ACK, 0xF000_0001L, 0x8000_0002L, 501, new byte[0],
            payload(100))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(OFFSET, meta.frameOffset);
        assertEquals(frame.length, meta.capturedLength);
        assertEquals(frame.length, meta.wireLength);
        assertEquals(LinkType.ETHERNET, meta.linkType);
        assertEquals(ETHER_TYPE_IPV4, meta.etherType);
        assertEquals(0, meta.vlanCount);
        assertEquals(PacketMeta.NO_VLAN, meta.outerVlan);
        assertEquals(PacketMeta.NO_VNI, meta.vni);
        assertEquals(0, meta.zone);
        assertEquals(0, meta.tunnelDepth);
        assertTrue(meta.isIpv4());
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH, meta.l3Offset);
        assertEquals(64, meta.ttl);
        assertEquals(FRAGMENT_NONE, meta.fragment);
        assertAddresses("192.0.2.10", "198.51.100.20");
        assertEquals(0xC000_020AL, meta.srcIpv4());
        assertEquals(0xC633_6414L, meta.dstIpv4());
        assertEquals(PROTO_TCP, meta.protocol);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + IPV4_HEADER_LENGTH, meta.l4Offset);
        assertEquals(40_000, meta.srcPort);
        assertEquals(443, meta.dstPort);
        assertEquals(TcpFlyweight.PSH | TcpFlyweight.ACK, meta.tcpFlags);
        assertEquals(0xF000_0001L, meta.tcpSeq);
        assertEquals(0x8000_0002L, meta.tcpAck);
        assertEquals(501, meta.tcpWindow);
        assertEquals(meta.l4Offset + TCP_HEADER_LENGTH, meta.payloadOffset);
        assertEquals(100, meta.payloadLength);
        assertEquals('a', frame[meta.payloadOffset - OFFSET]);
    }

    @Test
    void shouldReadTcpOptionsThroughTheFlyweight()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(50_000, 22, TcpFlyweight.SYN, 7L, 0L, 64_240, tcpOptionsMssAndWindowScale(1460, 7), new byte[0])));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(TcpFlyweight.SYN, meta.tcpFlags);
        assertEquals(0, meta.payloadLength);
        assertEquals(meta.l4Offset + TCP_HEADER_LENGTH + 8, meta.payloadOffset);
        final TcpFlyweight tcp = new TcpFlyweight();
        tcp.wrap(bufferAt(OFFSET, frame), meta.l4Offset);
        assertEquals(28, tcp.headerLengthBytes());
        assertEquals(1460, tcp.mss());
        assertEquals(7, tcp.windowScale());
        assertEquals(-1, tcp.findOption(TcpFlyweight.OPTION_TIMESTAMPS));
    }

    @Test
    void shouldReportAbsentTcpOptions()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(50_000, 22, TcpFlyweight.SYN, payload(0))));

        assertParses(frame, LinkType.ETHERNET);

        final TcpFlyweight tcp = new TcpFlyweight();
        tcp.wrap(bufferAt(OFFSET, frame), meta.l4Offset);
        assertEquals(-1, tcp.mss());
        assertEquals(-1, tcp.windowScale());
    }

    @Test
    void shouldExcludeEthernetPaddingFromThePayload()
    {
        // A 60-byte minimum frame: 14 + 20 + 8 + 2 bytes of UDP payload + 16 bytes of padding.
        final byte[] frame = concat(
            ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(5000, 53, payload(2)))),
            new byte[16]);

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(2, meta.payloadLength);
    }

    @Test
    void shouldParseUdp()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.1.1.1", "10.2.2.2", PROTO_UDP,
            udp(5353, 53, payload(33))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(5353, meta.srcPort);
        assertEquals(53, meta.dstPort);
        assertEquals(0, meta.tcpFlags);
        assertEquals(meta.l4Offset + UDP_HEADER_LENGTH, meta.payloadOffset);
        assertEquals(33, meta.payloadLength);
    }

    @Test
    void shouldParseSingleVlanTag()
    {
        final byte[] frame = ethernetTagged(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(1, 2, payload(4))), TPID_8021Q, 100);

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(1, meta.vlanCount);
        assertEquals(100, meta.outerVlan);
        assertEquals(PacketMeta.NO_VLAN, meta.innerVlan);
        assertEquals(ETHER_TYPE_IPV4, meta.etherType);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + 4, meta.l3Offset);
        assertEquals(1, meta.srcPort);
    }

    @Test
    void shouldParseQinQ()
    {
        final byte[] frame = ethernetTagged(ETHER_TYPE_IPV6,
            ipv6("2001:db8::1", "2001:db8::2", PROTO_TCP, tcp(1234, 80, TcpFlyweight.SYN, payload(0))),
            TPID_8021AD, 200, TPID_8021Q, 4094);

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(2, meta.vlanCount);
        assertEquals(200, meta.outerVlan);
        assertEquals(4094, meta.innerVlan);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + 8, meta.l3Offset);
        assertAddresses("2001:db8::1", "2001:db8::2");
        assertEquals(1234, meta.srcPort);
    }

    @Test
    void shouldParseLegacyQinQAndCountTagsBeyondTwo()
    {
        final byte[] frame = ethernetTagged(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(1, 2, payload(0))),
            TPID_QINQ_LEGACY, 10, TPID_8021Q, 20, TPID_8021Q, 30, TPID_8021Q, 40);

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(PacketParser.MAX_VLAN_TAGS, meta.vlanCount);
        assertEquals(10, meta.outerVlan);
        assertEquals(20, meta.innerVlan);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + 16, meta.l3Offset);
    }

    @Test
    void shouldParseIpv4WithOptions()
    {
        // Router alert (RFC 2113, 4 bytes) and a record-route with room for one address (7 bytes) plus end-of-options.
        final byte[] options = { (byte)0x94, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0 };
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, FLAG_DONT_FRAGMENT,
            options, tcp(1000, 2000, TcpFlyweight.ACK, payload(10))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + IPV4_HEADER_LENGTH + options.length, meta.l4Offset);
        assertEquals(FRAGMENT_NONE, meta.fragment);
        assertEquals(1000, meta.srcPort);
        assertEquals(2000, meta.dstPort);
        assertEquals(10, meta.payloadLength);
    }

    @Test
    void shouldParseFirstIpv4FragmentWithPorts()
    {
        // The UDP length covers the whole datagram, which is longer than this fragment: that is not malformed.
        final byte[] datagram = udp(5000, 53, payload(1000));
        final byte[] firstPart = Arrays.copyOf(datagram, 504);
        final byte[] frame = ethernet(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, FLAG_MORE_FRAGMENTS, new byte[0], firstPart));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_FIRST, meta.fragment);
        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(5000, meta.srcPort);
        assertEquals(53, meta.dstPort);
        assertEquals(504 - UDP_HEADER_LENGTH, meta.payloadLength);
    }

    @Test
    void shouldParseLaterIpv4FragmentWithoutPorts()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, FLAG_MORE_FRAGMENTS | 63, new byte[0], payload(504)));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_LATER, meta.fragment);
        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(0, meta.srcPort);
        assertEquals(0, meta.dstPort);
        assertEquals(-1, meta.l4Offset);

        // The key is that of the addresses and protocol with both ports zero.
        final PacketMeta expected = new PacketMeta();
        expected.srcHi = meta.srcHi;
        expected.srcLo = meta.srcLo;
        expected.dstHi = meta.dstHi;
        expected.dstLo = meta.dstLo;
        expected.protocol = PROTO_UDP;
        expected.computeFlowKey();
        assertEquals(expected.flowHash, meta.flowHash);
    }

    @Test
    void shouldParseLastIpv4FragmentAsLater()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, 126, new byte[0], payload(20)));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_LATER, meta.fragment);
        assertEquals(0, meta.srcPort);
    }

    @Test
    void shouldAcceptFirstFragmentTooShortForTheTransportHeader()
    {
        // Only 4 bytes of the UDP header are in the first fragment: no ports, but not malformed either.
        final byte[] frame = ethernet(ETHER_TYPE_IPV4,
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, FLAG_MORE_FRAGMENTS, new byte[0],
            new byte[] { 0x13, (byte)0x88, 0, 53 }));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_FIRST, meta.fragment);
        assertEquals(0, meta.srcPort);
        assertEquals(0, meta.dstPort);
    }

    @Test
    void shouldWalkIpv6ExtensionHeaders()
    {
        final byte[] transport = udp(546, 547, payload(12));
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("fe80::1", "ff02::1:2", Ipv6Flyweight.EXT_HOP_BY_HOP,
            ipv6Options(Ipv6Flyweight.EXT_ROUTING,
            ipv6Routing(Ipv6Flyweight.EXT_FRAGMENT,
            ipv6Fragment(Ipv6Flyweight.EXT_DESTINATION_OPTIONS, 0, true,
            ipv6Options(PROTO_UDP, transport))))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(PacketMeta.L3_IPV6, meta.l3);
        assertAddresses("fe80::1", "ff02::1:2");
        assertEquals(64, meta.ttl);
        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(FRAGMENT_FIRST, meta.fragment);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + 8 + 24 + 8 + 8, meta.l4Offset);
        assertEquals(546, meta.srcPort);
        assertEquals(547, meta.dstPort);
        assertEquals(12, meta.payloadLength);
    }

    @Test
    void shouldStopAtLaterIpv6Fragment()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.EXT_HOP_BY_HOP,
            ipv6Options(Ipv6Flyweight.EXT_FRAGMENT, ipv6Fragment(PROTO_UDP, 181, false, payload(200)))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_LATER, meta.fragment);
        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(0, meta.srcPort);
        assertEquals(0, meta.dstPort);
        assertEquals(-1, meta.l4Offset);
    }

    @Test
    void shouldTreatAtomicIpv6FragmentAsUnfragmented()
    {
        // RFC 6946: offset 0 and M clear is a whole packet that happens to carry a fragment header.
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.EXT_FRAGMENT,
            ipv6Fragment(PROTO_TCP, 0, false, tcp(1, 2, TcpFlyweight.SYN, payload(0)))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(FRAGMENT_NONE, meta.fragment);
        assertEquals(1, meta.srcPort);
    }

    @Test
    void shouldWalkIpv6AuthenticationHeader()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2",
            Ipv6Flyweight.EXT_AUTHENTICATION,
            ipv6Authentication(PROTO_TCP, tcp(179, 50_000, TcpFlyweight.ACK, payload(19)))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(PROTO_TCP, meta.protocol);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + 24, meta.l4Offset);
        assertEquals(179, meta.srcPort);
        assertEquals(19, meta.payloadLength);
    }

    @Test
    void shouldAcceptIpv6NoNextHeader()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6,
            ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.NO_NEXT_HEADER, new byte[0]));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(Ipv6Flyweight.NO_NEXT_HEADER, meta.protocol);
        assertEquals(-1, meta.l4Offset);
    }

    @Test
    void shouldPutIcmpEchoIdentifierInBothPorts()
    {
        final byte[] request = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_ICMP,
            icmp(IcmpFlyweight.V4_ECHO_REQUEST, 0, 0x4242, 1, payload(56))));

        assertParses(request, LinkType.ETHERNET);

        assertEquals(PROTO_ICMP, meta.protocol);
        assertEquals(IcmpFlyweight.V4_ECHO_REQUEST, meta.icmpType);
        assertEquals(0, meta.icmpCode);
        assertEquals(0x4242, meta.srcPort);
        assertEquals(0x4242, meta.dstPort);
        assertEquals(56, meta.payloadLength);
        final long requestHash = meta.flowHash;
        final boolean requestReversed = meta.keyReversed;

        final byte[] reply = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.2", "10.0.0.1", PROTO_ICMP,
            icmp(IcmpFlyweight.V4_ECHO_REPLY, 0, 0x4242, 1, payload(56))));

        assertParses(reply, LinkType.ETHERNET);

        assertEquals(IcmpFlyweight.V4_ECHO_REPLY, meta.icmpType);
        assertEquals(requestHash, meta.flowHash, "request and reply are one flow");
        assertNotEquals(requestReversed, meta.keyReversed);
    }

    @Test
    void shouldPutIcmpTypeAndCodeInSourcePortForErrors()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_ICMP,
            icmp(3, 1, 0, 0, payload(28))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(3, meta.icmpType);
        assertEquals(1, meta.icmpCode);
        assertEquals(0x0301, meta.srcPort);
        assertEquals(0, meta.dstPort);
    }

    @Test
    void shouldParseIcmpv6()
    {
        final byte[] echo = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", PROTO_ICMPV6,
            icmp(IcmpFlyweight.V6_ECHO_REQUEST, 0, 77, 3, payload(8))));

        assertParses(echo, LinkType.ETHERNET);

        assertEquals(PROTO_ICMPV6, meta.protocol);
        assertEquals(IcmpFlyweight.V6_ECHO_REQUEST, meta.icmpType);
        assertEquals(77, meta.srcPort);
        assertEquals(77, meta.dstPort);

        final byte[] solicitation = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "ff02::1:ff00:2", PROTO_ICMPV6,
            icmp(135, 0, 0, 0, payload(16))));

        assertParses(solicitation, LinkType.ETHERNET);

        assertEquals(135, meta.icmpType);
        assertEquals(135 << 8, meta.srcPort);
        assertEquals(0, meta.dstPort);
    }

    @Test
    void shouldNotTreatIcmpv4EchoTypesAsIcmpv6Echo()
    {
        // Type 8 is echo request in ICMPv4 but not in ICMPv6 (where it is unassigned).
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", PROTO_ICMPV6,
            icmp(8, 0, 77, 3, payload(0))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(8 << 8, meta.srcPort);
        assertEquals(0, meta.dstPort);
    }

    @Test
    void shouldDecapsulateVxlan()
    {
        final byte[] inner = ethernetTagged(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_TCP,
            tcp(33_000, 8080, TcpFlyweight.SYN, payload(0))), TPID_8021Q, 999);
        final byte[] frame = ethernetTagged(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(5001, inner))), TPID_8021Q, 42);

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(1, meta.tunnelDepth);
        assertEquals(5001, meta.vni);
        assertEquals(ZONE_VNI_FLAG | 5001, meta.zone);
        assertEquals(1, meta.vlanCount, "only the outer frame's tags are counted");
        assertEquals(42, meta.outerVlan);
        assertAddresses("172.16.0.5", "172.16.0.9");
        assertEquals(PROTO_TCP, meta.protocol);
        assertEquals(33_000, meta.srcPort);
        assertEquals(8080, meta.dstPort);
        assertEquals(TcpFlyweight.SYN, meta.tcpFlags);
        final int innerFrameOffset = OFFSET + ETHERNET_HEADER_LENGTH + 4 + IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH + 8;
        assertEquals(innerFrameOffset + ETHERNET_HEADER_LENGTH + 4, meta.l3Offset);
        assertEquals(meta.l3Offset + IPV4_HEADER_LENGTH, meta.l4Offset);
    }

    @Test
    void shouldOpenPppoeSessionToIpv4AndIpv6()
    {
        final byte[] v4 = ethernetTagged(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION, pppoe(OverlayFlyweights.PPP_IPV4,
            ipv4("82.178.113.245", "82.178.158.181", PROTO_UDP, udp(47_255, 53, payload(12)))), TPID_8021Q, 421);
        assertParses(v4, LinkType.ETHERNET);
        assertAddresses("82.178.113.245", "82.178.158.181");
        assertEquals(PROTO_UDP, meta.protocol);
        assertEquals(53, meta.dstPort);
        assertEquals(12, meta.payloadLength);
        assertEquals(0, meta.tunnelDepth, "PPPoE is a link layer, not an overlay");

        final byte[] v6 = ethernet(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION, pppoe(OverlayFlyweights.PPP_IPV6,
            ipv6("2001:db8::1", "2001:db8::2", PROTO_TCP, tcp(40_000, 443, TcpFlyweight.SYN, payload(0)))));
        assertParses(v6, LinkType.ETHERNET);
        assertEquals(PacketMeta.L3_IPV6, meta.l3);
        assertEquals(443, meta.dstPort);

        final byte[] lcp = ethernet(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION, pppoe(0xC021, payload(10)));
        assertParses(lcp, LinkType.ETHERNET);
        assertEquals(PacketMeta.L3_NONE, meta.l3, "PPP control traffic is not IP");
    }

    @Test
    void shouldOpenGtpUserPlane()
    {
        final byte[] user = ipv4("100.64.0.9", "142.250.1.1", PROTO_TCP, tcp(51_000, 443, TcpFlyweight.SYN, payload(0)));
        for (final boolean extension : new boolean[] {false, true})
        {
            final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("192.0.2.1", "192.0.2.2", PROTO_UDP,
                udp(2152, UdpFlyweight.PORT_GTP_U, gtpU(255, 0x1234, extension, user))));
            assertParses(frame, LinkType.ETHERNET);
            assertEquals(1, meta.tunnelDepth);
            assertAddresses("100.64.0.9", "142.250.1.1");
            assertEquals(PROTO_TCP, meta.protocol);
            assertEquals(443, meta.dstPort);
        }

        final byte[] echo = ethernet(ETHER_TYPE_IPV4, ipv4("192.0.2.1", "192.0.2.2", PROTO_UDP,
            udp(2152, UdpFlyweight.PORT_GTP_U, gtpU(1, 0, false, payload(4)))));
        assertParses(echo, LinkType.ETHERNET);
        assertEquals(0, meta.tunnelDepth, "signalling (echo request) stays the outer UDP flow");
        assertEquals(UdpFlyweight.PORT_GTP_U, meta.dstPort);
    }

    @Test
    void shouldSkipMplsLabelStack()
    {
        final byte[] frame = ethernet(EthernetFlyweight.ETHER_TYPE_MPLS_UNICAST, mpls(
            ipv4("10.1.1.1", "10.2.2.2", PROTO_TCP, tcp(1234, 179, TcpFlyweight.ACK, payload(3))), 16, 17, 18));
        assertParses(frame, LinkType.ETHERNET);
        assertAddresses("10.1.1.1", "10.2.2.2");
        assertEquals(179, meta.dstPort);
        assertEquals(OFFSET + ETHERNET_HEADER_LENGTH + 12, meta.l3Offset);

        final byte[] pseudowire = ethernet(EthernetFlyweight.ETHER_TYPE_MPLS_UNICAST, mpls(new byte[] {0, 0, 0, 0}, 99));
        assertParses(pseudowire, LinkType.ETHERNET);
        assertEquals(PacketMeta.L3_NONE, meta.l3, "a control word (first nibble 0) is not IP");
    }

    @Test
    void shouldKeepVniZeroApartFromNoOverlay()
    {
        final byte[] inner = ethernet(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_UDP,
            udp(1000, 2000, payload(4))));
        final byte[] overlaid = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(0, inner))));

        assertParses(overlaid, LinkType.ETHERNET);
        assertEquals(0, meta.vni);
        assertEquals(ZONE_VNI_FLAG, meta.zone);
        final long overlaidHash = meta.flowHash;

        assertParses(inner, LinkType.ETHERNET);
        assertEquals(0, meta.zone);
        assertNotEquals(overlaidHash, meta.flowHash);
    }

    @Test
    void shouldSeparateOneInnerFlowInTwoVnis()
    {
        final byte[] inner = ethernet(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_UDP,
            udp(1000, 2000, payload(4))));

        assertParses(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(1, inner)))), LinkType.ETHERNET);
        final long hashInVni1 = meta.flowHash;

        assertParses(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(2, inner)))), LinkType.ETHERNET);

        assertAddresses("172.16.0.5", "172.16.0.9");
        assertNotEquals(hashInVni1, meta.flowHash);
    }

    @Test
    void shouldLeaveOverlaysAloneWhenDecapsulationIsOff()
    {
        final PacketParser outerOnly = new PacketParser(false, PacketParser.DEFAULT_MAX_TUNNEL_DEPTH);
        final byte[] inner = ethernet(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_UDP,
            udp(1000, 2000, payload(4))));
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(7, inner))));

        assertEquals(0, parse(outerOnly, frame, frame.length, frame.length, LinkType.ETHERNET));

        assertEquals(0, meta.tunnelDepth);
        assertEquals(PacketMeta.NO_VNI, meta.vni);
        assertAddresses("10.0.0.1", "10.0.0.2");
        assertEquals(UdpFlyweight.PORT_VXLAN, meta.dstPort);
        assertEquals(8 + inner.length, meta.payloadLength);
    }

    @Test
    void shouldDecapsulateGeneveWithOptions()
    {
        final byte[] options = concat(
            geneveOption(0x0102, 0x80, new byte[] { 1, 2, 3, 4 }),
            geneveOption(0xFFFF, 0x01, new byte[0]));
        final byte[] inner = ethernet(ETHER_TYPE_IPV6, ipv6("fd00::a", "fd00::b", PROTO_UDP,
            udp(7000, 7001, payload(9))));
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(50_000, UdpFlyweight.PORT_GENEVE,
            geneve(0xABCDEF, OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET, options, inner))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(1, meta.tunnelDepth);
        assertEquals(0xABCDEF, meta.vni);
        assertEquals(ZONE_VNI_FLAG | 0xABCDEF, meta.zone);
        assertEquals(PacketMeta.L3_IPV6, meta.l3);
        assertAddresses("fd00::a", "fd00::b");
        assertEquals(7000, meta.srcPort);
        assertEquals(7001, meta.dstPort);
        assertEquals(9, meta.payloadLength);
        final int innerFrameOffset = OFFSET + ETHERNET_HEADER_LENGTH + IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH + 8 +
            options.length;
        assertEquals(innerFrameOffset + ETHERNET_HEADER_LENGTH, meta.l3Offset);
    }

    @Test
    void shouldDecapsulateGeneveCarryingIpDirectly()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP,
            udp(50_000, UdpFlyweight.PORT_GENEVE, geneve(12, ETHER_TYPE_IPV4, new byte[0],
            ipv4("192.168.1.1", "192.168.1.2", PROTO_TCP, tcp(5, 6, TcpFlyweight.RST, payload(0)))))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(12, meta.vni);
        assertTrue(meta.isIpv4());
        assertAddresses("192.168.1.1", "192.168.1.2");
        assertEquals(TcpFlyweight.RST, meta.tcpFlags);
    }

    @Test
    void shouldDecapsulateIpInIp()
    {
        final byte[] fourInFour = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_IPIP,
            ipv4("192.168.0.1", "192.168.0.2", PROTO_UDP, udp(1, 2, payload(3)))));

        assertParses(fourInFour, LinkType.ETHERNET);
        assertEquals(1, meta.tunnelDepth);
        assertEquals(PacketMeta.NO_VNI, meta.vni);
        assertEquals(0, meta.zone);
        assertAddresses("192.168.0.1", "192.168.0.2");

        final byte[] sixInFour = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_IPV6,
            ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP, udp(1, 2, payload(3)))));

        assertParses(sixInFour, LinkType.ETHERNET);
        assertEquals(1, meta.tunnelDepth);
        assertAddresses("2001:db8::1", "2001:db8::2");

        final byte[] fourInSix = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", PROTO_IPIP,
            ipv4("192.168.0.1", "192.168.0.2", PROTO_TCP, tcp(3, 4, TcpFlyweight.FIN, payload(0)))));

        assertParses(fourInSix, LinkType.ETHERNET);
        assertEquals(1, meta.tunnelDepth);
        assertAddresses("192.168.0.1", "192.168.0.2");
        assertEquals(TcpFlyweight.FIN, meta.tcpFlags);
    }

    @Test
    void shouldDecapsulateGre()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_GRE,
            greWithKey(ETHER_TYPE_IPV4, 0x1234, ipv4("192.168.0.1", "192.168.0.2", PROTO_UDP, udp(1, 2, payload(3))))));

        assertParses(frame, LinkType.ETHERNET);

        assertEquals(1, meta.tunnelDepth);
        assertAddresses("192.168.0.1", "192.168.0.2");
        assertEquals(PROTO_UDP, meta.protocol);
    }

    @Test
    void shouldDecapsulateUpToTheConfiguredDepth()
    {
        final byte[] innermost = ipv4("192.168.0.1", "192.168.0.2", PROTO_UDP, udp(1, 2, payload(3)));
        final byte[] twoDeep = ipv4("10.0.0.3", "10.0.0.4", PROTO_IPIP, innermost);
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_IPIP, twoDeep));

        assertEquals(0, parse(new PacketParser(true, 2), frame, frame.length, frame.length, LinkType.ETHERNET));
        assertEquals(2, meta.tunnelDepth);
        assertAddresses("192.168.0.1", "192.168.0.2");

        assertEquals(MalformedReason.TUNNEL_TOO_DEEP.id(),
            parse(new PacketParser(true, 1), frame, frame.length, frame.length, LinkType.ETHERNET));
    }

    @ParameterizedTest
    @ValueSource(ints = { LinkType.RAW, LinkType.RAW_ALT_12, LinkType.RAW_ALT_14 })
    void shouldParseRawIpOfEitherVersion(final int linkType)
    {
        assertParses(ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, tcp(1, 2, TcpFlyweight.SYN, payload(0))), linkType);
        assertTrue(meta.isIpv4());
        assertEquals(OFFSET, meta.l3Offset);
        assertEquals(0, meta.etherType);

        assertParses(ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP, udp(1, 2, payload(0))), linkType);
        assertEquals(PacketMeta.L3_IPV6, meta.l3);
        assertEquals(OFFSET + IPV6_HEADER_LENGTH, meta.l4Offset);
    }

    @Test
    void shouldParseIpv4AndIpv6LinkTypes()
    {
        assertParses(ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(1, 2, payload(0))), LinkType.IPV4);
        assertTrue(meta.isIpv4());

        assertParses(ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP, udp(1, 2, payload(0))), LinkType.IPV6);
        assertEquals(PacketMeta.L3_IPV6, meta.l3);
    }

    @Test
    void shouldParseLinuxCookedCaptures()
    {
        final byte[] packet = ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, tcp(1, 2, TcpFlyweight.SYN, payload(0)));

        assertParses(linuxSll(ETHER_TYPE_IPV4, packet), LinkType.LINUX_SLL);
        assertEquals(OFFSET + PacketParser.SLL_HEADER_LENGTH, meta.l3Offset);
        assertEquals(ETHER_TYPE_IPV4, meta.etherType);
        assertAddresses("10.0.0.1", "10.0.0.2");

        assertParses(linuxSll2(ETHER_TYPE_IPV4, packet), LinkType.LINUX_SLL2);
        assertEquals(OFFSET + PacketParser.SLL2_HEADER_LENGTH, meta.l3Offset);
        assertAddresses("10.0.0.1", "10.0.0.2");

        assertParses(linuxSll2(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", PROTO_UDP,
            udp(1, 2, payload(0)))), LinkType.LINUX_SLL2);
        assertAddresses("2001:db8::1", "2001:db8::2");
    }

    @Test
    void shouldRecordVlanTagAfterCookedHeader()
    {
        final byte[] tagged = concat(new byte[] { 0, 100 }, FrameBuilder.putU16(new byte[2], 0, ETHER_TYPE_IPV4),
            ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP, udp(1, 2, payload(0))));

        assertParses(linuxSll(TPID_8021Q, tagged), LinkType.LINUX_SLL);

        assertEquals(1, meta.vlanCount);
        assertEquals(100, meta.outerVlan);
        assertEquals(OFFSET + PacketParser.SLL_HEADER_LENGTH + 4, meta.l3Offset);
        assertAddresses("10.0.0.1", "10.0.0.2");
    }

    @ParameterizedTest
    @ValueSource(ints = { LinkType.NULL, LinkType.LOOP })
    void shouldParseLoopbackInEitherByteOrder(final int linkType)
    {
        final byte[] packet = ipv4("127.0.0.1", "127.0.0.2", PROTO_UDP, udp(1, 2, payload(0)));

        assertParses(nullLoopback(2, ByteOrder.LITTLE_ENDIAN, packet), linkType);
        assertEquals(OFFSET + PacketParser.NULL_HEADER_LENGTH, meta.l3Offset);
        assertAddresses("127.0.0.1", "127.0.0.2");

        assertParses(nullLoopback(2, ByteOrder.BIG_ENDIAN, packet), linkType);
        assertAddresses("127.0.0.1", "127.0.0.2");

        // AF_INET6 is 24, 28 or 30 depending on the BSD; the version nibble decides.
        assertParses(nullLoopback(30, ByteOrder.LITTLE_ENDIAN, ipv6("::1", "::2", PROTO_UDP, udp(1, 2, payload(0)))),
            linkType);
        assertAddresses("::1", "::2");
    }

    @Test
    void shouldParseNonIpFrameWithoutNetworkLayer()
    {
        final byte[] arp = ethernet(ETHER_TYPE_ARP, payload(28));

        assertParses(arp, LinkType.ETHERNET);

        assertEquals(ETHER_TYPE_ARP, meta.etherType);
        assertFalse(meta.isIp());
        assertEquals(-1, meta.l3Offset);
        assertEquals(-1, meta.l4Offset);
    }

    @Test
    void shouldForgetThePreviousPacket()
    {
        final byte[] inner = ethernet(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_TCP,
            tcp(1000, 2000, TcpFlyweight.SYN, payload(4))));
        assertParses(ethernetTagged(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(9, inner))), TPID_8021Q, 5, TPID_8021Q, 6), LinkType.ETHERNET);

        assertParses(ethernet(ETHER_TYPE_ARP, payload(28)), LinkType.ETHERNET);

        assertEquals(0, meta.vlanCount);
        assertEquals(PacketMeta.NO_VLAN, meta.outerVlan);
        assertEquals(PacketMeta.NO_VLAN, meta.innerVlan);
        assertEquals(0, meta.tunnelDepth);
        assertEquals(PacketMeta.NO_VNI, meta.vni);
        assertEquals(0, meta.zone);
        assertEquals(PacketMeta.L3_NONE, meta.l3);
        assertEquals(0, meta.protocol);
        assertEquals(0, meta.srcPort);
        assertEquals(0, meta.dstPort);
        assertEquals(0, meta.tcpFlags);
        assertEquals(-1, meta.payloadOffset);
        assertEquals(0, meta.payloadLength);
    }

    @Test
    void shouldNotCallSnappedCaptureMalformed()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(1000, 80, TcpFlyweight.ACK, payload(1400))));
        final int snapLength = 96;

        assertEquals(0, parse(parser, frame, snapLength, frame.length, LinkType.ETHERNET));

        assertEquals(1000, meta.srcPort);
        assertEquals(snapLength, meta.capturedLength);
        assertEquals(frame.length, meta.wireLength);
        assertEquals(snapLength - ETHERNET_HEADER_LENGTH - IPV4_HEADER_LENGTH - TCP_HEADER_LENGTH, meta.payloadLength);
    }

    @Test
    void shouldNotCallSnappedIpv6CaptureMalformed()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::2", Ipv6Flyweight.EXT_HOP_BY_HOP,
            ipv6Options(PROTO_UDP, udp(1000, 53, payload(1400)))));

        assertEquals(0, parse(parser, frame, 80, frame.length, LinkType.ETHERNET));

        assertEquals(1000, meta.srcPort);
        assertEquals(80 - (ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + 8 + UDP_HEADER_LENGTH), meta.payloadLength);
    }

    @Test
    void shouldNotCallSnappedOverlayCaptureMalformed()
    {
        final byte[] inner = ethernet(ETHER_TYPE_IPV4, ipv4("172.16.0.5", "172.16.0.9", PROTO_TCP,
            tcp(33_000, 8080, TcpFlyweight.ACK, payload(1200))));
        final byte[] vxlanFrame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(77, inner))));
        final int snapLength = 128;

        assertEquals(0, parse(parser, vxlanFrame, snapLength, vxlanFrame.length, LinkType.ETHERNET),
            () -> "VXLAN: " + MalformedReason.byId(parse(parser, vxlanFrame, snapLength, vxlanFrame.length,
            LinkType.ETHERNET)));
        assertEquals(77, meta.vni);
        assertAddresses("172.16.0.5", "172.16.0.9");
        assertEquals(33_000, meta.srcPort);
        assertEquals(OFFSET + snapLength - meta.payloadOffset, meta.payloadLength);

        final byte[] geneveFrame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_GENEVE, geneve(78, OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET, new byte[0],
            inner))));

        assertEquals(0, parse(parser, geneveFrame, snapLength, geneveFrame.length, LinkType.ETHERNET));
        assertEquals(78, meta.vni);
        assertEquals(33_000, meta.srcPort);

        final byte[] greFrame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_GRE,
            greWithKey(ETHER_TYPE_IPV4, 1, ipv4("192.168.0.1", "192.168.0.2", PROTO_UDP, udp(1, 2, payload(1200))))));

        assertEquals(0, parse(parser, greFrame, snapLength, greFrame.length, LinkType.ETHERNET));
        assertAddresses("192.168.0.1", "192.168.0.2");
        assertEquals(1, meta.srcPort);
    }

    @Test
    void shouldTreatWireLengthBelowCapturedLengthAsCaptured()
    {
        final byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(1, 2, payload(100))));

        assertEquals(0, parse(parser, frame, frame.length, 0, LinkType.ETHERNET));

        assertEquals(100, meta.payloadLength);
    }

    @Test
    void shouldGiveBothDirectionsOfAFlowOneKey()
    {
        assertSymmetric(
            ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(40_000, 80, TcpFlyweight.SYN, payload(0)))),
            ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.2", "10.0.0.1", PROTO_TCP,
            tcp(80, 40_000, TcpFlyweight.SYN | TcpFlyweight.ACK, payload(0)))));

        assertSymmetric(
            ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::ffff", "2001:db8::1", PROTO_UDP, udp(53, 5353, payload(9)))),
            ethernet(ETHER_TYPE_IPV6, ipv6("2001:db8::1", "2001:db8::ffff", PROTO_UDP, udp(5353, 53, payload(1)))));

        // Same address at both ends: the port decides the canonical order.
        assertSymmetric(
            ethernet(ETHER_TYPE_IPV4, ipv4("127.0.0.1", "127.0.0.1", PROTO_TCP,
            tcp(9000, 22, TcpFlyweight.SYN, payload(0)))),
            ethernet(ETHER_TYPE_IPV4, ipv4("127.0.0.1", "127.0.0.1", PROTO_TCP,
            tcp(22, 9000, TcpFlyweight.ACK, payload(0)))));

        final byte[] forward = ethernet(ETHER_TYPE_IPV4,
            ipv4("172.16.0.5", "172.16.0.9", PROTO_UDP, udp(1, 2, payload(0))));
        final byte[] backward = ethernet(ETHER_TYPE_IPV4,
            ipv4("172.16.0.9", "172.16.0.5", PROTO_UDP, udp(2, 1, payload(0))));
        assertSymmetric(
            ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(49_152, UdpFlyweight.PORT_VXLAN, vxlan(3, forward)))),
            ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.2", "10.0.0.1", PROTO_UDP,
            udp(49_999, UdpFlyweight.PORT_VXLAN, vxlan(3, backward)))));
    }

    @Test
    void shouldGiveDifferentFlowsDifferentKeys()
    {
        assertParses(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(40_000, 80, TcpFlyweight.SYN, payload(0)))), LinkType.ETHERNET);
        final long tcpHash = meta.flowHash;
        final long[] tcpKey = { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5 };

        assertParses(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_UDP,
            udp(40_000, 80, payload(0)))), LinkType.ETHERNET);

        final long[] udpKey = { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5 };
        assertFalse(Arrays.equals(tcpKey, udpKey), "the protocol is part of the key");
        assertNotEquals(tcpHash, meta.flowHash);

        assertParses(ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP,
            tcp(40_001, 80, TcpFlyweight.SYN, payload(0)))), LinkType.ETHERNET);

        assertNotEquals(tcpHash, meta.flowHash);
    }

    private void assertSymmetric(final byte[] forward, final byte[] backward)
    {
        assertParses(forward, LinkType.ETHERNET);
        final long[] forwardKey = { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5 };
        final long forwardHash = meta.flowHash;
        final boolean forwardReversed = meta.keyReversed;
        assertEquals(PacketMeta.hash(meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5), meta.flowHash);

        assertParses(backward, LinkType.ETHERNET);

        assertEquals(forwardHash, meta.flowHash, "both directions hash alike");
        assertArrayEquals(forwardKey,
            new long[] { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5 });
        assertNotEquals(forwardReversed, meta.keyReversed, "exactly one direction is reversed");
    }

    private void assertAddresses(final String source, final String destination)
    {
        assertEquals(addressHigh(source), meta.srcHi, "source high");
        assertEquals(addressLow(source), meta.srcLo, "source low");
        assertEquals(addressHigh(destination), meta.dstHi, "destination high");
        assertEquals(addressLow(destination), meta.dstLo, "destination low");
    }

    private void assertParses(final byte[] frame, final int linkType)
    {
        final int result = parse(parser, frame, frame.length, frame.length, linkType);
        assertEquals(0, result, () -> "expected the frame to parse, got " + MalformedReason.byId(result));
    }

    private int parse(
        final PacketParser packetParser,
        final byte[] frame,
        final int capturedLength,
        final int wireLength,
        final int linkType)
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, Arrays.copyOf(frame, capturedLength));
        return packetParser.parse(buffer, OFFSET, capturedLength, wireLength, linkType, meta);
    }
}
