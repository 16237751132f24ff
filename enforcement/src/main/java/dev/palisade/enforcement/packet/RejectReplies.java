package dev.palisade.enforcement.packet;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Builds the answer a reject sends back to the sender of a packet it refused: a TCP reset for TCP (RFC 9293 section
 * 3.10.7.1), else an ICMP destination unreachable (RFC 792; RFC 4443 for IPv6) quoting the packet: "port unreachable"
 * for UDP, as a closed port would answer, "administratively prohibited" for other protocols.
 * <p>
 * The answer goes out on the link the packet came from, so it keeps the packet's link header (Ethernet with its VLAN
 * tags, the MAC addresses swapped; or none for raw IP captures). Nothing is built, as RFC 1122 section 3.2.2 and RFC
 * 4443 section 2.4 require, for a TCP reset, an ICMP error, a non-first fragment, or a packet sent to or from a
 * broadcast or multicast address; nor for a packet inside an overlay, whose outer headers belong to the tunnel's
 * endpoints. The result is a complete frame with valid checksums, in a buffer reused for every reply.
 * <p>
 * One instance per worker; allocation-free; not thread-safe.
 */
public final class RejectReplies
{
    /** Enough for an Ethernet header with {@link PacketParser#MAX_VLAN_TAGS} tags and a 1,280-byte IPv6 packet. */
    public static final int CAPACITY = 2048;
    /** An ICMPv4 error is at most 576 bytes of IP (RFC 1812 section 4.3.2.3). */
    static final int ICMPV4_MAX_PACKET = 576;
    /** An ICMPv6 error fits the minimum IPv6 MTU (RFC 4443 section 2.4 (c)). */
    static final int ICMPV6_MAX_PACKET = 1280;
    static final int TTL = 64;

