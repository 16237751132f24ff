package dev.palisade.enforcement.packet;

/**
 * Why a frame could not be parsed. Each reason has a stable id (used as a counter index and in persisted statistics)
 * and a stable snake_case name (used in JSON output and logs). Never renumber; append.
 */
public enum MalformedReason
{
    NONE(0, "none"),
    TRUNCATED_ETHERNET(1, "truncated_ethernet"),
    TRUNCATED_VLAN(2, "truncated_vlan"),
    TOO_MANY_VLAN_TAGS(3, "too_many_vlan_tags"),
    TRUNCATED_SLL(4, "truncated_sll"),
    TRUNCATED_IPV4(5, "truncated_ipv4"),
    BAD_IPV4_VERSION(6, "bad_ipv4_version"),
    BAD_IPV4_HEADER_LENGTH(7, "bad_ipv4_header_length"),
    BAD_IPV4_TOTAL_LENGTH(8, "bad_ipv4_total_length"),
    TRUNCATED_IPV6(9, "truncated_ipv6"),
    BAD_IPV6_VERSION(10, "bad_ipv6_version"),
    BAD_IPV6_PAYLOAD_LENGTH(11, "bad_ipv6_payload_length"),
    TRUNCATED_IPV6_EXTENSION(12, "truncated_ipv6_extension"),
    TOO_MANY_IPV6_EXTENSIONS(13, "too_many_ipv6_extensions"),
    TRUNCATED_TCP(14, "truncated_tcp"),
    BAD_TCP_OFFSET(15, "bad_tcp_offset"),
    TRUNCATED_UDP(16, "truncated_udp"),
    BAD_UDP_LENGTH(17, "bad_udp_length"),
    TRUNCATED_ICMP(18, "truncated_icmp"),
    TRUNCATED_ICMPV6(19, "truncated_icmpv6"),
    TRUNCATED_VXLAN(20, "truncated_vxlan"),
    BAD_VXLAN_FLAGS(21, "bad_vxlan_flags"),
    TRUNCATED_GENEVE(22, "truncated_geneve"),
    BAD_GENEVE_VERSION(23, "bad_geneve_version"),
    TUNNEL_TOO_DEEP(24, "tunnel_too_deep"),
    UNSUPPORTED_LINK_TYPE(25, "unsupported_link_type"),
    BAD_IP_VERSION(26, "bad_ip_version"),
    TRUNCATED_NULL_LOOPBACK(27, "truncated_null_loopback"),
    TRUNCATED_PPPOE(28, "truncated_pppoe"),
    BAD_PPPOE_LENGTH(29, "bad_pppoe_length"),
    TRUNCATED_MPLS(30, "truncated_mpls"),
    TOO_MANY_MPLS_LABELS(31, "too_many_mpls_labels"),
    TRUNCATED_GTP_U(32, "truncated_gtp_u"),
    TRUNCATED_NSH(33, "truncated_nsh"),
    BAD_NSH(34, "bad_nsh");

    private static final MalformedReason[] BY_ID;

    static
    {
        final MalformedReason[] values = values();
        BY_ID = new MalformedReason[values.length];
        for (final MalformedReason reason : values)
        {
            if (BY_ID[reason.id] != null)
            {
                throw new IllegalStateException("duplicate malformed reason id " + reason.id);
            }
            BY_ID[reason.id] = reason;
        }
    }

    private final int id;
    private final String label;

    MalformedReason(final int id, final String label)
    {
        this.id = id;
        this.label = label;
    }

    public int id()
    {
        return id;
    }

    /**
     * @return the stable snake_case name used in output, e.g. {@code truncated_ipv4}.
     */
    public String label()
    {
        return label;
    }

    public static int count()
    {
        return BY_ID.length;
    }

    public static MalformedReason byId(final int id)
    {
        return BY_ID[id];
    }
}
