package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.LinkType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Builds Ethernet frames (IPv4 with TCP or UDP, ARP, and damaged ones) one after another in a buffer, and batches
 * that name them, as a NIC's receive ring would. Checksums are left zero: nothing on the data path checks them.
 * <pre>
 * Ethernet (14): dst(6) src(6) type(2)
 * IPv4 (20):     ver/ihl(1) tos(1) total length(2) id(2) flags/fragment(2) ttl(1) protocol(1) checksum(2) src(4) dst(4)
 * TCP (20):      sport(2) dport(2) seq(4) ack(4) data offset(4 bits) flags(1) window(2) checksum(2) urgent(2)
 * UDP (8):       sport(2) dport(2) length(2) checksum(2)
 * </pre>
 */
final class Frames
{
    static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
    static final int ETHERNET_LENGTH = 14;
    static final int IPV4_LENGTH = 20;
    static final int TCP_LENGTH = 20;
    static final int UDP_LENGTH = 8;
    static final int ARP_FRAME_LENGTH = 42;

    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
    private int end;

    /** Frame offsets and lengths as added, for building batches. */
    private final int[] offsets = new int[256];
    private final int[] captured = new int[256];
    private final int[] wire = new int[256];
    private final long[] timestamps = new long[256];
    private int count;

    static int ipv4(final int a, final int b, final int c, final int d)
    {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    int count()
    {
        return count;
    }

    int wireLength(final int frame)
    {
        return wire[frame];
    }

    /** Appends an Ethernet/IPv4/TCP frame with {@code payloadLength} bytes of payload; returns its index. */
    int tcp(final long timestampNs, final int srcIp, final int srcPort, final int dstIp, final int dstPort,
        final int flags, final int payloadLength)
    {
        final int at = end;
        final int ip = ethernet(at, EthernetFlyweight.ETHER_TYPE_IPV4);
        final int l4 = ipv4Header(ip, 6, srcIp, dstIp, IPV4_LENGTH + TCP_LENGTH + payloadLength);
        buffer.putShort(l4, (short)srcPort, NETWORK);
        buffer.putShort(l4 + 2, (short)dstPort, NETWORK);
        buffer.putInt(l4 + 4, 1000, NETWORK);
        buffer.putInt(l4 + 8, 0, NETWORK);
        buffer.putByte(l4 + 12, (byte)((TCP_LENGTH / 4) << 4));
        buffer.putByte(l4 + 13, (byte)flags);
        buffer.putShort(l4 + 14, (short)65535, NETWORK);
        buffer.setMemory(l4 + 16, 4 + payloadLength, (byte)0);
        final int length = ETHERNET_LENGTH + IPV4_LENGTH + TCP_LENGTH + payloadLength;
        return add(at, length, length, timestampNs);
    }

    /** Appends an Ethernet/IPv4/UDP frame; returns its index. */
    int udp(final long timestampNs, final int srcIp, final int srcPort, final int dstIp, final int dstPort,
        final int payloadLength)
    {
        final int at = end;
        final int ip = ethernet(at, EthernetFlyweight.ETHER_TYPE_IPV4);
        final int l4 = ipv4Header(ip, 17, srcIp, dstIp, IPV4_LENGTH + UDP_LENGTH + payloadLength);
        buffer.putShort(l4, (short)srcPort, NETWORK);
        buffer.putShort(l4 + 2, (short)dstPort, NETWORK);
        buffer.putShort(l4 + 4, (short)(UDP_LENGTH + payloadLength), NETWORK);
        buffer.setMemory(l4 + 6, 2 + payloadLength, (byte)0);
        final int length = ETHERNET_LENGTH + IPV4_LENGTH + UDP_LENGTH + payloadLength;
        return add(at, length, length, timestampNs);
    }

    /**
     * Rewrites frame {@code frame}'s IPv4 flags and fragment offset (in 8-byte units), e.g. to make a later fragment
     * of a UDP datagram; the bytes after the IP header are left as they are.
     */
    void fragment(final int frame, final boolean moreFragments, final int offsetUnits)
    {
        final int ip = offsets[frame] + ETHERNET_LENGTH;
        buffer.putShort(ip + 6, (short)((moreFragments ? 0x2000 : 0) | offsetUnits), NETWORK);
    }

    /** Appends an ARP request (not IP). */
    int arp(final long timestampNs)
    {
        final int at = end;
        final int arp = ethernet(at, EthernetFlyweight.ETHER_TYPE_ARP);
        buffer.setMemory(arp, ARP_FRAME_LENGTH - ETHERNET_LENGTH, (byte)0);
        buffer.putShort(arp, (short)1, NETWORK); // hardware type Ethernet
        buffer.putShort(arp + 2, (short)EthernetFlyweight.ETHER_TYPE_IPV4, NETWORK);
        buffer.putByte(arp + 4, (byte)6);
        buffer.putByte(arp + 5, (byte)4);
        buffer.putShort(arp + 6, (short)1, NETWORK); // request
        return add(at, ARP_FRAME_LENGTH, ARP_FRAME_LENGTH, timestampNs);
    }

    /** Appends an IPv4 frame cut off inside its IP header (malformed: truncated IPv4). */
    int truncatedIpv4(final long timestampNs)
    {
        final int at = end;
        final int ip = ethernet(at, EthernetFlyweight.ETHER_TYPE_IPV4);
        buffer.putByte(ip, (byte)0x45);
        buffer.setMemory(ip + 1, 9, (byte)0);
        return add(at, ETHERNET_LENGTH + 10, ETHERNET_LENGTH + 10, timestampNs);
    }

    /** Appends a TCP frame whose data offset (3 words) is shorter than a TCP header (malformed: bad TCP offset). */
    int badTcpOffset(final long timestampNs, final int srcIp, final int dstIp)
    {
        final int frame = tcp(timestampNs, srcIp, 1234, dstIp, 80, 0x10, 0);
        buffer.putByte(offsets[frame] + ETHERNET_LENGTH + IPV4_LENGTH + 12, (byte)(3 << 4));
        return frame;
    }

    /** Marks a frame as snapped: only {@code capturedLength} bytes were captured of a longer packet on the wire. */
    void snap(final int frame, final int capturedLength, final int wireLength)
    {
        captured[frame] = capturedLength;
        wire[frame] = wireLength;
        buffer.putShort(offsets[frame] + ETHERNET_LENGTH + 2, (short)(wireLength - ETHERNET_LENGTH), NETWORK);
    }

    /** @return a batch naming frames {@code from..to-1} of this buffer, sized to hold them. */
    PacketBatch batch(final int from, final int to)
    {
        final PacketBatch batch = new PacketBatch(Math.max(1, to - from));
        fill(batch, from, to);
        return batch;
    }

    void fill(final PacketBatch batch, final int from, final int to)
    {
        batch.buffers(new DirectBuffer[]{ buffer });
        batch.clear();
        for (int i = from; i < to; i++)
        {
            batch.add(0, offsets[i], captured[i], wire[i], LinkType.ETHERNET, timestamps[i]);
        }
    }

    private int ethernet(final int at, final int etherType)
    {
        for (int i = 0; i < 6; i++)
        {
            buffer.putByte(at + i, (byte)0x02);
            buffer.putByte(at + 6 + i, (byte)(0x10 + i));
        }
        buffer.putShort(at + 12, (short)etherType, NETWORK);
        return at + ETHERNET_LENGTH;
    }

    private int ipv4Header(final int ip, final int protocol, final int srcIp, final int dstIp, final int totalLength)
    {
        buffer.putByte(ip, (byte)0x45);
        buffer.putByte(ip + 1, (byte)0);
        buffer.putShort(ip + 2, (short)totalLength, NETWORK);
        buffer.putShort(ip + 4, (short)0, NETWORK);
        buffer.putShort(ip + 6, (short)0x4000, NETWORK); // don't fragment
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)protocol);
        buffer.putShort(ip + 10, (short)0, NETWORK);
        buffer.putInt(ip + 12, srcIp, NETWORK);
        buffer.putInt(ip + 16, dstIp, NETWORK);
        return ip + IPV4_LENGTH;
    }

    private int add(final int at, final int capturedLength, final int wireLength, final long timestampNs)
    {
        final int frame = count++;
        offsets[frame] = at;
        captured[frame] = capturedLength;
        wire[frame] = wireLength;
        timestamps[frame] = timestampNs;
        end = at + capturedLength + 2; // leave a gap so no frame can read its neighbour as its own
        return frame;
    }
}
