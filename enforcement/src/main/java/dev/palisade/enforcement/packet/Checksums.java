package dev.palisade.enforcement.packet;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Internet checksums (RFC 1071) of a parsed packet: the IPv4 header's, and the TCP, UDP or ICMP checksum over the
 * pseudo-header (RFC 9293 3.1, RFC 768, RFC 8200 8.1). Used only when inspection is asked to validate them, as
 * Suricata does with {@code -k all}: a packet whose checksum is wrong would not be accepted by its receiver, so an
 * attacker can use such packets to feed an inspector bytes the host never sees.
 */
public final class Checksums
{
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    private Checksums()
    {
    }

    /**
     * @return false when a checksum present in the packet is wrong; true when all are right or cannot be checked
     *         (a snapped capture, a fragment, UDP over IPv4 without a checksum).
     */
    public static boolean valid(final DirectBuffer buffer, final PacketMeta meta)
    {
        final int l3 = meta.l3Offset;
        final int end = meta.frameOffset + meta.capturedLength;
        if (l3 < 0)
        {
            return true;
        }
        long pseudo;
        int segmentLength;
        if (meta.l3 == PacketMeta.L3_IPV4)
        {
            final int headerLength = (buffer.getByte(l3) & 0x0F) * 4;
            if (l3 + headerLength > end)
            {
                return true;
            }
            if (fold(sum(buffer, l3, headerLength)) != 0xFFFF)
            {
                return false;
            }
            final int totalLength = buffer.getShort(l3 + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, NETWORK) & 0xFFFF;
            segmentLength = totalLength - (meta.l4Offset - l3);
            pseudo = sum(buffer, l3 + Ipv4Flyweight.SOURCE_OFFSET, 8) + meta.protocol + segmentLength;
        }
        else if (meta.l3 == PacketMeta.L3_IPV6)
        {
            final int payloadLength = buffer.getShort(l3 + 4, NETWORK) & 0xFFFF;
            segmentLength = l3 + 40 + payloadLength - meta.l4Offset;
            pseudo = sum(buffer, l3 + 8, 32) + meta.protocol + segmentLength;
        }
        else
        {
            return true;
        }
        final int l4 = meta.l4Offset;
        if (l4 < 0 || meta.fragment != PacketMeta.FRAGMENT_NONE || segmentLength < 0 || l4 + segmentLength > end)
        {
            return true;
        }
        switch (meta.protocol)
        {
            case PacketMeta.PROTO_TCP:
                break;
            case PacketMeta.PROTO_UDP:
                if (meta.l3 == PacketMeta.L3_IPV4 && buffer.getShort(l4 + 6, NETWORK) == 0)
                {
                    return true; // no checksum (RFC 768)
                }
                break;
            case PacketMeta.PROTO_ICMPV6:
                break;
            case PacketMeta.PROTO_ICMP:
                pseudo = 0; // ICMPv4 has no pseudo-header
                break;
            default:
                return true;
        }
        return fold(pseudo + sum(buffer, l4, segmentLength)) == 0xFFFF;
    }

    static long sum(final DirectBuffer buffer, final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2)
        {
            sum += buffer.getShort(offset + i, NETWORK) & 0xFFFF;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        return sum;
    }

    static int fold(final long value)
    {
        long sum = value;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
