package dev.palisade.enforcement.fuzz;

import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;

/**
 * What must hold of {@link PacketParser#parse}'s result and {@link PacketMeta} whatever the input: a known reason, and
 * offsets that point into the frame. Throws {@link AssertionError} (which fuzzers and property tests report) with the
 * offending values.
 */
final class MetaInvariants
{
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int MAX_VNI = 1 << 24;

    private MetaInvariants()
    {
    }

    static void check(
        final int result,
        final PacketMeta meta,
        final int offset,
        final int capturedLength,
        final int wireLength,
        final int linkType,
        final int maxTunnelDepth)
    {
        require(result >= 0 && result < MalformedReason.count(), "unknown result", result);
        require(meta.frameOffset == offset, "frameOffset", meta.frameOffset);
        require(meta.capturedLength == capturedLength, "capturedLength", meta.capturedLength);
        require(meta.wireLength == wireLength, "wireLength", meta.wireLength);
        require(meta.linkType == linkType, "linkType", meta.linkType);
        require(meta.tunnelDepth >= 0 && meta.tunnelDepth <= maxTunnelDepth, "tunnelDepth", meta.tunnelDepth);
        if (result != 0)
        {
            // A malformed frame's meta is partial: only the frame fields above are promised.
            return;
        }
        require(meta.vlanCount >= 0 && meta.vlanCount <= PacketParser.MAX_VLAN_TAGS, "vlanCount", meta.vlanCount);

        final int capturedEnd = offset + capturedLength;
        final int wireEnd = offset + Math.max(capturedLength, wireLength);
        require(meta.vni == PacketMeta.NO_VNI || (meta.vni >= 0 && meta.vni < MAX_VNI), "vni", meta.vni);
        require(meta.zone == (meta.vni == PacketMeta.NO_VNI ? 0 : PacketMeta.ZONE_VNI_FLAG | meta.vni),
            "zone", meta.zone);
        require(meta.srcPort >= 0 && meta.srcPort <= 0xFFFF, "srcPort", meta.srcPort);
        require(meta.dstPort >= 0 && meta.dstPort <= 0xFFFF, "dstPort", meta.dstPort);
        require(meta.payloadLength >= 0, "payloadLength", meta.payloadLength);
        if (meta.payloadLength > 0)
        {
            require(meta.payloadOffset >= offset && meta.payloadOffset + meta.payloadLength <= capturedEnd,
                "payload past the captured bytes: payloadOffset", meta.payloadOffset);
        }
        if (!meta.isIp())
        {
            require(meta.l3Offset == -1 && meta.l4Offset == -1, "l3Offset without IP", meta.l3Offset);
            return;
        }

        // The IP header was read, so all of it was captured.
        final int headerLength = meta.isIpv4() ? IPV4_MIN_HEADER : IPV6_HEADER;
        require(meta.l3Offset >= offset && meta.l3Offset + headerLength <= capturedEnd, "l3Offset", meta.l3Offset);
        // A transport header may start past the captured bytes (an IPv6 extension header cut off by the snap length),
        // but never past the packet on the wire, and then nothing of it is reported.
        require(meta.l4Offset == -1 || (meta.l4Offset > meta.l3Offset && meta.l4Offset <= wireEnd),
            "l4Offset", meta.l4Offset);
        if (meta.l4Offset > capturedEnd)
        {
            require(meta.payloadLength == 0 && meta.srcPort == 0 && meta.dstPort == 0,
                "transport fields past the capture: l4Offset", meta.l4Offset);
        }
        if (meta.fragment == PacketMeta.FRAGMENT_LATER)
        {
            require(meta.srcPort == 0 && meta.dstPort == 0 && meta.l4Offset == -1, "ports in a later fragment",
                meta.srcPort);
        }
        require(meta.flowHash == PacketMeta.hash(meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5),
            "flowHash does not match the key", meta.flowHash);
    }

    private static void require(final boolean condition, final String what, final long value)
    {
        if (!condition)
        {
            throw new AssertionError(what + " = " + value);
        }
    }
}
