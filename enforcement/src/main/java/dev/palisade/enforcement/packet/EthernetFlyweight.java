package dev.palisade.enforcement.packet;

/**
 * Ethernet II header (IEEE 802.3), optionally followed by 802.1Q / 802.1ad (QinQ) tags.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination MAC (6 bytes)                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       Source MAC (6 bytes)    +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     EtherType / TPID          |  (if TPID) PCP|D|  VLAN id    |  802.1Q tag, repeated for QinQ
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class EthernetFlyweight extends Flyweight
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    /** A VLAN tag: TCI (2 bytes) and the next EtherType (2 bytes), following a TPID. */
    public static final int VLAN_TAG_LENGTH = 4;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;
    /** PPPoE session stage (RFC 2516); the discovery stage, 0x8863, carries no IP. */
    public static final int ETHER_TYPE_PPPOE_SESSION = 0x8864;
    public static final int ETHER_TYPE_MPLS_UNICAST = 0x8847;
    public static final int ETHER_TYPE_MPLS_MULTICAST = 0x8848;
    /** Network Service Header, RFC 8300. */
    public static final int ETHER_TYPE_NSH = 0x894F;
    public static final int ETHER_TYPE_IPV6 = 0x86DD;
    /** 802.1Q customer tag. */
    public static final int TPID_8021Q = 0x8100;
    /** 802.1ad service tag (QinQ outer tag). */
    public static final int TPID_8021AD = 0x88A8;
    /** Pre-standard QinQ outer tag still seen in the field. */
    public static final int TPID_QINQ_LEGACY = 0x9100;

    public static boolean isVlanTpid(final int etherType)
    {
        return etherType == TPID_8021Q || etherType == TPID_8021AD || etherType == TPID_QINQ_LEGACY;
    }

    public long destinationMac()
    {
        return ((long)u16(DESTINATION_OFFSET) << 32) | u32(DESTINATION_OFFSET + 2);
    }

    public long sourceMac()
    {
        return ((long)u16(SOURCE_OFFSET) << 32) | u32(SOURCE_OFFSET + 2);
    }

    public int etherType()
    {
        return u16(ETHER_TYPE_OFFSET);
    }
}