    public static final int ICMP_UNREACHABLE = 3;
    public static final int ICMP_PORT_UNREACHABLE = 3;
    public static final int ICMP_ADMIN_PROHIBITED = 13;
    public static final int ICMPV6_UNREACHABLE = 1;
    public static final int ICMPV6_ADMIN_PROHIBITED = 1;
    public static final int ICMPV6_PORT_UNREACHABLE = 4;

    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
    private static final int ETHERNET_HEADER = 14;
    private static final int TCP_FLAG_FIN = 0x01;
    private static final int TCP_FLAG_SYN = 0x02;
    private static final int TCP_FLAG_RST = 0x04;
    private static final int TCP_FLAG_ACK = 0x10;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[CAPACITY]);
    private int networkOffset;

    /** The last reply built: valid until the next {@link #build}. */
    public DirectBuffer frame()
    {
        return frame;
    }

    /** Where the last reply's IP header starts in {@link #frame}. */
    public int networkOffset()
    {
        return networkOffset;
    }

    /**
     * Builds the reply to the packet {@code meta} describes (parsed from {@code packet}).
     *
     * @return the reply's length in {@link #frame}, or 0 when none is due (see the class comment).
     */
    public int build(final DirectBuffer packet, final PacketMeta meta)
    {
        if (meta.tunnelDepth != 0 || meta.l3Offset < 0 || meta.fragment == PacketMeta.FRAGMENT_LATER ||
            !endpointsUnicast(packet, meta))
        {
            return 0;
        }
        final int linkLength = linkHeader(packet, meta);
        if (linkLength < 0)
        {
            return 0;
        }
        final boolean ipv4 = meta.l3 == PacketMeta.L3_IPV4;
        final int l3 = linkLength;
        networkOffset = l3;
        final int ipHeader = ipv4 ? 20 : 40;
        final int l4 = l3 + ipHeader;
        final int segmentLength;
        final int protocol;
        if (meta.protocol == PacketMeta.PROTO_TCP)
        {
            if (meta.payloadOffset < 0 || (meta.tcpFlags & TCP_FLAG_RST) != 0)
            {
                return 0;
            }
            segmentLength = reset(packet, meta, l4);
            protocol = PacketMeta.PROTO_TCP;
        }
        else
        {
            if (isIcmpError(meta))
            {
                return 0;
            }
            segmentLength = unreachable(packet, meta, ipv4, l4);
            protocol = ipv4 ? PacketMeta.PROTO_ICMP : PacketMeta.PROTO_ICMPV6;
        }
        ipHeader(packet, meta, ipv4, l3, protocol, segmentLength);
        final int checksumOffset = l4 + (protocol == PacketMeta.PROTO_TCP ? 16 : 2);
        final long pseudo = protocol == PacketMeta.PROTO_ICMP ? 0 : pseudoHeaderSum(ipv4, l3, protocol, segmentLength);
        final int checksum = ~Checksums.fold(pseudo + Checksums.sum(frame, l4, segmentLength));
        frame.putShort(checksumOffset, (short)checksum, NETWORK);
        return l4 + segmentLength;
    }

    /** Copies the link header, swapping Ethernet addresses; @return its length, or -1 when it cannot be answered on. */
    private int linkHeader(final DirectBuffer packet, final PacketMeta meta)
    {
        final int start = meta.frameOffset;
        final int length = meta.l3Offset - start;
        switch (meta.linkType)
        {
            case LinkType.RAW, LinkType.RAW_ALT_12, LinkType.RAW_ALT_14, LinkType.IPV4, LinkType.IPV6:
                return length == 0 ? 0 : -1;
            case LinkType.NULL, LinkType.LOOP:
                if (length != 4)
                {
                    return -1;
                }
                frame.putBytes(0, packet, start, 4);
                return 4;
            case LinkType.ETHERNET:
                // Plain or VLAN-tagged Ethernet only: the two bytes before IP must be its EtherType (not MPLS, PPPoE).
                final int etherType = length >= ETHERNET_HEADER && length <= ETHERNET_HEADER + 4 *
                    PacketParser.MAX_VLAN_TAGS ? packet.getShort(meta.l3Offset - 2, NETWORK) & 0xFFFF : -1;
                if (etherType != (meta.l3 == PacketMeta.L3_IPV4 ? 0x0800 : 0x86DD))
                {
                    return -1;
                }
                frame.putBytes(0, packet, start + 6, 6);
                frame.putBytes(6, packet, start, 6);
                frame.putBytes(12, packet, start + 12, length - 12);
                return length;
            default:
                return -1;
        }
    }

    /** Writes the reset at {@code l4}; @return its length. */
    private int reset(final DirectBuffer packet, final PacketMeta meta, final int l4)
    {
        final int flags = meta.tcpFlags;
        long sequence = 0;
        long acknowledgment = 0;
        int replyFlags = TCP_FLAG_RST;
        if ((flags & TCP_FLAG_ACK) != 0)
        {
            sequence = meta.tcpAck;
        }
        else
        {
            // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN each counting one.
            final int dataOffset = ((packet.getByte(meta.l4Offset + 12) & 0xF0) >>> 4) * 4;
            final int segment = Math.max(0, ipPayloadEnd(packet, meta) - meta.l4Offset - dataOffset);
            acknowledgment = (meta.tcpSeq + segment + ((flags & TCP_FLAG_SYN) != 0 ? 1 : 0) +
                ((flags & TCP_FLAG_FIN) != 0 ? 1 : 0)) & 0xFFFF_FFFFL;
            replyFlags |= TCP_FLAG_ACK;
        }
        frame.putShort(l4, (short)meta.dstPort, NETWORK);
        frame.putShort(l4 + 2, (short)meta.srcPort, NETWORK);
        frame.putInt(l4 + 4, (int)sequence, NETWORK);
        frame.putInt(l4 + 8, (int)acknowledgment, NETWORK);
        frame.putByte(l4 + 12, (byte)(5 << 4));
        frame.putByte(l4 + 13, (byte)replyFlags);
        frame.putShort(l4 + 14, (short)0, NETWORK); // window
        frame.putShort(l4 + 16, (short)0, NETWORK); // checksum, set by the caller
        frame.putShort(l4 + 18, (short)0, NETWORK); // urgent pointer
        return 20;
    }

    /** Writes the ICMP error quoting the packet at {@code l4}; @return its length. */
    private int unreachable(final DirectBuffer packet, final PacketMeta meta, final boolean ipv4, final int l4)
    {
        final boolean udp = meta.protocol == PacketMeta.PROTO_UDP;
        final int type = ipv4 ? ICMP_UNREACHABLE : ICMPV6_UNREACHABLE;
        final int code = ipv4 ? (udp ? ICMP_PORT_UNREACHABLE : ICMP_ADMIN_PROHIBITED) :
            (udp ? ICMPV6_PORT_UNREACHABLE : ICMPV6_ADMIN_PROHIBITED);
        final int maxQuote = (ipv4 ? ICMPV4_MAX_PACKET - 20 : ICMPV6_MAX_PACKET - 40) - 8;
        final int available = Math.min(ipPayloadEnd(packet, meta), meta.frameOffset + meta.capturedLength) -
            meta.l3Offset;
        final int quote = Math.max(0, Math.min(maxQuote, available));
        frame.putByte(l4, (byte)type);
        frame.putByte(l4 + 1, (byte)code);
        frame.putShort(l4 + 2, (short)0, NETWORK); // checksum, set by the caller
        frame.putInt(l4 + 4, 0, NETWORK); // unused
        frame.putBytes(l4 + 8, packet, meta.l3Offset, quote);
        return 8 + quote;
    }

    private void ipHeader(final DirectBuffer packet, final PacketMeta meta, final boolean ipv4, final int l3,
        final int protocol, final int segmentLength)
    {
        final int in = meta.l3Offset;
        if (ipv4)
        {
            frame.putByte(l3, (byte)0x45);
            frame.putByte(l3 + 1, (byte)0);
            frame.putShort(l3 + 2, (short)(20 + segmentLength), NETWORK);
            frame.putShort(l3 + 4, (short)0, NETWORK); // identification: atomic datagram (RFC 6864)
            frame.putShort(l3 + 6, (short)0x4000, NETWORK); // don't fragment
            frame.putByte(l3 + 8, (byte)TTL);
            frame.putByte(l3 + 9, (byte)protocol);
            frame.putShort(l3 + 10, (short)0, NETWORK);
            frame.putBytes(l3 + 12, packet, in + 16, 4); // from the packet's destination
            frame.putBytes(l3 + 16, packet, in + 12, 4); // to its source
            frame.putShort(l3 + 10, (short)~Checksums.fold(Checksums.sum(frame, l3, 20)), NETWORK);
        }
        else
        {
            frame.putInt(l3, 0x6000_0000, NETWORK);
            frame.putShort(l3 + 4, (short)segmentLength, NETWORK);
            frame.putByte(l3 + 6, (byte)protocol);
            frame.putByte(l3 + 7, (byte)TTL);
            frame.putBytes(l3 + 8, packet, in + 24, 16);
            frame.putBytes(l3 + 24, packet, in + 8, 16);
        }
    }

    private long pseudoHeaderSum(final boolean ipv4, final int l3, final int protocol, final int segmentLength)
    {
        return (ipv4 ? Checksums.sum(frame, l3 + 12, 8) : Checksums.sum(frame, l3 + 8, 32)) + protocol +
            segmentLength;
    }

    /** Where the packet's IP payload ends by its length fields (not by what the capture holds). */
    private static int ipPayloadEnd(final DirectBuffer packet, final PacketMeta meta)
    {
        final int l3 = meta.l3Offset;
        return meta.l3 == PacketMeta.L3_IPV4 ? l3 + (packet.getShort(l3 + 2, NETWORK) & 0xFFFF) :
            l3 + 40 + (packet.getShort(l3 + 4, NETWORK) & 0xFFFF);
    }

    private static boolean isIcmpError(final PacketMeta meta)
    {
        if (meta.protocol == PacketMeta.PROTO_ICMP)
        {
            final int type = meta.icmpType;
            return type == 3 || type == 4 || type == 5 || type == 11 || type == 12 || meta.payloadOffset < 0;
        }
        if (meta.protocol == PacketMeta.PROTO_ICMPV6)
        {
            return meta.icmpType < 128 || meta.payloadOffset < 0;
        }
        return false;
    }

    /** Neither end is unspecified, broadcast or multicast, at the link or the network layer. */
    private static boolean endpointsUnicast(final DirectBuffer packet, final PacketMeta meta)
    {
        if (meta.linkType == LinkType.ETHERNET && (packet.getByte(meta.frameOffset) & 1) != 0)
        {
            return false; // to a group MAC address
        }
        if (meta.l3 == PacketMeta.L3_IPV4)
        {
            final int src = (int)meta.srcLo;
            final int dst = (int)meta.dstLo;
            return src != 0 && !classDOrE(src) && !classDOrE(dst) && dst != -1;
        }
        if (meta.l3 == PacketMeta.L3_IPV6)
        {
            final boolean srcUnspecified = meta.srcHi == 0 && meta.srcLo == 0;
            return !srcUnspecified && (meta.srcHi >>> 56) != 0xFF && (meta.dstHi >>> 56) != 0xFF;
        }
        return false;
    }

    private static boolean classDOrE(final int address)
    {
        return (address >>> 28) >= 0xE;
    }
}
