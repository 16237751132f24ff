package dev.palisade.enforcement.traffic;

import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.Ipv4Flyweight;
import dev.palisade.enforcement.packet.Ipv6Flyweight;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.TcpFlyweight;
import dev.palisade.enforcement.packet.UdpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes the Ethernet, IP and TCP/UDP headers of a frame around a payload already placed at
 * {@link #tcpPayloadOffset} or {@link #udpPayloadOffset}, with the IPv4 header checksum (RFC 791 section 3.1) and the
 * TCP/UDP checksum over the pseudo-header (RFC 9293 section 3.1, RFC 768; RFC 8200 section 8.1 for IPv6), then pads
 * the frame to Ethernet's minimum. One frame buffer, reused for every packet.
 */
final class FrameBuilder
{
    /** A 64-byte minimum frame less the FCS, which captures do not hold. */
    static final int MIN_FRAME_LENGTH = 60;
    static final int FRAME_CAPACITY = 2048;
    static final int MSS_IPV4 = 1460;
    static final int MSS_IPV6 = 1440;
    /** Linux's SYN window (10 x MSS, rounded) and its shift: later windows are scaled by 2^7. */
    static final int SYN_WINDOW_CLIENT = 64240;
    static final int SYN_WINDOW_SERVER = 65160;
    static final int WINDOW_SCALE = 7;
    static final int SCALED_WINDOW_CLIENT = 502;
    static final int SCALED_WINDOW_SERVER = 501;
    static final int CLIENT_TTL = 64;

    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
    /** Linux's SYN options without timestamps: mss, nop, nop, sackOK, nop, wscale. */
    private static final int FULL_SYN_OPTIONS_LENGTH = 12;
    /** MSS alone, so that a SYN still fits a 64-byte frame. */
    private static final int MSS_OPTION_LENGTH = 4;

    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[FRAME_CAPACITY]);
    private final boolean minimalSynOptions;

    /** @param minimalSynOptions true to send only the MSS option, keeping SYNs at the minimum frame size. */
    FrameBuilder(final boolean minimalSynOptions)
    {
        this.minimalSynOptions = minimalSynOptions;
    }

    static int ipHeaderLength(final Flow flow)
    {
        return flow.ipv6 ? Ipv6Flyweight.HEADER_LENGTH : Ipv4Flyweight.MIN_HEADER_LENGTH;
    }

    static int tcpPayloadOffset(final Flow flow)
    {
        return EthernetFlyweight.HEADER_LENGTH + ipHeaderLength(flow) + TcpFlyweight.MIN_HEADER_LENGTH;
    }

    static int udpPayloadOffset(final Flow flow)
    {
        return EthernetFlyweight.HEADER_LENGTH + ipHeaderLength(flow) + UdpFlyweight.HEADER_LENGTH;
    }

    static int mss(final Flow flow)
    {
        return flow.ipv6 ? MSS_IPV6 : MSS_IPV4;
    }

    /** @return the window this side advertises after the handshake, scaled when window scaling was negotiated. */
    int window(final boolean fromClient)
    {
        if (minimalSynOptions)
        {
            return fromClient ? SYN_WINDOW_CLIENT : SYN_WINDOW_SERVER;
        }
        return fromClient ? SCALED_WINDOW_CLIENT : SCALED_WINDOW_SERVER;
    }

    /**
     * Completes a TCP frame. A SYN gets the options and must have no payload; otherwise the payload is at
     * {@link #tcpPayloadOffset}.
     *
     * @return the frame length to write.
     */
    int tcp(
        final Flow flow,
        final boolean fromClient,
        final long seq,
        final long ack,
        final int flags,
        final int payloadLength)
    {
        final int l4 = EthernetFlyweight.HEADER_LENGTH + ipHeaderLength(flow);
        final boolean syn = (flags & TcpFlyweight.SYN) != 0;
        final int optionsLength = syn ? writeSynOptions(flow, l4 + TcpFlyweight.OPTIONS_OFFSET) : 0;
        final int headerLength = TcpFlyweight.MIN_HEADER_LENGTH + optionsLength;
        final int segmentLength = headerLength + payloadLength;
        final int window = syn ? (fromClient ? SYN_WINDOW_CLIENT : SYN_WINDOW_SERVER) : window(fromClient);

        writeLinkAndIp(flow, fromClient, PacketMeta.PROTO_TCP, segmentLength);
        buffer.putShort(l4 + TcpFlyweight.SOURCE_PORT_OFFSET, (short)(fromClient ? flow.clientPort : flow.serverPort),
            NETWORK);
        buffer.putShort(l4 + TcpFlyweight.DESTINATION_PORT_OFFSET,
            (short)(fromClient ? flow.serverPort : flow.clientPort), NETWORK);
        buffer.putInt(l4 + TcpFlyweight.SEQUENCE_OFFSET, (int)seq, NETWORK);
        buffer.putInt(l4 + TcpFlyweight.ACKNOWLEDGMENT_OFFSET, (int)ack, NETWORK);
        buffer.putByte(l4 + TcpFlyweight.DATA_OFFSET_OFFSET, (byte)((headerLength >>> 2) << 4));
        buffer.putByte(l4 + TcpFlyweight.FLAGS_OFFSET, (byte)flags);
        buffer.putShort(l4 + TcpFlyweight.WINDOW_OFFSET, (short)window, NETWORK);
        buffer.putShort(l4 + TcpFlyweight.CHECKSUM_OFFSET, (short)0, NETWORK);
        buffer.putShort(l4 + TcpFlyweight.URGENT_OFFSET, (short)0, NETWORK);
        final int checksum = checksum(pseudoHeaderSum(flow, PacketMeta.PROTO_TCP, segmentLength) +
            sum(l4, segmentLength));
        buffer.putShort(l4 + TcpFlyweight.CHECKSUM_OFFSET, (short)checksum, NETWORK);
        return pad(l4 + segmentLength);
    }

    /**
     * Completes a UDP frame whose payload is at {@link #udpPayloadOffset}.
     *
     * @return the frame length to write.
     */
    int udp(final Flow flow, final boolean fromClient, final int payloadLength)
    {
        final int l4 = EthernetFlyweight.HEADER_LENGTH + ipHeaderLength(flow);
        final int datagramLength = UdpFlyweight.HEADER_LENGTH + payloadLength;
        writeLinkAndIp(flow, fromClient, PacketMeta.PROTO_UDP, datagramLength);
        buffer.putShort(l4 + UdpFlyweight.SOURCE_PORT_OFFSET, (short)(fromClient ? flow.clientPort : flow.serverPort),
            NETWORK);
        buffer.putShort(l4 + UdpFlyweight.DESTINATION_PORT_OFFSET,
            (short)(fromClient ? flow.serverPort : flow.clientPort), NETWORK);
        buffer.putShort(l4 + UdpFlyweight.LENGTH_OFFSET, (short)datagramLength, NETWORK);
        buffer.putShort(l4 + UdpFlyweight.CHECKSUM_OFFSET, (short)0, NETWORK);
        int checksum = checksum(pseudoHeaderSum(flow, PacketMeta.PROTO_UDP, datagramLength) +
            sum(l4, datagramLength));
        if (checksum == 0)
        {
            checksum = 0xFFFF; // RFC 768: zero means "no checksum", so a computed zero is sent as all ones
        }
        buffer.putShort(l4 + UdpFlyweight.CHECKSUM_OFFSET, (short)checksum, NETWORK);
        return pad(l4 + datagramLength);
    }

    private int writeSynOptions(final Flow flow, final int at)
    {
        buffer.putByte(at, (byte)TcpFlyweight.OPTION_MSS);
        buffer.putByte(at + 1, (byte)4);
        buffer.putShort(at + 2, (short)mss(flow), NETWORK);
        if (minimalSynOptions)
        {
            return MSS_OPTION_LENGTH;
        }
        buffer.putByte(at + 4, (byte)TcpFlyweight.OPTION_NOP);
        buffer.putByte(at + 5, (byte)TcpFlyweight.OPTION_NOP);
        buffer.putByte(at + 6, (byte)TcpFlyweight.OPTION_SACK_PERMITTED);
        buffer.putByte(at + 7, (byte)2);
        buffer.putByte(at + 8, (byte)TcpFlyweight.OPTION_NOP);
        buffer.putByte(at + 9, (byte)TcpFlyweight.OPTION_WINDOW_SCALE);
        buffer.putByte(at + 10, (byte)3);
        buffer.putByte(at + 11, (byte)WINDOW_SCALE);
        return FULL_SYN_OPTIONS_LENGTH;
    }

    private void writeLinkAndIp(final Flow flow, final boolean fromClient, final int protocol, final int l4Length)
    {
        putMac(EthernetFlyweight.DESTINATION_OFFSET, fromClient ? Flow.GATEWAY_MAC : flow.clientMac);
        putMac(EthernetFlyweight.SOURCE_OFFSET, fromClient ? flow.clientMac : Flow.GATEWAY_MAC);
        final int l3 = EthernetFlyweight.HEADER_LENGTH;
        final int ttl = fromClient ? CLIENT_TTL : flow.serverTtl;
        if (flow.ipv6)
        {
            buffer.putShort(EthernetFlyweight.ETHER_TYPE_OFFSET, (short)EthernetFlyweight.ETHER_TYPE_IPV6, NETWORK);
            buffer.putInt(l3 + Ipv6Flyweight.VERSION_CLASS_FLOW_OFFSET, (6 << 28) | flow.flowLabel, NETWORK);
            buffer.putShort(l3 + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, (short)l4Length, NETWORK);
            buffer.putByte(l3 + Ipv6Flyweight.NEXT_HEADER_OFFSET, (byte)protocol);
            buffer.putByte(l3 + Ipv6Flyweight.HOP_LIMIT_OFFSET, (byte)ttl);
            buffer.putLong(l3 + Ipv6Flyweight.SOURCE_OFFSET, fromClient ? flow.clientHigh : flow.serverHigh, NETWORK);
            buffer.putLong(l3 + Ipv6Flyweight.SOURCE_OFFSET + 8, fromClient ? flow.clientLow : flow.serverLow, NETWORK);
            buffer.putLong(l3 + Ipv6Flyweight.DESTINATION_OFFSET, fromClient ? flow.serverHigh : flow.clientHigh,
                NETWORK);
            buffer.putLong(l3 + Ipv6Flyweight.DESTINATION_OFFSET + 8, fromClient ? flow.serverLow : flow.clientLow,
                NETWORK);
            return;
        }
        buffer.putShort(EthernetFlyweight.ETHER_TYPE_OFFSET, (short)EthernetFlyweight.ETHER_TYPE_IPV4, NETWORK);
        final int ipId = fromClient ? flow.clientIpId++ : flow.serverIpId++;
        buffer.putByte(l3 + Ipv4Flyweight.VERSION_IHL_OFFSET, (byte)0x45);
        buffer.putByte(l3 + Ipv4Flyweight.TOS_OFFSET, (byte)0);
        buffer.putShort(l3 + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, (short)(Ipv4Flyweight.MIN_HEADER_LENGTH + l4Length),
            NETWORK);
        buffer.putShort(l3 + Ipv4Flyweight.IDENTIFICATION_OFFSET, (short)ipId, NETWORK);
        buffer.putShort(l3 + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET, (short)Ipv4Flyweight.FLAG_DONT_FRAGMENT, NETWORK);
        buffer.putByte(l3 + Ipv4Flyweight.TTL_OFFSET, (byte)ttl);
        buffer.putByte(l3 + Ipv4Flyweight.PROTOCOL_OFFSET, (byte)protocol);
        buffer.putShort(l3 + Ipv4Flyweight.CHECKSUM_OFFSET, (short)0, NETWORK);
        buffer.putInt(l3 + Ipv4Flyweight.SOURCE_OFFSET, fromClient ? flow.clientV4 : flow.serverV4, NETWORK);
        buffer.putInt(l3 + Ipv4Flyweight.DESTINATION_OFFSET, fromClient ? flow.serverV4 : flow.clientV4, NETWORK);
        buffer.putShort(l3 + Ipv4Flyweight.CHECKSUM_OFFSET,
            (short)checksum(sum(l3, Ipv4Flyweight.MIN_HEADER_LENGTH)), NETWORK);
    }

    private void putMac(final int at, final long mac)
    {
        buffer.putShort(at, (short)(mac >>> 32), NETWORK);
        buffer.putInt(at + 2, (int)mac, NETWORK);
    }

    /** Pads with zeros to the minimum frame; the IP length still says where the packet ends. */
    private int pad(final int length)
    {
        if (length >= MIN_FRAME_LENGTH)
        {
            return length;
        }
        buffer.setMemory(length, MIN_FRAME_LENGTH - length, (byte)0);
        return MIN_FRAME_LENGTH;
    }

    private long pseudoHeaderSum(final Flow flow, final int protocol, final int l4Length)
    {
        if (flow.ipv6)
        {
            return words(flow.clientHigh) + words(flow.clientLow) + words(flow.serverHigh) + words(flow.serverLow) +
                l4Length + protocol;
        }
        return (flow.clientV4 >>> 16) + (flow.clientV4 & 0xFFFF) + (flow.serverV4 >>> 16) + (flow.serverV4 & 0xFFFF) +
            protocol + l4Length;
    }

    private static long words(final long value)
    {
        return (value >>> 48) + ((value >>> 32) & 0xFFFF) + ((value >>> 16) & 0xFFFF) + (value & 0xFFFF);
    }

    /**
     * Sums 32-bit big-endian words: since 2^16 = 1 modulo 2^16 - 1, folding this later gives the same one's-complement
     * sum as adding 16-bit words (RFC 1071 section 2), in half the steps.
     */
    private long sum(final int offset, final int length)
    {
        long sum = 0;
        final int end = offset + length;
        int i = offset;
        for (; i + 4 <= end; i += 4)
        {
            sum += buffer.getInt(i, NETWORK) & 0xFFFF_FFFFL;
        }
        if (i + 2 <= end)
        {
            sum += buffer.getShort(i, NETWORK) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            sum += (buffer.getByte(i) & 0xFF) << 8;
        }
        return sum;
    }

    private static int checksum(final long sum)
    {
        long folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int)(~folded & 0xFFFF);
    }
}
