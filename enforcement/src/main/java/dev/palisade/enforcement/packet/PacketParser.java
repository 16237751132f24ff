package dev.palisade.enforcement.packet;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static dev.palisade.enforcement.packet.MalformedReason.*;

/**
 * Walks one frame from its link-layer header to its transport header and fills a {@link PacketMeta}. Reads in place,
 * allocates nothing and never throws on bad input: every length is checked before a field is read, and a frame that
 * does not add up returns the id of a {@link MalformedReason}. {@code 0} ({@link MalformedReason#NONE}) means the frame
 * parsed; a non-IP frame (ARP, LLDP…) also parses, with {@link PacketMeta#l3} left at {@link PacketMeta#L3_NONE}.
 * <p>
 * Two lengths matter: the captured bytes bound what may be read; the wire length bounds what the headers may claim
 * (a capture snapped at 96 bytes is not malformed because the IP total length says 1500).
 * <p>
 * Overlays (VXLAN, Geneve, IP-in-IP, IPv6-in-IP, GRE) are decapsulated: the inner packet is what gets classified and
 * the VNI becomes the flow's zone. One instance per worker; not thread-safe.
 */
public final class PacketParser
{
    public static final int DEFAULT_MAX_TUNNEL_DEPTH = 3;
    public static final int MAX_VLAN_TAGS = 4;
    public static final int MAX_IPV6_EXTENSION_HEADERS = 8;
    public static final int MAX_MPLS_LABELS = 8;

    static final int SLL_HEADER_LENGTH = 16;
    static final int SLL_PROTOCOL_OFFSET = 14;
    static final int SLL2_HEADER_LENGTH = 20;
    static final int SLL2_PROTOCOL_OFFSET = 0;
    static final int NULL_HEADER_LENGTH = 4;

    private static final int GRE_BASE_LENGTH = 4;
    private static final int GRE_FLAG_CHECKSUM = 0x8000;
    private static final int GRE_FLAG_KEY = 0x2000;
    private static final int GRE_FLAG_SEQUENCE = 0x1000;
    private static final int GRE_VERSION_MASK = 0x0007;

    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final int maxTunnelDepth;
    private final boolean decapsulateOverlays;
    private final boolean fastPath;

    private DirectBuffer buffer;
    /** Index one past the last captured byte of the frame. */
    private int capturedEnd;
    /** Index one past the last byte of the frame on the wire (may lie beyond {@link #capturedEnd}). */
    private int wireEnd;

    public PacketParser()
    {
        this(true, DEFAULT_MAX_TUNNEL_DEPTH);
    }

    public PacketParser(final boolean decapsulateOverlays, final int maxTunnelDepth)
    {
        this(decapsulateOverlays, maxTunnelDepth, true);
    }

    /**
     * @param fastPath whether to try the straight-line path for the common shape first; off only to test that both
     *                 paths agree.
     */
    public PacketParser(final boolean decapsulateOverlays, final int maxTunnelDepth, final boolean fastPath)
    {
        this.decapsulateOverlays = decapsulateOverlays;
        this.maxTunnelDepth = maxTunnelDepth;
        this.fastPath = fastPath;
    }

    /**
     * Parses the frame of {@code capturedLength} bytes at {@code offset}, which was {@code wireLength} bytes on the wire.
     *
     * @return {@code 0} when the frame parsed, else the id of the {@link MalformedReason}.
     */
    public int parse(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int wireLength,
        final int linkType,
        final PacketMeta meta)
    {
        this.buffer = buffer;
        this.capturedEnd = offset + capturedLength;
        this.wireEnd = offset + Math.max(wireLength, capturedLength);
        if (fastPath && linkType == LinkType.ETHERNET && parseCommonIpv4(offset, capturedLength, wireLength, meta))
        {
            meta.computeFlowKey();
            return 0;
        }
        meta.reset(offset, capturedLength, wireLength, linkType);

        final int result = parseLink(offset, linkType, meta);
        if (result == 0 && meta.l3 != PacketMeta.L3_NONE)
        {
            meta.computeFlowKey();
        }
        return result;
    }

