package dev.palisade.enforcement.packet;

/**
 * IPv6 fixed header, RFC 8200 section 3, and the extension headers the parser walks (section 4): hop-by-hop options
 * (0), routing (43), fragment (44), destination options (60), and authentication (51, RFC 4302).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Source Address (16 bytes)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Destination Address (16 bytes)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Generic extension header (hop-by-hop, routing, destination options):
 *  | Next Header | Hdr Ext Len (8-octet units, not counting the first) | ...
 *  Fragment header (8 bytes):
 *  | Next Header | Reserved | Fragment Offset (13) | Res | M | Identification (32) |
 *  Authentication header: | Next Header | Payload Len (4-octet units minus 2) | ...
 * </pre>
 */
public final class Ipv6Flyweight extends Flyweight
{
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    public static final int EXT_HOP_BY_HOP = 0;
    public static final int EXT_ROUTING = 43;
    public static final int EXT_FRAGMENT = 44;
    public static final int EXT_AUTHENTICATION = 51;
    public static final int EXT_DESTINATION_OPTIONS = 60;
    public static final int NO_NEXT_HEADER = 59;

    public static final int EXT_MIN_LENGTH = 8;
    public static final int FRAGMENT_HEADER_LENGTH = 8;
    /** In the fragment header's second 16-bit word: offset in 8-octet units (upper 13 bits) and the M flag. */
    public static final int FRAGMENT_OFFSET_FIELD = 2;
    public static final int FRAGMENT_MORE_FLAG = 0x0001;
    public static final int FRAGMENT_OFFSET_MASK = 0xFFF8;

    public int version()
    {
        return u8(VERSION_CLASS_FLOW_OFFSET) >>> 4;
    }

    public int payloadLength()
    {
        return u16(PAYLOAD_LENGTH_OFFSET);
    }

    public int nextHeader()
    {
        return u8(NEXT_HEADER_OFFSET);
    }

    public int hopLimit()
    {
        return u8(HOP_LIMIT_OFFSET);
    }

    public long sourceHigh()
    {
        return i64(SOURCE_OFFSET);
    }

    public long sourceLow()
    {
        return i64(SOURCE_OFFSET + 8);
    }

    public long destinationHigh()
    {
        return i64(DESTINATION_OFFSET);
    }

    public long destinationLow()
    {
        return i64(DESTINATION_OFFSET + 8);
    }

    public static boolean isExtensionHeader(final int nextHeader)
    {
        return nextHeader == EXT_HOP_BY_HOP || nextHeader == EXT_ROUTING || nextHeader == EXT_FRAGMENT ||
            nextHeader == EXT_DESTINATION_OPTIONS || nextHeader == EXT_AUTHENTICATION;
    }
}
