package dev.palisade.enforcement.packet;

/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443 section 2.1) share the first four bytes; echo messages add an identifier and a
 * sequence number.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Identifier (echo)         |      Sequence Number (echo)   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IcmpFlyweight extends Flyweight
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;

    public int type()
    {
        return u8(TYPE_OFFSET);
    }

    public int code()
    {
        return u8(CODE_OFFSET);
    }

    public int identifier()
    {
        return u16(IDENTIFIER_OFFSET);
    }

    public static boolean isEcho(final int protocol, final int type)
    {
        return protocol == PacketMeta.PROTO_ICMP ? (type == V4_ECHO_REQUEST || type == V4_ECHO_REPLY) :
            (type == V6_ECHO_REQUEST || type == V6_ECHO_REPLY);
    }
}
