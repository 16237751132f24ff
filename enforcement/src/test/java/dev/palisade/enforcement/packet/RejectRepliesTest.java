package dev.palisade.enforcement.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.palisade.enforcement.packet.FrameBuilder.ethernet;
import static dev.palisade.enforcement.packet.FrameBuilder.ethernetTagged;
import static dev.palisade.enforcement.packet.FrameBuilder.icmp;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv4;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv6;
import static dev.palisade.enforcement.packet.FrameBuilder.payload;
import static dev.palisade.enforcement.packet.FrameBuilder.tcp;
import static dev.palisade.enforcement.packet.FrameBuilder.udp;
import static dev.palisade.enforcement.packet.FrameBuilder.vxlan;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replies of reject rules: each is parsed back as a packet, its checksums verified, its fields checked against the
 * RFCs; and each case where no reply is due gets none.
 */
class RejectRepliesTest
{
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
    private static final int IPV4 = EthernetFlyweight.ETHER_TYPE_IPV4;
    private static final int IPV6 = EthernetFlyweight.ETHER_TYPE_IPV6;

    private final PacketParser parser = new PacketParser();
    private final RejectReplies replies = new RejectReplies();
    private final PacketMeta request = new PacketMeta();
    private final PacketMeta reply = new PacketMeta();
    private UnsafeBuffer replyFrame;

    /** Parses {@code frame}, builds its reply and parses that; @return the reply's length (0: none). */
    private int answer(final byte[] frame)
    {
        return answer(frame, LinkType.ETHERNET);
    }

    private int answer(final byte[] frame, final int linkType)
    {
        assertEquals(0, parser.parse(new UnsafeBuffer(frame), 0, frame.length, frame.length, linkType, request));
        final int length = replies.build(new UnsafeBuffer(frame), request);
        if (length > 0)
        {
            final byte[] copy = new byte[length];
            replies.frame().getBytes(0, copy);
            replyFrame = new UnsafeBuffer(copy);
            assertEquals(0, parser.parse(replyFrame, 0, length, length, linkType, reply), "the reply parses");
            assertTrue(Checksums.valid(replyFrame, reply), "the reply's checksums are right");
            assertEquals(request.srcHi, reply.dstHi);
            assertEquals(request.srcLo, reply.dstLo, "back to the sender");
            assertEquals(request.dstLo, reply.srcLo, "from the address it wrote to");
        }
        return length;
    }

    @Test
    void aSynIsAnsweredWithResetAndAcknowledgment()
    {
        final byte[] syn = ethernetTagged(IPV4, ipv4("10.0.0.1", "10.0.0.2", 6,
            tcp(40000, 25, TcpFlyweight.SYN, 7_000L, 0L, 65535, new byte[0], new byte[0])), 0x8100, 42);
        assertEquals(14 + 4 + 20 + 20, answer(syn));
        assertEquals(PacketMeta.PROTO_TCP, reply.protocol);
        assertEquals(25, reply.srcPort);
        assertEquals(40000, reply.dstPort);
        assertEquals(TcpFlyweight.RST | TcpFlyweight.ACK, reply.tcpFlags);
        assertEquals(0, reply.tcpSeq);
        assertEquals(7_001L, reply.tcpAck, "SEG.SEQ + SEG.LEN, the SYN counting one");
        assertEquals(42, reply.outerVlan, "on the VLAN the SYN came on");
        assertArrayEquals(FrameBuilder.DESTINATION_MAC, Arrays.copyOfRange(syn, 0, 6));
        assertArrayEquals(FrameBuilder.SOURCE_MAC, bytes(0, 6), "to the sender's MAC");
        assertArrayEquals(FrameBuilder.DESTINATION_MAC, bytes(6, 12));
        assertEquals(64, reply.ttl);
    }

