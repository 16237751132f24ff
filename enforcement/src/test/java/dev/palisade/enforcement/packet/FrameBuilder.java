package dev.palisade.enforcement.packet;

import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds frames by hand, layer by layer from the inside out: each method takes the payload it carries and returns the
 * header followed by that payload, with lengths filled in. Checksums are left zero (the parser does not check them).
 * <pre>{@code
 * byte[] frame = ethernet(ETHER_TYPE_IPV4, ipv4("10.0.0.1", "10.0.0.2", PROTO_TCP, tcp(40000, 80, SYN, payload(0))));
 * }</pre>
 * Malformed frames are made by building a good one and then corrupting a field with {@link #putU8} / {@link #putU16}.
 */
public final class FrameBuilder
{
    public static final byte[] DESTINATION_MAC = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
    public static final byte[] SOURCE_MAC = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

    public static final int ETHERNET_HEADER_LENGTH = 14;
    public static final int IPV4_HEADER_LENGTH = 20;
    public static final int IPV6_HEADER_LENGTH = 40;
    public static final int TCP_HEADER_LENGTH = 20;
    public static final int UDP_HEADER_LENGTH = 8;

    /** Linux ARPHRD_ETHER, for the cooked-capture headers. */
    private static final int ARPHRD_ETHER = 1;
    private static final int DEFAULT_TTL = 64;

    private FrameBuilder()
    {
    }

    // Link layers

    public static byte[] ethernet(final int etherType, final byte[] payload)
    {
        return new Writer(ETHERNET_HEADER_LENGTH + payload.length)
            .bytes(DESTINATION_MAC).bytes(SOURCE_MAC).u16(etherType).bytes(payload).toArray();
    }

    /**
     * Ethernet with VLAN tags.
     *
     * @param tpidAndVlanPairs (TPID, VLAN id) pairs, outermost first.
     */
    public static byte[] ethernetTagged(final int etherType, final byte[] payload, final int... tpidAndVlanPairs)
    {
        final Writer writer = new Writer(ETHERNET_HEADER_LENGTH + 2 * tpidAndVlanPairs.length + payload.length)
            .bytes(DESTINATION_MAC).bytes(SOURCE_MAC);
        for (int i = 0; i < tpidAndVlanPairs.length; i += 2)
        {
            // Priority 5 in the PCP bits, so the parser must mask them off the VLAN id.
            writer.u16(tpidAndVlanPairs[i]).u16((5 << 13) | tpidAndVlanPairs[i + 1]);
        }
        return writer.u16(etherType).bytes(payload).toArray();
    }

    /** Linux cooked capture v1: packet type, ARPHRD, address length, address (8), protocol. */
    public static byte[] linuxSll(final int protocol, final byte[] payload)
    {
        return new Writer(PacketParser.SLL_HEADER_LENGTH + payload.length)
            .u16(0).u16(ARPHRD_ETHER).u16(6).bytes(SOURCE_MAC).u16(0).u16(protocol).bytes(payload).toArray();
    }

    /** Linux cooked capture v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8). */
    public static byte[] linuxSll2(final int protocol, final byte[] payload)
    {
        return new Writer(PacketParser.SLL2_HEADER_LENGTH + payload.length)
            .u16(protocol).u16(0).u32(3).u16(ARPHRD_ETHER).u8(4).u8(6).bytes(SOURCE_MAC).u16(0).bytes(payload)
            .toArray();
    }

    /** BSD loopback: a 4-byte address family in the given byte order. */
    public static byte[] nullLoopback(final int family, final ByteOrder order, final byte[] payload)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(PacketParser.NULL_HEADER_LENGTH + payload.length);
        buffer.order(order).putInt(family).put(payload);
        return buffer.array();
    }

    // Network layer

    public static byte[] ipv4(final String source, final String destination, final int protocol, final byte[] payload)
    {
        return ipv4(source, destination, protocol, 0, new byte[0], payload);
    }

    /**
     * @param flagsAndFragmentOffset the 16-bit flags/fragment-offset word, e.g. {@code FLAG_MORE_FRAGMENTS | 185}.
     * @param options                options, a multiple of 4 bytes (RFC 791 pads with end-of-options).
     */
    public static byte[] ipv4(
        final String source,
        final String destination,
        final int protocol,
        final int flagsAndFragmentOffset,
        final byte[] options,
        final byte[] payload)
    {
        if ((options.length & 3) != 0)
        {
            throw new IllegalArgumentException("IPv4 options must be a multiple of 4 bytes: " + options.length);
        }
        final int headerLength = IPV4_HEADER_LENGTH + options.length;
        return new Writer(headerLength + payload.length)
            .u8(0x40 | (headerLength >>> 2))
            .u8(0)
            .u16(headerLength + payload.length)
            .u16(0x1234)
            .u16(flagsAndFragmentOffset)
            .u8(DEFAULT_TTL)
            .u8(protocol)
            .u16(0)
            .bytes(address(source))
            .bytes(address(destination))
            .bytes(options)
            .bytes(payload)
            .toArray();
    }

    public static byte[] ipv6(final String source, final String destination, final int nextHeader, final byte[] payload)
    {
        return new Writer(IPV6_HEADER_LENGTH + payload.length)
            .u32(0x6000_0000 | 0x12345)
            .u16(payload.length)
            .u8(nextHeader)
            .u8(DEFAULT_TTL)
            .bytes(address(source))
            .bytes(address(destination))
            .bytes(payload)
            .toArray();
    }

    /** A hop-by-hop or destination options header (RFC 8200 section 4.3/4.6): 8 bytes, one PadN option. */
    public static byte[] ipv6Options(final int nextHeader, final byte[] payload)
    {
        return new Writer(8 + payload.length)
            .u8(nextHeader).u8(0).u8(1).u8(4).u32(0).bytes(payload).toArray();
    }

    /** A type 2 routing header (RFC 6275 section 6.4): 24 bytes, Hdr Ext Len 2, segments left 1. */
    public static byte[] ipv6Routing(final int nextHeader, final byte[] payload)
    {
        return new Writer(24 + payload.length)
            .u8(nextHeader).u8(2).u8(2).u8(1).u32(0).bytes(address("2001:db8::99")).bytes(payload).toArray();
    }

    /**
     * A fragment header (RFC 8200 section 4.5).
     *
     * @param offsetUnits fragment offset in 8-octet units.
     */
    public static byte[] ipv6Fragment(
        final int nextHeader, final int offsetUnits, final boolean more, final byte[] payload)
    {
        return new Writer(8 + payload.length)
            .u8(nextHeader).u8(0).u16((offsetUnits << 3) | (more ? 1 : 0)).u32(0xCAFE_F00D).bytes(payload).toArray();
    }

    /** An authentication header (RFC 4302 section 2): 12 fixed bytes and a 12-byte ICV, Payload Len 4. */
    public static byte[] ipv6Authentication(final int nextHeader, final byte[] payload)
    {
        return new Writer(24 + payload.length)
            .u8(nextHeader).u8(4).u16(0).u32(0x1000).u32(7).bytes(new byte[12]).bytes(payload).toArray();
    }

    // Transport layer

    public static byte[] tcp(final int sourcePort, final int destinationPort, final int flags, final byte[] payload)
    {
        return tcp(sourcePort, destinationPort, flags, 1_000L, 0L, 65_535, new byte[0], payload);
    }

    /** @param options TCP options, a multiple of 4 bytes. */
    public static byte[] tcp(
        final int sourcePort,
        final int destinationPort,
        final int flags,
        final long sequence,
        final long acknowledgment,
        final int window,
        final byte[] options,
        final byte[] payload)
    {
        if ((options.length & 3) != 0)
        {
            throw new IllegalArgumentException("TCP options must be a multiple of 4 bytes: " + options.length);
        }
        final int headerLength = TCP_HEADER_LENGTH + options.length;
        return new Writer(headerLength + payload.length)
            .u16(sourcePort)
            .u16(destinationPort)
            .u32((int)sequence)
            .u32((int)acknowledgment)
            .u8((headerLength >>> 2) << 4)
            .u8(flags)
            .u16(window)
            .u16(0)
            .u16(0)
            .bytes(options)
            .bytes(payload)
            .toArray();
    }

    /** MSS, NOP, window scale, end-of-options: 8 bytes (RFC 9293 section 3.2, RFC 7323 section 2.2). */
    public static byte[] tcpOptionsMssAndWindowScale(final int mss, final int shift)
    {
        return new Writer(8)
            .u8(TcpFlyweight.OPTION_MSS).u8(4).u16(mss)
            .u8(TcpFlyweight.OPTION_NOP)
            .u8(TcpFlyweight.OPTION_WINDOW_SCALE).u8(3).u8(shift)
            .toArray();
    }

    public static byte[] udp(final int sourcePort, final int destinationPort, final byte[] payload)
    {
        return new Writer(UDP_HEADER_LENGTH + payload.length)
            .u16(sourcePort).u16(destinationPort).u16(UDP_HEADER_LENGTH + payload.length).u16(0).bytes(payload)
            .toArray();
    }

    /** ICMP or ICMPv6: type, code, checksum, then identifier and sequence (the "rest of header" word). */
    public static byte[] icmp(
        final int type, final int code, final int identifier, final int sequence, final byte[] payload)
    {
        return new Writer(8 + payload.length)
            .u8(type).u8(code).u16(0).u16(identifier).u16(sequence).bytes(payload).toArray();
    }

    // Overlays

    /** VXLAN (RFC 7348 section 5) with the I flag set, carrying an inner Ethernet frame. */
    public static byte[] vxlan(final int vni, final byte[] innerFrame)
    {
        return new Writer(8 + innerFrame.length)
            .u8(OverlayFlyweights.VXLAN_FLAG_VNI_VALID).u8(0).u16(0).u32(vni << 8).bytes(innerFrame).toArray();
    }

    /**
     * Geneve (RFC 8926 section 3.4).
     *
     * @param options options, a multiple of 4 bytes (the Opt Len field counts 4-byte words).
     */
    public static byte[] geneve(final int vni, final int protocolType, final byte[] options, final byte[] inner)
    {
        if ((options.length & 3) != 0)
        {
            throw new IllegalArgumentException("Geneve options must be a multiple of 4 bytes: " + options.length);
        }
        return new Writer(8 + options.length + inner.length)
            .u8(options.length >>> 2).u8(0).u16(protocolType).u32(vni << 8).bytes(options).bytes(inner).toArray();
    }

    /** One Geneve option (RFC 8926 section 3.5): class, type, length in 4-byte words, data. */
    public static byte[] geneveOption(final int optionClass, final int type, final byte[] data)
    {
        if ((data.length & 3) != 0)
        {
            throw new IllegalArgumentException("Geneve option data must be a multiple of 4 bytes: " + data.length);
        }
        return new Writer(4 + data.length).u16(optionClass).u8(type).u8(data.length >>> 2).bytes(data).toArray();
    }

    /** GRE version 0 (RFC 2784, RFC 2890) with the key present. */
    public static byte[] greWithKey(final int protocolType, final int key, final byte[] inner)
    {
        return new Writer(8 + inner.length).u16(0x2000).u16(protocolType).u32(key).bytes(inner).toArray();
    }

    // Utilities

    /** @return {@code length} bytes of a recognisable pattern. */
    /**
     * A GTP-U header (3GPP TS 29.281) of {@code messageType}, with the optional word and one PDU-session-container
     * extension header when {@code withExtension}, then {@code payload}.
     */
    public static byte[] gtpU(final int messageType, final int teid, final boolean withExtension, final byte[] payload)
    {
        final byte[] optional = withExtension ? new byte[] {0, 1, 0, (byte)0x85, 1, 0x10, 0x09, 0} : new byte[0];
        final byte[] header = new byte[8];
        header[0] = (byte)(0x30 | (withExtension ? 0x04 : 0));
        header[1] = (byte)messageType;
        putU16(header, 2, optional.length + payload.length);
        header[4] = (byte)(teid >>> 24);
        header[5] = (byte)(teid >>> 16);
        header[6] = (byte)(teid >>> 8);
        header[7] = (byte)teid;
        return concat(header, optional, payload);
    }

    /** PPPoE session header (RFC 2516) and PPP protocol field, then {@code payload}. */
    public static byte[] pppoe(final int pppProtocol, final byte[] payload)
    {
        final byte[] header = new byte[8];
        header[0] = 0x11;
        header[2] = 0x12;
        header[3] = 0x34;
        putU16(header, 4, payload.length + 2);
        putU16(header, 6, pppProtocol);
        return concat(header, payload);
    }

    /** An MPLS label stack (RFC 3032), bottom of stack set on the last label, then {@code payload}. */
    public static byte[] mpls(final byte[] payload, final int... labels)
    {
        final byte[] stack = new byte[labels.length * 4];
        for (int i = 0; i < labels.length; i++)
        {
            final int entry = (labels[i] << 12) | (i == labels.length - 1 ? 0x100 : 0) | 64;
            stack[i * 4] = (byte)(entry >>> 24);
            stack[i * 4 + 1] = (byte)(entry >>> 16);
            stack[i * 4 + 2] = (byte)(entry >>> 8);
            stack[i * 4 + 3] = (byte)entry;
        }
        return concat(stack, payload);
    }

    /**
     * A Network Service Header (RFC 8300): MD type 1 (24 bytes) or 2 (8 bytes, no context), then {@code payload}.
     *
     * @param nextProtocol 1 IPv4, 2 IPv6, 3 Ethernet.
     */
    public static byte[] nsh(final int mdType, final int nextProtocol, final byte[] payload)
    {
        final int length = mdType == 1 ? 24 : 8;
        final byte[] header = new byte[length];
        putU16(header, 0, (63 << 6) | (length / 4)); // version 0, TTL 63
        header[2] = (byte)mdType;
        header[3] = (byte)nextProtocol;
        putU16(header, 4, 0x0001); // service path 1
        header[7] = (byte)255; // service index
        return concat(header, payload);
    }

    public static byte[] payload(final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)('a' + (i % 26));
        }
        return bytes;
    }

    public static byte[] concat(final byte[]... parts)
    {
        int length = 0;
        for (final byte[] part : parts)
        {
            length += part.length;
        }
        final Writer writer = new Writer(length);
        for (final byte[] part : parts)
        {
            writer.bytes(part);
        }
        return writer.toArray();
    }

    public static byte[] putU8(final byte[] frame, final int index, final int value)
    {
        frame[index] = (byte)value;
        return frame;
    }

    public static byte[] putU16(final byte[] frame, final int index, final int value)
    {
        frame[index] = (byte)(value >>> 8);
        frame[index + 1] = (byte)value;
        return frame;
    }

    /**
     * Copies a frame into a buffer of exactly {@code offset + frame.length} bytes, so a read past the frame's end is an
     * out-of-bounds exception rather than a silent read of neighbouring memory.
     */
    public static UnsafeBuffer bufferAt(final int offset, final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + frame.length]);
        buffer.putBytes(offset, frame);
        return buffer;
    }

    /** @return an address literal as its 4 or 16 bytes (never a name lookup). */
    public static byte[] address(final String literal)
    {
        if (!literal.contains(":") && !literal.matches("[0-9.]+"))
        {
            throw new IllegalArgumentException("not an address literal: " + literal);
        }
        try
        {
            return InetAddress.getByName(literal).getAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException(literal, ex);
        }
    }

    /** @return the upper 64 bits of an address as {@link PacketMeta} holds it (IPv4 is IPv4-mapped). */
    public static long addressHigh(final String literal)
    {
        final byte[] bytes = address(literal);
        return bytes.length == 4 ? 0 : ByteBuffer.wrap(bytes).getLong(0);
    }

    /** @return the lower 64 bits of an address as {@link PacketMeta} holds it (IPv4 is IPv4-mapped). */
    public static long addressLow(final String literal)
    {
        final byte[] bytes = address(literal);
        return bytes.length == 4 ?
            PacketMeta.IPV4_MAPPED_PREFIX | (ByteBuffer.wrap(bytes).getInt(0) & 0xFFFF_FFFFL) :
            ByteBuffer.wrap(bytes).getLong(8);
    }

    /** Big-endian writer over an array of known size. */
    private static final class Writer
    {
        private final ByteBuffer buffer;

        Writer(final int length)
        {
            buffer = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        }

        Writer u8(final int value)
        {
            buffer.put((byte)value);
            return this;
        }

        Writer u16(final int value)
        {
            buffer.putShort((short)value);
            return this;
        }

        Writer u32(final int value)
        {
            buffer.putInt(value);
            return this;
        }

        Writer bytes(final byte[] bytes)
        {
            buffer.put(bytes);
            return this;
        }

        byte[] toArray()
        {
            if (buffer.hasRemaining())
            {
                throw new IllegalStateException(buffer.remaining() + " bytes of the frame were not written");
            }
            return buffer.array();
        }
    }
}
