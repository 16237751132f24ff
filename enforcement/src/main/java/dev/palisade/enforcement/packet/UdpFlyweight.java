package dev.palisade.enforcement.packet;

/**
 * UDP header, RFC 768.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class UdpFlyweight extends Flyweight
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int PORT_VXLAN = 4789;
    public static final int PORT_GENEVE = 6081;
    public static final int PORT_GTP_U = 2152;

    public int sourcePort()
    {
        return u16(SOURCE_PORT_OFFSET);
    }

    public int destinationPort()
    {
        return u16(DESTINATION_PORT_OFFSET);
    }

    public int length()
    {
        return u16(LENGTH_OFFSET);
    }
}
