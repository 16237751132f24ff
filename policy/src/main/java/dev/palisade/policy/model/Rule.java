package dev.palisade.policy.model;

import java.util.List;

/**
 * One rule. {@code protocol} is an IP protocol number, or {@link #ANY_PROTOCOL}; {@code ports} is empty for any port
 * (and always empty unless the protocol is TCP or UDP); {@code icmp} is null unless given (ICMP or ICMPv6 only).
 */
public record Rule(
    String name,
    Selector from,
    Selector to,
    int protocol,
    List<PortRange> ports,
    IcmpMatch icmp,
    Action action,
    boolean log,
    boolean audit,
    SourceLocation at)
{
    public static final int ANY_PROTOCOL = -1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;
    public static final int ICMPV6 = 58;

    public enum Action
    {
        ALLOW, DENY, REJECT, PASS
    }

    /** An inclusive port range; a single port has {@code lo == hi}. */
    public record PortRange(int lo, int hi)
    {
    }

    /** ICMP type, and code or {@link #ANY_CODE}. */
    public record IcmpMatch(int type, int code)
    {
        public static final int ANY_CODE = -1;
    }
}
