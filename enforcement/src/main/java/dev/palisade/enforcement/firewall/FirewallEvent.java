package dev.palisade.enforcement.firewall;

import dev.palisade.policy.Addresses;

/**
 * One firewall event: a flow denied or rejected, a logged flow allowed, or an audit rule that would have decided a
 * flow. Workers fill one instance they own and hand it to the {@link EventSink}, which must copy what it keeps before
 * returning; so producing an event allocates nothing.
 */
public final class FirewallEvent
{
    public enum Kind
    {
        /** Dropped: deny, default deny, quarantine, fail-closed or self-protection. */
        DENIED("flow.denied"),
        /** Dropped by a reject rule. */
        REJECTED("flow.rejected"),
        /** Allowed by a rule with {@code log: true}. */
        ALLOWED("flow.allowed"),
        /** An audit rule would have decided the flow ({@link #wouldAction}); the actual verdict is {@link #action}. */
        AUDIT("flow.audit");

        private final String label;

        Kind(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    /** Why the flow was decided now. */
    public enum Reason
    {
        /** Its first packet. */
        NEW_FLOW("new_flow"),
        /** A new policy, decided again on its next packet. */
        POLICY_CHANGE("policy_change"),
        /** A quarantine started or ended. */
        QUARANTINE_CHANGE("quarantine_change"),
        /** A packet without a flow (untracked TCP, a fragment without ports). */
        STATELESS("stateless"),
        /**
         * A packet from the host side to the DPU's own management address, dropped before any policy
         * ({@link SelfProtection}); rule {@code self-protection}.
         */
        SELF_PROTECTION("self_protection");

        private final String label;

        Reason(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    public Kind kind;
    public Reason reason;
    /** Packet time, ns since the epoch. */
    public long timeNs;
    public int worker;
    public String policyName;
    public String policyDigest;
    /**
     * tier/name, or the firewall's own: default-deny, default-allow, quarantine, management, fail-closed,
     * self-protection.
     */
    public String rule;
    /** allow, deny or reject. */
    public String action;
    /** For {@link Kind#AUDIT}: the rule's verdict had it been enforced. */
    public String wouldAction;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** For ICMP: the type. */
    public int srcPort;
    /** For ICMP: the code. */
    public int dstPort;
    public int protocol;
    /** The overlay VNI, or -1. */
    public int vni;

    public String source()
    {
        return Addresses.format(srcHi, srcLo);
    }

    public String destination()
    {
        return Addresses.format(dstHi, dstLo);
    }

    public boolean icmp()
    {
        return protocol == 1 || protocol == 58;
    }
}
