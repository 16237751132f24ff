package dev.palisade.enforcement.packet;

/**
 * IPv4 header, RFC 791 section 3.1.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL > 5)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv4Flyweight extends Flyweight
{
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    public int version()
    {
        return u8(VERSION_IHL_OFFSET) >>> 4;
    }

    public int headerLengthBytes()
    {
        return (u8(VERSION_IHL_OFFSET) & 0x0F) << 2;
    }

    public int totalLength()
    {
        return u16(TOTAL_LENGTH_OFFSET);
    }

    public int identification()
    {
        return u16(IDENTIFICATION_OFFSET);
    }

    public int flagsAndFragmentOffset()
    {
        return u16(FLAGS_FRAGMENT_OFFSET);
    }

    public int ttl()
    {
        return u8(TTL_OFFSET);
    }

    public int protocol()
    {
        return u8(PROTOCOL_OFFSET);
    }

    /** @return the source address as an unsigned 32-bit value in a long. */
    public long source()
    {
        return u32(SOURCE_OFFSET);
    }

    public long destination()
    {
        return u32(DESTINATION_OFFSET);
    }
}
