package dev.palisade.enforcement.counters;

/**
 * The data plane's counters. Ids are stable (they index the counter buffers and may be persisted or exported); never
 * renumber, only append. Malformed-packet counters live after these, one per
 * {@link dev.palisade.enforcement.packet.MalformedReason}, at {@link #MALFORMED_BASE} + reason id.
 */
public enum Counter
{
    PACKETS(0, "packets", "Packets received"),
    BYTES(1, "bytes", "Bytes received (wire length)"),
    FLOWS_CREATED(2, "flows_created", "Flows created"),
    FLOWS_EXPIRED(3, "flows_expired", "Flows removed after their state's timeout"),
    EVICTIONS_NON_ESTABLISHED(4, "evictions_non_established", "Non-established flows evicted from a full table"),
    EVICTIONS_ESTABLISHED(5, "evictions_established", "Established flows evicted from a full table"),
    MALFORMED(6, "malformed", "Malformed packets (all reasons)"),
    DROPPED(7, "dropped", "Packets dropped"),
    PASSED(8, "passed", "Packets passed"),
    NON_IP(9, "non_ip", "Non-IP frames (ARP, LLDP…)"),
    FRAGMENTS(10, "fragments", "IP fragments"),
    TCP_INVALID(11, "tcp_invalid", "TCP packets invalid for their flow's state"),
    TCP_UNTRACKED(12, "tcp_untracked", "TCP packets of unknown flows not picked up (no SYN, midstream pick-up off)"),
    FLOWS_REOPENED(13, "flows_reopened", "TCP flows re-opened by a SYN after close (port reuse)"),
    TUNNELED(14, "tunneled", "Packets decapsulated from an overlay"),
    FLOWS_TCP(15, "flows_tcp", "TCP flows created"),
    FLOWS_UDP(16, "flows_udp", "UDP flows created"),
    FLOWS_OTHER(17, "flows_other", "Flows of other IP protocols created"),
    FRAGMENTS_UNTRACKED(18, "fragments_untracked", "IP fragments without a transport header, passed untracked"),
    ALLOWED(19, "allowed", "Packets the firewall allowed"),
    DENIED(20, "denied", "Packets the firewall dropped (deny, reject, default deny, quarantine)"),
    FLOWS_ALLOWED(21, "flows_allowed", "Flows the firewall decided to allow (new, or decided again)"),
    FLOWS_DENIED(22, "flows_denied", "Flows the firewall decided to drop (new, or decided again)"),
    FLOWS_RECHECKED(23, "flows_rechecked", "Established flows decided again after a policy or quarantine change"),
    FLOWS_CUT(24, "flows_cut", "Allowed flows dropped after a policy or quarantine change"),
    AUDIT_HITS(25, "audit_hits", "Flows an audit rule would have decided"),
    REJECTED(26, "rejected", "Packets dropped by a firewall reject rule"),
    STATELESS_DECISIONS(27, "stateless_decisions", "Packets decided without a flow (untracked TCP, fragments)"),
    BAD_CHECKSUMS(28, "bad_checksums", "Packets not inspected because a checksum was wrong (validation on)"),
    INSPECTION_DROPPED(29, "inspection_dropped", "Packets dropped by deep inspection (drop and reject rules, blocked flows)"),
    INSPECTION_REJECTED(30, "inspection_rejected", "Packets dropped by a deep-inspection reject rule"),
    REJECT_REPLIES(31, "reject_replies", "TCP resets and ICMP unreachables sent for rejected packets"),
    REJECT_REPLIES_WITHHELD(32, "reject_replies_withheld",
        "Rejected packets not answered: not due (a reset, an ICMP error, multicast, tunnelled) or over the rate limit"),
    SELF_PROTECTION(33, "self_protection",
        "Packets from the host side to the DPU's own management addresses, dropped before any policy");

    /** First index of the per-reason malformed counters. */
    public static final int MALFORMED_BASE = 64;

    private final int id;
    private final String label;
    private final String description;

    Counter(final int id, final String label, final String description)
    {
        this.id = id;
        this.label = label;
        this.description = description;
    }

    public int id()
    {
        return id;
    }

    public String label()
    {
        return label;
    }

    public String description()
    {
        return description;
    }
}
