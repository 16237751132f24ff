package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;

/**
 * Fills a {@link PacketMeta} as the parser would for one packet, without building a frame, so that flow-table tests
 * can say exactly which 5-tuple, zone, flags and length a packet has. Addresses are 128-bit (hi, lo); IPv4 ones are
 * IPv4-mapped as the parser stores them.
 */
final class TestPackets
{
    private TestPackets()
    {
    }

    /** @return the low word of the IPv4-mapped form of {@code a.b.c.d}; the high word is 0. */
    static long ipv4(final int a, final int b, final int c, final int d)
    {
        return PacketMeta.IPV4_MAPPED_PREFIX | ((long)a << 24) | ((long)b << 16) | ((long)c << 8) | d;
    }

    static boolean isIpv4Mapped(final long hi, final long lo)
    {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == PacketMeta.IPV4_MAPPED_PREFIX;
    }

    /** Fills {@code meta} for a packet and computes its canonical flow key and hash. */
    static PacketMeta fill(
        final PacketMeta meta,
        final int protocol,
        final long srcHi,
        final long srcLo,
        final int srcPort,
        final long dstHi,
        final long dstLo,
        final int dstPort,
        final int zone,
        final int tcpFlags,
        final int wireLength)
    {
        meta.reset(0, wireLength, wireLength, LinkType.ETHERNET);
        meta.l3 = isIpv4Mapped(srcHi, srcLo) ? PacketMeta.L3_IPV4 : PacketMeta.L3_IPV6;
        meta.srcHi = srcHi;
        meta.srcLo = srcLo;
        meta.dstHi = dstHi;
        meta.dstLo = dstLo;
        meta.protocol = protocol;
        meta.srcPort = srcPort;
        meta.dstPort = dstPort;
        meta.tcpFlags = protocol == PacketMeta.PROTO_TCP ? tcpFlags : 0;
        meta.zone = zone;
        meta.computeFlowKey();
        return meta;
    }

    /** An IPv4 packet in zone 0. */
    static PacketMeta ipv4Packet(
        final PacketMeta meta,
        final int protocol,
        final long srcLo,
        final int srcPort,
        final long dstLo,
        final int dstPort,
        final int tcpFlags,
        final int wireLength)
    {
        return fill(meta, protocol, 0, srcLo, srcPort, 0, dstLo, dstPort, 0, tcpFlags, wireLength);
    }
}
