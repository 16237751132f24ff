package dev.palisade.enforcement.packet;

/**
 * Link-layer header types, numbered as in the tcpdump.org LINKTYPE_ registry (the values pcap and pcapng store).
 */
public final class LinkType
{
    /** BSD loopback: a 4-byte address family in the writer's byte order. */
    public static final int NULL = 0;
    /** IEEE 802.3 Ethernet. */
    public static final int ETHERNET = 1;
    /** Raw IP; some systems wrote it as DLT_RAW 12 or 14. */
    public static final int RAW = 101;
    public static final int RAW_ALT_12 = 12;
    public static final int RAW_ALT_14 = 14;
    /** OpenBSD loopback: like NULL but the family is always big-endian. */
    public static final int LOOP = 108;
    /** Linux "cooked" capture v1 (16-byte header). */
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    /** Linux "cooked" capture v2 (20-byte header). */
    public static final int LINUX_SLL2 = 276;

    private LinkType()
    {
    }

    public static boolean isSupported(final int linkType)
    {
        return switch (linkType)
        {
            case NULL, ETHERNET, RAW, RAW_ALT_12, RAW_ALT_14, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    public static String name(final int linkType)
    {
        return switch (linkType)
        {
            case NULL -> "NULL";
            case ETHERNET -> "ETHERNET";
            case RAW, RAW_ALT_12, RAW_ALT_14 -> "RAW";
            case LOOP -> "LOOP";
            case LINUX_SLL -> "LINUX_SLL";
            case IPV4 -> "IPV4";
            case IPV6 -> "IPV6";
            case LINUX_SLL2 -> "LINUX_SLL2";
            default -> "LINKTYPE_" + linkType;
        };
    }
}
