package dev.palisade.enforcement.packet;

/**
 * Layouts of the overlay headers the parser decapsulates. Both ride on UDP and carry a 24-bit virtual network
 * identifier (VNI) that becomes part of the inner flow's key.
 * <pre>
 * VXLAN, RFC 7348 section 5 (UDP port 4789):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  followed by an inner Ethernet frame.
 *
 * Geneve, RFC 8926 section 3.4 (UDP port 6081):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Variable-Length Options (Opt Len x 4 bytes)|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  followed by the inner packet whose EtherType is Protocol Type (0x6558 = Ethernet).
 * </pre>
 */
public final class OverlayFlyweights
{
    public static final int VXLAN_HEADER_LENGTH = 8;
    public static final int VXLAN_FLAGS_OFFSET = 0;
    public static final int VXLAN_FLAG_VNI_VALID = 0x08;
    public static final int VXLAN_VNI_OFFSET = 4;

    public static final int GENEVE_HEADER_LENGTH = 8;
    public static final int GENEVE_VERSION_OPTLEN_OFFSET = 0;
    public static final int GENEVE_PROTOCOL_OFFSET = 2;
    public static final int GENEVE_VNI_OFFSET = 4;
    public static final int GENEVE_PROTOCOL_ETHERNET = 0x6558;

    public static final int PPPOE_HEADER_LENGTH = 6;
    public static final int PPPOE_LENGTH_OFFSET = 4;
    public static final int PPP_PROTOCOL_LENGTH = 2;
    public static final int PPP_IPV4 = 0x0021;
    public static final int PPP_IPV6 = 0x0057;

    public static final int GTP_U_HEADER_LENGTH = 8;
    public static final int GTP_U_OPTIONAL_LENGTH = 4;
    public static final int GTP_U_VERSION_1 = 1;
    public static final int GTP_U_FLAGS_OPTIONAL = 0x07;
    public static final int GTP_U_FLAG_EXTENSION = 0x04;
    public static final int GTP_U_G_PDU = 255;
    public static final int GTP_U_MAX_EXTENSIONS = 8;

    public static final int MPLS_LABEL_LENGTH = 4;
    public static final int MPLS_BOTTOM_OF_STACK = 0x100;

    private OverlayFlyweights()
    {
    }
}