    @Test
    void aSegmentWithAckIsAnsweredWithResetAtThatSequence()
    {
        final byte[] data = ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", 6,
            tcp(40000, 80, TcpFlyweight.ACK | TcpFlyweight.PSH, 5_000L, 9_000L, 502, new byte[0], payload(100))));
        answer(data);
        assertEquals(TcpFlyweight.RST, reply.tcpFlags);
        assertEquals(9_000L, reply.tcpSeq, "<SEQ=SEG.ACK><CTL=RST>");
        assertEquals(0, reply.payloadLength);
    }

    @Test
    void udpIsAnsweredWithPortUnreachableQuotingThePacket()
    {
        final byte[] ip = ipv4("10.0.0.1", "10.0.0.2", 17, udp(5353, 53, payload(30)));
        answer(ethernet(IPV4, ip));
        assertEquals(PacketMeta.PROTO_ICMP, reply.protocol);
        assertEquals(RejectReplies.ICMP_UNREACHABLE, reply.icmpType);
        assertEquals(RejectReplies.ICMP_PORT_UNREACHABLE, reply.icmpCode);
        assertArrayEquals(ip, bytes(reply.l4Offset + 8, reply.l4Offset + 8 + ip.length), "the whole datagram quoted");
    }

    @Test
    void theQuoteKeepsAnIcmpv4ErrorWithin576Bytes()
    {
        final int length = answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", 17, udp(5353, 53, payload(1400)))));
        assertEquals(14 + 576, length);
    }

    @Test
    void otherProtocolsAreAdministrativelyProhibited()
    {
        answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", PacketMeta.PROTO_ICMP, icmp(8, 0, 1, 1, payload(8)))));
        assertEquals(RejectReplies.ICMP_UNREACHABLE, reply.icmpType);
        assertEquals(RejectReplies.ICMP_ADMIN_PROHIBITED, reply.icmpCode);
    }

    @Test
    void ipv6GetsIcmpv6WithItsPseudoHeaderChecksum()
    {
        answer(ethernet(IPV6, ipv6("2001:db8::1", "2001:db8::2", 17, udp(5353, 53, payload(20)))));
        assertEquals(PacketMeta.PROTO_ICMPV6, reply.protocol);
        assertEquals(RejectReplies.ICMPV6_UNREACHABLE, reply.icmpType);
        assertEquals(RejectReplies.ICMPV6_PORT_UNREACHABLE, reply.icmpCode);
        answer(ethernet(IPV6, ipv6("2001:db8::1", "2001:db8::2", 6,
            tcp(40000, 443, TcpFlyweight.SYN, 1L, 0L, 65535, new byte[0], new byte[0]))));
        assertEquals(TcpFlyweight.RST | TcpFlyweight.ACK, reply.tcpFlags);
        assertEquals(2L, reply.tcpAck);
    }

    @Test
    void rawIpCapturesGetRawIpReplies()
    {
        final int length = answer(ipv4("10.0.0.1", "10.0.0.2", 6,
            tcp(40000, 25, TcpFlyweight.SYN, 1L, 0L, 65535, new byte[0], new byte[0])), LinkType.RAW);
        assertEquals(40, length);
    }

    @Test
    void noReplyWhereTheRfcsForbidOneOrTheLinkCannotCarryIt()
    {
        assertEquals(0, answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", 6,
            tcp(40000, 25, TcpFlyweight.RST, 1L, 0L, 0, new byte[0], new byte[0])))), "never a reset for a reset");
        assertEquals(0, answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", PacketMeta.PROTO_ICMP,
            icmp(3, 3, 0, 0, payload(28))))), "never an ICMP error about an ICMP error");
        assertEquals(0, answer(ethernet(IPV6, ipv6("2001:db8::1", "2001:db8::2", PacketMeta.PROTO_ICMPV6,
            icmp(1, 4, 0, 0, payload(48))))), "nor about an ICMPv6 error");
        assertEquals(0, answer(ethernet(IPV4, ipv4("10.0.0.1", "224.0.0.251", 17, udp(5353, 5353, payload(20))))),
            "nor to a multicast group");
        assertEquals(0, answer(ethernet(IPV6, ipv6("2001:db8::1", "ff02::fb", 17, udp(5353, 5353, payload(20))))),
            "nor to an IPv6 multicast group");
        assertEquals(0, answer(ethernet(IPV4, ipv4("0.0.0.0", "10.0.0.2", 17, udp(68, 67, payload(20))))),
            "nor to an unspecified source");
        assertEquals(0, answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", 17, 0x0010, new byte[0],
            payload(64)))), "nor for a later fragment");
        final byte[] broadcast = ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.255", 17, udp(137, 137, payload(20))));
        Arrays.fill(broadcast, 0, 6, (byte)0xFF);
        assertEquals(0, answer(broadcast), "nor for a link-layer broadcast");
        assertEquals(0, answer(ethernet(EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION, FrameBuilder.pppoe(0x0021,
            ipv4("10.0.0.1", "10.0.0.2", 17, udp(5353, 53, payload(20)))))),
            "nor over PPPoE or MPLS, whose headers would have to be rebuilt (withheld, counted)");
        final byte[] inner = ethernet(IPV4, ipv4("192.168.0.1", "192.168.0.2", 6,
            tcp(40000, 25, TcpFlyweight.SYN, 1L, 0L, 65535, new byte[0], new byte[0])));
        assertEquals(0, answer(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", 17, udp(50000, 4789, vxlan(7, inner))))),
            "nor inside an overlay, whose outer headers are the tunnel endpoints'");
    }

    private byte[] bytes(final int from, final int to)
    {
        final byte[] out = new byte[to - from];
        replyFrame.getBytes(from, out);
        return out;
    }
}