    /**
     * The shape most packets have, in one straight line: untagged Ethernet, IPv4 without options or fragmentation,
     * then TCP, or UDP that is not an overlay. Every field of {@code meta} ends with the value the general path would
     * give (a test holds the two paths equal); fields constant for this shape are written only when the previous
     * packet in this struct took another path. Anything else, including every malformed
     * packet, returns false and takes the general path, which sets the reason.
     */
    private boolean parseCommonIpv4(final int offset, final int capturedLength, final int wireLength, final PacketMeta meta)
    {
        final int ip = offset + EthernetFlyweight.HEADER_LENGTH;
        if (capturedEnd - ip < Ipv4Flyweight.MIN_HEADER_LENGTH ||
            u16(offset + EthernetFlyweight.ETHER_TYPE_OFFSET) != EthernetFlyweight.ETHER_TYPE_IPV4)
        {
            return false;
        }
        // Version 4, IHL 5, then TOS and total length.
        final int firstWord = buffer.getInt(ip, NETWORK);
        final int totalLength = firstWord & 0xFFFF;
        final int protocolWord = buffer.getInt(ip + Ipv4Flyweight.TTL_OFFSET, NETWORK); // ttl, protocol, checksum
        final int protocol = (protocolWord >>> 16) & 0xFF;
        if ((firstWord >>> 24) != 0x45 || totalLength < Ipv4Flyweight.MIN_HEADER_LENGTH || totalLength > wireEnd - ip ||
            (u16(ip + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET) & (Ipv4Flyweight.FLAG_MORE_FRAGMENTS |
            Ipv4Flyweight.FRAGMENT_OFFSET_MASK)) != 0)
        {
            return false;
        }
        final int l4 = ip + Ipv4Flyweight.MIN_HEADER_LENGTH;
        final int packetEnd = ip + totalLength;
        final int available = Math.min(capturedEnd, packetEnd);
        final int ports;
        final int payloadOffset;
        final int payloadEnd;
        int tcpFlags = 0;
        long tcpSeq = 0;
        long tcpAck = 0;
        int tcpWindow = 0;
        if (protocol == PacketMeta.PROTO_TCP)
        {
            if (available - l4 < TcpFlyweight.MIN_HEADER_LENGTH)
            {
                return false;
            }
            final int offsetAndFlags = buffer.getInt(l4 + TcpFlyweight.DATA_OFFSET_OFFSET, NETWORK);
            final int headerLength = (offsetAndFlags >>> 28) << 2;
            if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > available - l4)
            {
                return false;
            }
            ports = buffer.getInt(l4, NETWORK);
            tcpFlags = (offsetAndFlags >>> 16) & 0xFF;
            tcpWindow = offsetAndFlags & 0xFFFF;
            tcpSeq = buffer.getInt(l4 + TcpFlyweight.SEQUENCE_OFFSET, NETWORK) & 0xFFFF_FFFFL;
            tcpAck = buffer.getInt(l4 + TcpFlyweight.ACKNOWLEDGMENT_OFFSET, NETWORK) & 0xFFFF_FFFFL;
            payloadOffset = l4 + headerLength;
            payloadEnd = available;
        }
        else if (protocol == PacketMeta.PROTO_UDP)
        {
            if (available - l4 < UdpFlyweight.HEADER_LENGTH)
            {
                return false;
            }
            ports = buffer.getInt(l4, NETWORK);
            final int udpLength = u16(l4 + UdpFlyweight.LENGTH_OFFSET);
            final int dstPort = ports & 0xFFFF;
            if (udpLength < UdpFlyweight.HEADER_LENGTH || udpLength > packetEnd - l4 ||
                (decapsulateOverlays && (dstPort == UdpFlyweight.PORT_VXLAN || dstPort == UdpFlyweight.PORT_GENEVE ||
                dstPort == UdpFlyweight.PORT_GTP_U)))
            {
                return false;
            }
            payloadOffset = l4 + UdpFlyweight.HEADER_LENGTH;
            payloadEnd = Math.min(available, l4 + udpLength);
        }
        else
        {
            return false;
        }
        final long addresses = buffer.getLong(ip + Ipv4Flyweight.SOURCE_OFFSET, NETWORK);

