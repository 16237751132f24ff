package dev.palisade.enforcement.packet;

/**
 * TCP header, RFC 9293 section 3.1.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (data offset > 5)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class TcpFlyweight extends Flyweight
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int OPTIONS_OFFSET = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Option kinds, RFC 9293 section 3.2 and RFC 7323. */
    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_WINDOW_SCALE = 3;
    public static final int OPTION_SACK_PERMITTED = 4;
    public static final int OPTION_TIMESTAMPS = 8;

    public int sourcePort()
    {
        return u16(SOURCE_PORT_OFFSET);
    }

    public int destinationPort()
    {
        return u16(DESTINATION_PORT_OFFSET);
    }

    public long sequence()
    {
        return u32(SEQUENCE_OFFSET);
    }

    public long acknowledgment()
    {
        return u32(ACKNOWLEDGMENT_OFFSET);
    }

    public int headerLengthBytes()
    {
        return (u8(DATA_OFFSET_OFFSET) >>> 4) << 2;
    }

    public int flags()
    {
        return u8(FLAGS_OFFSET);
    }

    public int window()
    {
        return u16(WINDOW_OFFSET);
    }

    /**
     * Walks the options (RFC 9293 section 3.2) for a kind and returns the offset of its first data byte relative to
     * the header, or -1 when absent or when the option list is malformed (a length below 2 or past the header end).
     */
    public int findOption(final int kind)
    {
        final int end = headerLengthBytes();
        int position = OPTIONS_OFFSET;
        while (position < end)
        {
            final int optionKind = u8(position);
            if (optionKind == OPTION_END)
            {
                return -1;
            }
            if (optionKind == OPTION_NOP)
            {
                position++;
                continue;
            }
            if (position + 1 >= end)
            {
                return -1;
            }
            final int optionLength = u8(position + 1);
            if (optionLength < 2 || position + optionLength > end)
            {
                return -1;
            }
            if (optionKind == kind)
            {
                return position + 2;
            }
            position += optionLength;
        }
        return -1;
    }

    /** @return the MSS option's value, or -1 when absent. */
    public int mss()
    {
        final int at = findOption(OPTION_MSS);
        return at < 0 || at + 2 > headerLengthBytes() ? -1 : u16(at);
    }

    /** @return the window scale option's shift count, or -1 when absent. */
    public int windowScale()
    {
        final int at = findOption(OPTION_WINDOW_SCALE);
        return at < 0 || at + 1 > headerLengthBytes() ? -1 : u8(at);
    }
}