        if (!meta.commonShapeWritten)
        {
            // Constant for this shape: written once, then kept while consecutive packets take this path.
            meta.linkType = LinkType.ETHERNET;
            meta.etherType = EthernetFlyweight.ETHER_TYPE_IPV4;
            meta.vlanCount = 0;
            meta.outerVlan = PacketMeta.NO_VLAN;
            meta.innerVlan = PacketMeta.NO_VLAN;
            meta.tunnelDepth = 0;
            meta.vni = PacketMeta.NO_VNI;
            meta.zone = 0;
            meta.l3 = PacketMeta.L3_IPV4;
            meta.fragment = PacketMeta.FRAGMENT_NONE;
            meta.srcHi = 0;
            meta.dstHi = 0;
            meta.icmpType = -1;
            meta.icmpCode = -1;
            meta.commonShapeWritten = true;
        }
        meta.frameOffset = offset;
        meta.capturedLength = capturedLength;
        meta.wireLength = wireLength;
        meta.l3Offset = ip;
        meta.ttl = protocolWord >>> 24;
        meta.srcLo = PacketMeta.IPV4_MAPPED_PREFIX | (addresses >>> 32);
        meta.dstLo = PacketMeta.IPV4_MAPPED_PREFIX | (addresses & 0xFFFF_FFFFL);
        meta.protocol = protocol;
        meta.l4Offset = l4;
        meta.srcPort = ports >>> 16;
        meta.dstPort = ports & 0xFFFF;
        meta.tcpFlags = tcpFlags;
        meta.tcpSeq = tcpSeq;
        meta.tcpAck = tcpAck;
        meta.tcpWindow = tcpWindow;
        meta.payloadOffset = payloadOffset;
        meta.payloadLength = Math.max(0, payloadEnd - payloadOffset);
        return true;
    }

    private int parseLink(final int offset, final int linkType, final PacketMeta meta)
    {
        switch (linkType)
        {
            case LinkType.ETHERNET:
                return parseEthernet(offset, meta);

            case LinkType.RAW:
            case LinkType.RAW_ALT_12:
            case LinkType.RAW_ALT_14:
                return parseIpByVersion(offset, meta);

            case LinkType.IPV4:
                return parseIpv4(offset, meta);

            case LinkType.IPV6:
                return parseIpv6(offset, meta);

            case LinkType.LINUX_SLL:
                if (capturedEnd - offset < SLL_HEADER_LENGTH)
                {
                    return TRUNCATED_SLL.id();
                }
                return parseEtherType(u16(offset + SLL_PROTOCOL_OFFSET), offset + SLL_HEADER_LENGTH, meta);

            case LinkType.LINUX_SLL2:
                if (capturedEnd - offset < SLL2_HEADER_LENGTH)
                {
                    return TRUNCATED_SLL.id();
                }
                return parseEtherType(u16(offset + SLL2_PROTOCOL_OFFSET), offset + SLL2_HEADER_LENGTH, meta);

            case LinkType.NULL:
            case LinkType.LOOP:
                if (capturedEnd - offset < NULL_HEADER_LENGTH)
                {
                    return TRUNCATED_NULL_LOOPBACK.id();
                }
                // The address family is in the writer's byte order, which the file does not record; the IP version
                // nibble that follows is unambiguous, so use it.
                return parseIpByVersion(offset + NULL_HEADER_LENGTH, meta);

            default:
                return UNSUPPORTED_LINK_TYPE.id();
        }
    }

    private int parseEthernet(final int offset, final PacketMeta meta)
    {
        if (capturedEnd - offset < EthernetFlyweight.HEADER_LENGTH)
        {
            return TRUNCATED_ETHERNET.id();
        }
        ethernet.wrap(buffer, offset);
        int etherType = ethernet.etherType();
        int position = offset + EthernetFlyweight.HEADER_LENGTH;
        int tags = 0;
        while (EthernetFlyweight.isVlanTpid(etherType))
        {
            if (++tags > MAX_VLAN_TAGS)
            {
                return TOO_MANY_VLAN_TAGS.id();
            }
            if (capturedEnd - position < EthernetFlyweight.VLAN_TAG_LENGTH)
            {
                return TRUNCATED_VLAN.id();
            }
            final int vlanId = u16(position) & 0x0FFF;
            if (meta.tunnelDepth == 0)
            {
                if (meta.vlanCount == 0)
                {
                    meta.outerVlan = vlanId;
                }
                else if (meta.vlanCount == 1)
                {
                    meta.innerVlan = vlanId;
                }
                meta.vlanCount++;
            }
            etherType = u16(position + 2);
            position += EthernetFlyweight.VLAN_TAG_LENGTH;
        }
        return parseEtherType(etherType, position, meta);
    }

    private int parseEtherType(final int etherType, final int offset, final PacketMeta meta)
    {
        meta.etherType = etherType;
        if (EthernetFlyweight.isVlanTpid(etherType))
        {
            // Cooked captures may still carry a tag after the header.
            if (capturedEnd - offset < EthernetFlyweight.VLAN_TAG_LENGTH)
            {
                return TRUNCATED_VLAN.id();
            }
            if (++meta.vlanCount > MAX_VLAN_TAGS)
            {
                return TOO_MANY_VLAN_TAGS.id();
            }
            if (meta.tunnelDepth == 0)
            {
                if (meta.vlanCount == 1)
                {
                    meta.outerVlan = u16(offset) & 0x0FFF;
                }
                else if (meta.vlanCount == 2)
                {
                    meta.innerVlan = u16(offset) & 0x0FFF;
                }
            }
            return parseEtherType(u16(offset + 2), offset + EthernetFlyweight.VLAN_TAG_LENGTH, meta);
        }
        return switch (etherType)
        {
            case EthernetFlyweight.ETHER_TYPE_IPV4 -> parseIpv4(offset, meta);
            case EthernetFlyweight.ETHER_TYPE_IPV6 -> parseIpv6(offset, meta);
            case EthernetFlyweight.ETHER_TYPE_PPPOE_SESSION -> parsePppoe(offset, meta);
            case EthernetFlyweight.ETHER_TYPE_MPLS_UNICAST, EthernetFlyweight.ETHER_TYPE_MPLS_MULTICAST ->
                parseMpls(offset, meta);
            case EthernetFlyweight.ETHER_TYPE_NSH -> parseNsh(offset, meta);
            default -> 0; // not IP: ARP, LLDP… handled by the non-IP policy
        };
    }

    /** PPPoE session stage (RFC 2516): opens IPv4 and IPv6 over PPP; PPP control traffic is not IP. */
    private int parsePppoe(final int offset, final PacketMeta meta)
    {
        final int headerLength = OverlayFlyweights.PPPOE_HEADER_LENGTH + OverlayFlyweights.PPP_PROTOCOL_LENGTH;
        if (capturedEnd - offset < headerLength)
        {
            return TRUNCATED_PPPOE.id();
        }
        final int payloadLength = u16(offset + OverlayFlyweights.PPPOE_LENGTH_OFFSET);
        if (payloadLength < OverlayFlyweights.PPP_PROTOCOL_LENGTH ||
            payloadLength > wireEnd - offset - OverlayFlyweights.PPPOE_HEADER_LENGTH)
        {
            return BAD_PPPOE_LENGTH.id();
        }
        final int end = offset + OverlayFlyweights.PPPOE_HEADER_LENGTH + payloadLength;
        final int protocol = u16(offset + OverlayFlyweights.PPPOE_HEADER_LENGTH);
        final int inner = offset + headerLength;
        return switch (protocol)
        {
            case OverlayFlyweights.PPP_IPV4 -> parseInner(EthernetFlyweight.ETHER_TYPE_IPV4, inner, end, end, meta);
            case OverlayFlyweights.PPP_IPV6 -> parseInner(EthernetFlyweight.ETHER_TYPE_IPV6, inner, end, end, meta);
            default -> 0;
        };
    }

    /**
     * Network Service Header (RFC 8300, section 2): a service-chaining header in front of the packet, skipped like
     * an MPLS stack (it is not a tunnel: the addresses of the packet behind it are the flow's).
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |Ver|O|U|    TTL    |   Length  |U|U|U|U|MD Type| Next Protocol |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |          Service Path Identifier              | Service Index |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |            Context headers (MD type 1: 16 bytes; 2: variable)  |
     * </pre>
     * Length counts 4-byte words of the whole header.
     */
    private int parseNsh(final int offset, final PacketMeta meta)
    {
        if (capturedEnd - offset < 8)
        {
            return TRUNCATED_NSH.id();
        }
        final int first = u16(offset);
        final int version = first >>> 14;
        final int lengthBytes = (first & 0x3F) * 4;
        final int mdType = buffer.getByte(offset + 2) & 0x0F;
        if (version != 0 || lengthBytes < 8 || mdType == 1 && lengthBytes != 24)
        {
            return BAD_NSH.id();
        }
        if (capturedEnd - offset < lengthBytes)
        {
            return TRUNCATED_NSH.id();
        }
        final int inner = offset + lengthBytes;
        return switch (buffer.getByte(offset + 3) & 0xFF)
        {
            case 1 -> parseEtherType(EthernetFlyweight.ETHER_TYPE_IPV4, inner, meta);
            case 2 -> parseEtherType(EthernetFlyweight.ETHER_TYPE_IPV6, inner, meta);
            // An Ethernet frame behind NSH is an inner frame, as behind VXLAN: bounded nesting, its own tags.
            case 3 -> enterTunnel(meta) ? parseInnerEthernet(inner, capturedEnd, wireEnd, meta) : TUNNEL_TOO_DEEP.id();
            case 5 -> parseMpls(inner, meta);
            default -> 0; // NSH over NSH or an experimental payload: not IP to us
        };
    }

    /** MPLS (RFC 3032): skips the label stack; the payload is IP when its first nibble says 4 or 6. */
    private int parseMpls(final int offset, final PacketMeta meta)
    {
        int position = offset;
        for (int labels = 1; ; labels++)
        {
            if (labels > MAX_MPLS_LABELS)
            {
                return TOO_MANY_MPLS_LABELS.id();
            }
            if (capturedEnd - position < OverlayFlyweights.MPLS_LABEL_LENGTH)
            {
                return TRUNCATED_MPLS.id();
            }
            final boolean bottom = (u16(position + 2) & OverlayFlyweights.MPLS_BOTTOM_OF_STACK) != 0;
            position += OverlayFlyweights.MPLS_LABEL_LENGTH;
            if (bottom)
            {
                break;
            }
        }
        if (capturedEnd - position < 1)
        {
            return TRUNCATED_MPLS.id();
        }
        final int version = (buffer.getByte(position) & 0xF0) >>> 4;
        return switch (version)
        {
            case 4 -> parseIpv4(position, meta);
            case 6 -> parseIpv6(position, meta);
            default -> 0; // a pseudowire or other payload: not IP to us
        };
    }

    private int parseIpByVersion(final int offset, final PacketMeta meta)
    {
        if (capturedEnd - offset < 1)
        {
            return TRUNCATED_IPV4.id();
        }
        final int version = (buffer.getByte(offset) & 0xF0) >>> 4;
        return switch (version)
        {
            case 4 -> parseIpv4(offset, meta);
            case 6 -> parseIpv6(offset, meta);
            default -> BAD_IP_VERSION.id();
        };
    }

    private int parseIpv4(final int offset, final PacketMeta meta)
    {
        if (capturedEnd - offset < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return TRUNCATED_IPV4.id();
        }
        ipv4.wrap(buffer, offset);
        if (ipv4.version() != 4)
        {
            return BAD_IPV4_VERSION.id();
        }
        final int headerLength = ipv4.headerLengthBytes();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH)
        {
            return BAD_IPV4_HEADER_LENGTH.id();
        }
        if (capturedEnd - offset < headerLength)
        {
            return TRUNCATED_IPV4.id();
        }
        final int totalLength = ipv4.totalLength();
        if (totalLength < headerLength || totalLength > wireEnd - offset)
        {
            return BAD_IPV4_TOTAL_LENGTH.id();
        }

        meta.l3 = PacketMeta.L3_IPV4;
        meta.l3Offset = offset;
        meta.ttl = ipv4.ttl();
        meta.srcHi = 0;
        meta.srcLo = PacketMeta.IPV4_MAPPED_PREFIX | ipv4.source();
        meta.dstHi = 0;
        meta.dstLo = PacketMeta.IPV4_MAPPED_PREFIX | ipv4.destination();
        meta.protocol = ipv4.protocol();

        final int fragmentField = ipv4.flagsAndFragmentOffset();
        final int fragmentOffset = fragmentField & Ipv4Flyweight.FRAGMENT_OFFSET_MASK;
        final int packetEnd = offset + totalLength;
        if (fragmentOffset != 0)
        {
            meta.fragment = PacketMeta.FRAGMENT_LATER;
            return 0;
        }
        if ((fragmentField & Ipv4Flyweight.FLAG_MORE_FRAGMENTS) != 0)
        {
            meta.fragment = PacketMeta.FRAGMENT_FIRST;
        }
        return parseTransport(meta.protocol, offset + headerLength, packetEnd, meta);
    }

    private int parseIpv6(final int offset, final PacketMeta meta)
    {
        if (capturedEnd - offset < Ipv6Flyweight.HEADER_LENGTH)
        {
            return TRUNCATED_IPV6.id();
        }
        ipv6.wrap(buffer, offset);
        if (ipv6.version() != 6)
        {
            return BAD_IPV6_VERSION.id();
        }
        final int payloadLength = ipv6.payloadLength();
        if (payloadLength > wireEnd - offset - Ipv6Flyweight.HEADER_LENGTH)
        {
            return BAD_IPV6_PAYLOAD_LENGTH.id();
        }

        meta.l3 = PacketMeta.L3_IPV6;
        meta.l3Offset = offset;
        meta.ttl = ipv6.hopLimit();
        meta.srcHi = ipv6.sourceHigh();
        meta.srcLo = ipv6.sourceLow();
        meta.dstHi = ipv6.destinationHigh();
        meta.dstLo = ipv6.destinationLow();

        final int packetEnd = offset + Ipv6Flyweight.HEADER_LENGTH + payloadLength;
        int nextHeader = ipv6.nextHeader();
        int position = offset + Ipv6Flyweight.HEADER_LENGTH;
        int extensions = 0;
        while (Ipv6Flyweight.isExtensionHeader(nextHeader))
        {
            if (++extensions > MAX_IPV6_EXTENSION_HEADERS)
            {
                return TOO_MANY_IPV6_EXTENSIONS.id();
            }
            if (capturedEnd - position < Ipv6Flyweight.EXT_MIN_LENGTH || packetEnd - position < Ipv6Flyweight.EXT_MIN_LENGTH)
            {
                return TRUNCATED_IPV6_EXTENSION.id();
            }
            final int following = buffer.getByte(position) & 0xFF;
            final int lengthField = buffer.getByte(position + 1) & 0xFF;
            final int extensionLength;
            if (nextHeader == Ipv6Flyweight.EXT_FRAGMENT)
            {
                extensionLength = Ipv6Flyweight.FRAGMENT_HEADER_LENGTH;
                final int fragmentField = u16(position + Ipv6Flyweight.FRAGMENT_OFFSET_FIELD);
                if ((fragmentField & Ipv6Flyweight.FRAGMENT_OFFSET_MASK) != 0)
                {
                    meta.fragment = PacketMeta.FRAGMENT_LATER;
                    meta.protocol = following;
                    return 0;
                }
                if ((fragmentField & Ipv6Flyweight.FRAGMENT_MORE_FLAG) != 0)
                {
                    meta.fragment = PacketMeta.FRAGMENT_FIRST;
                }
            }
            else if (nextHeader == Ipv6Flyweight.EXT_AUTHENTICATION)
            {
                extensionLength = (lengthField + 2) << 2; // RFC 4302 section 2.2
            }
            else
            {
                extensionLength = (lengthField + 1) << 3; // RFC 8200 section 4.3
            }
            if (packetEnd - position < extensionLength)
            {
                return TRUNCATED_IPV6_EXTENSION.id();
            }
            nextHeader = following;
            position += extensionLength;
        }
        meta.protocol = nextHeader;
        if (nextHeader == Ipv6Flyweight.NO_NEXT_HEADER)
        {
            return 0;
        }
        return parseTransport(nextHeader, position, packetEnd, meta);
    }

    /**
     * @param offset    first byte of the transport header.
     * @param packetEnd one past the last byte the IP header says the packet has (may exceed the captured bytes).
     */
    private int parseTransport(final int protocol, final int offset, final int packetEnd, final PacketMeta meta)
    {
        final int available = Math.min(capturedEnd, packetEnd);
        meta.l4Offset = offset;
        switch (protocol)
        {
            case PacketMeta.PROTO_TCP:
            {
                if (available - offset < TcpFlyweight.MIN_HEADER_LENGTH)
                {
                    return meta.fragment == PacketMeta.FRAGMENT_FIRST ? 0 : TRUNCATED_TCP.id();
                }
                tcp.wrap(buffer, offset);
                final int headerLength = tcp.headerLengthBytes();
                if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > packetEnd - offset)
                {
                    return BAD_TCP_OFFSET.id();
                }
                if (headerLength > available - offset)
                {
                    return TRUNCATED_TCP.id();
                }
                meta.srcPort = tcp.sourcePort();
                meta.dstPort = tcp.destinationPort();
                meta.tcpFlags = tcp.flags();
                meta.tcpSeq = tcp.sequence();
                meta.tcpAck = tcp.acknowledgment();
                meta.tcpWindow = tcp.window();
                setPayload(offset + headerLength, available, meta);
                return 0;
            }

            case PacketMeta.PROTO_UDP:
            {
                if (available - offset < UdpFlyweight.HEADER_LENGTH)
                {
                    return meta.fragment == PacketMeta.FRAGMENT_FIRST ? 0 : TRUNCATED_UDP.id();
                }
                udp.wrap(buffer, offset);
                final int udpLength = udp.length();
                final boolean fragmented = meta.fragment == PacketMeta.FRAGMENT_FIRST;
                if (udpLength < UdpFlyweight.HEADER_LENGTH || (!fragmented && udpLength > packetEnd - offset))
                {
                    return BAD_UDP_LENGTH.id();
                }
                meta.srcPort = udp.sourcePort();
                meta.dstPort = udp.destinationPort();
                final int udpEnd = fragmented ? available : Math.min(available, offset + udpLength);
                setPayload(offset + UdpFlyweight.HEADER_LENGTH, udpEnd, meta);
                if (decapsulateOverlays && !fragmented)
                {
                    // The inner packet is bounded by the datagram on the wire, which a snapped capture may not hold.
                    final int udpWireEnd = offset + udpLength;
                    if (meta.dstPort == UdpFlyweight.PORT_VXLAN)
                    {
                        return decapsulateVxlan(meta.payloadOffset, udpEnd, udpWireEnd, meta);
                    }
                    if (meta.dstPort == UdpFlyweight.PORT_GENEVE)
                    {
                        return decapsulateGeneve(meta.payloadOffset, udpEnd, udpWireEnd, meta);
                    }
                    if (meta.dstPort == UdpFlyweight.PORT_GTP_U)
                    {
                        return decapsulateGtpU(meta.payloadOffset, udpEnd, udpWireEnd, meta);
                    }
                }
                return 0;
            }

            case PacketMeta.PROTO_ICMP:
            case PacketMeta.PROTO_ICMPV6:
            {
                if (available - offset < IcmpFlyweight.HEADER_LENGTH)
                {
                    if (meta.fragment == PacketMeta.FRAGMENT_FIRST)
                    {
                        return 0;
                    }
                    return protocol == PacketMeta.PROTO_ICMP ? TRUNCATED_ICMP.id() : TRUNCATED_ICMPV6.id();
                }
                icmp.wrap(buffer, offset);
                meta.icmpType = icmp.type();
                meta.icmpCode = icmp.code();
                if (IcmpFlyweight.isEcho(protocol, meta.icmpType))
                {
                    // Request and reply share the identifier, so they land in one flow.
                    meta.srcPort = icmp.identifier();
                    meta.dstPort = meta.srcPort;
                }
                else
                {
                    meta.srcPort = (meta.icmpType << 8) | meta.icmpCode;
                    meta.dstPort = 0;
                }
                setPayload(offset + IcmpFlyweight.HEADER_LENGTH, available, meta);
                return 0;
            }

            case PacketMeta.PROTO_IPIP:
                return decapsulateIp(offset, packetEnd, true, meta);

            case PacketMeta.PROTO_IPV6:
                return decapsulateIp(offset, packetEnd, false, meta);

            case PacketMeta.PROTO_GRE:
                return decapsulateGre(offset, available, packetEnd, meta);

            default:
                setPayload(offset, available, meta);
                return 0;
        }
    }

    private static void setPayload(final int offset, final int end, final PacketMeta meta)
    {
        meta.payloadOffset = offset;
        meta.payloadLength = Math.max(0, end - offset);
    }

    private boolean enterTunnel(final PacketMeta meta)
    {
        if (meta.tunnelDepth >= maxTunnelDepth)
        {
            return false;
        }
        meta.tunnelDepth++;
        meta.resetNetwork();
        return true;
    }

    /**
     * @param end            one past the last captured byte of the UDP payload.
     * @param payloadWireEnd one past the last byte of the UDP payload on the wire.
     */
    private int decapsulateVxlan(final int offset, final int end, final int payloadWireEnd, final PacketMeta meta)
    {
        if (end - offset < OverlayFlyweights.VXLAN_HEADER_LENGTH)
        {
            return TRUNCATED_VXLAN.id();
        }
        if ((buffer.getByte(offset + OverlayFlyweights.VXLAN_FLAGS_OFFSET) & OverlayFlyweights.VXLAN_FLAG_VNI_VALID) == 0)
        {
            return BAD_VXLAN_FLAGS.id();
        }
        final int vni = buffer.getInt(offset + OverlayFlyweights.VXLAN_VNI_OFFSET, NETWORK) >>> 8;
        if (!enterTunnel(meta))
        {
            return TUNNEL_TOO_DEEP.id();
        }
        setVni(vni, meta);
        return parseInnerEthernet(offset + OverlayFlyweights.VXLAN_HEADER_LENGTH, end, payloadWireEnd, meta);
    }

    private int decapsulateGeneve(final int offset, final int end, final int payloadWireEnd, final PacketMeta meta)
    {
        if (end - offset < OverlayFlyweights.GENEVE_HEADER_LENGTH)
        {
            return TRUNCATED_GENEVE.id();
        }
        final int versionAndOptions = buffer.getByte(offset + OverlayFlyweights.GENEVE_VERSION_OPTLEN_OFFSET) & 0xFF;
        if ((versionAndOptions >>> 6) != 0)
        {
            return BAD_GENEVE_VERSION.id();
        }
        final int headerLength = OverlayFlyweights.GENEVE_HEADER_LENGTH + ((versionAndOptions & 0x3F) << 2);
        if (end - offset < headerLength)
        {
            return TRUNCATED_GENEVE.id();
        }
        final int protocolType = u16(offset + OverlayFlyweights.GENEVE_PROTOCOL_OFFSET);
        final int vni = buffer.getInt(offset + OverlayFlyweights.GENEVE_VNI_OFFSET, NETWORK) >>> 8;
        if (!enterTunnel(meta))
        {
            return TUNNEL_TOO_DEEP.id();
        }
        setVni(vni, meta);
        final int inner = offset + headerLength;
        if (protocolType == OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET)
        {
            return parseInnerEthernet(inner, end, payloadWireEnd, meta);
        }
        return parseInner(protocolType, inner, end, payloadWireEnd, meta);
    }

    private int decapsulateIp(final int offset, final int packetEnd, final boolean innerIpv4, final PacketMeta meta)
    {
        if (!enterTunnel(meta))
        {
            return TUNNEL_TOO_DEEP.id();
        }
        return parseInner(innerIpv4 ? EthernetFlyweight.ETHER_TYPE_IPV4 : EthernetFlyweight.ETHER_TYPE_IPV6, offset,
            packetEnd, packetEnd, meta);
    }

    /**
     * GTP-U (3GPP TS 29.281): opens G-PDUs, whose payload is the user's IP packet. Signalling messages (echo, error
     * indication, end marker) and payloads that are not IP stay the outer UDP flow.
     */
    private int decapsulateGtpU(final int offset, final int end, final int innerWireEnd, final PacketMeta meta)
    {
        if (end - offset < OverlayFlyweights.GTP_U_HEADER_LENGTH)
        {
            return 0; // too short to be a G-PDU: leave it as plain UDP
        }
        final int flags = buffer.getByte(offset) & 0xFF;
        final int messageType = buffer.getByte(offset + 1) & 0xFF;
        if ((flags >>> 5) != OverlayFlyweights.GTP_U_VERSION_1 || messageType != OverlayFlyweights.GTP_U_G_PDU)
        {
            return 0;
        }
        int inner = offset + OverlayFlyweights.GTP_U_HEADER_LENGTH;
        if ((flags & OverlayFlyweights.GTP_U_FLAGS_OPTIONAL) != 0)
        {
            if (end - inner < OverlayFlyweights.GTP_U_OPTIONAL_LENGTH)
            {
                return TRUNCATED_GTP_U.id();
            }
            int nextType = (flags & OverlayFlyweights.GTP_U_FLAG_EXTENSION) != 0 ?
                buffer.getByte(inner + 3) & 0xFF : 0;
            inner += OverlayFlyweights.GTP_U_OPTIONAL_LENGTH;
            for (int extensions = 0; nextType != 0; extensions++)
            {
                if (extensions == OverlayFlyweights.GTP_U_MAX_EXTENSIONS || end - inner < 4)
                {
                    return TRUNCATED_GTP_U.id();
                }
                final int length = (buffer.getByte(inner) & 0xFF) << 2;
                if (length == 0 || end - inner < length)
                {
                    return TRUNCATED_GTP_U.id();
                }
                nextType = buffer.getByte(inner + length - 1) & 0xFF;
                inner += length;
            }
        }
        if (end - inner < 1)
        {
            return 0;
        }
        final int version = (buffer.getByte(inner) & 0xF0) >>> 4;
        if (version != 4 && version != 6)
        {
            return 0;
        }
        if (!enterTunnel(meta))
        {
            return TUNNEL_TOO_DEEP.id();
        }
        return parseInner(version == 4 ? EthernetFlyweight.ETHER_TYPE_IPV4 : EthernetFlyweight.ETHER_TYPE_IPV6,
            inner, end, innerWireEnd, meta);
    }

    /** GRE, RFC 2784 and RFC 2890 (version 0 only; PPTP's enhanced GRE carries PPP and is left as opaque). */
    private int decapsulateGre(final int offset, final int end, final int packetEnd, final PacketMeta meta)
    {
        if (end - offset < GRE_BASE_LENGTH)
        {
            return 0;
        }
        final int flags = u16(offset);
        if ((flags & GRE_VERSION_MASK) != 0)
        {
            setPayload(offset, end, meta);
            return 0;
        }
        int headerLength = GRE_BASE_LENGTH;
        headerLength += (flags & GRE_FLAG_CHECKSUM) != 0 ? 4 : 0;
        headerLength += (flags & GRE_FLAG_KEY) != 0 ? 4 : 0;
        headerLength += (flags & GRE_FLAG_SEQUENCE) != 0 ? 4 : 0;
        final int protocolType = u16(offset + 2);
        if (end - offset < headerLength ||
            (protocolType != EthernetFlyweight.ETHER_TYPE_IPV4 && protocolType != EthernetFlyweight.ETHER_TYPE_IPV6 &&
            protocolType != OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET))
        {
            setPayload(offset, end, meta);
            return 0;
        }
        if (!enterTunnel(meta))
        {
            return TUNNEL_TOO_DEEP.id();
        }
        final int inner = offset + headerLength;
        if (protocolType == OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET)
        {
            return parseInnerEthernet(inner, end, packetEnd, meta);
        }
        return parseInner(protocolType, inner, end, packetEnd, meta);
    }

    /** Parses an inner frame whose link layer is Ethernet, bounded by the outer packet's end. */
    private int parseInnerEthernet(final int offset, final int end, final int innerWireEnd, final PacketMeta meta)
    {
        return parseInner(-1, offset, end, innerWireEnd, meta);
    }

    /**
     * Parses an inner packet whose captured bytes end at {@code end} and which ends at {@code innerWireEnd} on the
     * wire (later in a snapped capture): an Ethernet frame when {@code etherType} is -1, else the payload named by
     * that EtherType. The outer bounds are restored afterwards.
     */
    private int parseInner(
        final int etherType, final int offset, final int end, final int innerWireEnd, final PacketMeta meta)
    {
        final int savedCapturedEnd = capturedEnd;
        final int savedWireEnd = wireEnd;
        capturedEnd = Math.min(capturedEnd, end);
        wireEnd = Math.min(wireEnd, innerWireEnd);
        final int result = etherType < 0 ? parseEthernet(offset, meta) : parseEtherType(etherType, offset, meta);
        capturedEnd = savedCapturedEnd;
        wireEnd = savedWireEnd;
        return result;
    }

    private static void setVni(final int vni, final PacketMeta meta)
    {
        meta.vni = vni;
        meta.zone = PacketMeta.ZONE_VNI_FLAG | vni;
    }

    private int u16(final int index)
    {
        return buffer.getShort(index, NETWORK) & 0xFFFF;
    }
}
