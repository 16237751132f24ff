package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;

/**
 * One worker's side of {@link SelfProtection}: drops what it protects, counts every such packet
 * ({@link Counter#SELF_PROTECTION}) and raises a {@code flow.denied} event with rule {@code self-protection} and reason
 * {@code self_protection}. Owned by the worker thread; allocates nothing.
 * <p>
 * These packets never reach conntrack (so that they cannot change a management connection's state), so there is no
 * flow entry to say an event was raised already. A small direct-mapped table of recently reported flows (by the
 * parser's flow hash) stands in: a host hammering one port of the DPU raises one event, not one per packet, and
 * every new flow it tries raises its own, as a denied flow does. A collision in the table only repeats an event.
 */
public final class WorkerSelfProtection
{
    /** Recently reported flows remembered per worker: a power of two. */
    static final int RECENT_FLOWS = 256;
    static final String RULE = "self-protection";

    private final int workerId;
    private final SelfProtection protection;
    private final Firewall firewall;
    private final WorkerCounters counters;
    private final EventSink events;
    private final FirewallEvent event = new FirewallEvent();
    private final long[] recentHashes = new long[RECENT_FLOWS];
    private final boolean[] recentUsed = new boolean[RECENT_FLOWS];

    /**
     * @param firewall the firewall whose active policy events name (what was in force), or null when there is none.
     */
    public WorkerSelfProtection(final int workerId, final SelfProtection protection, final Firewall firewall,
        final WorkerCounters counters, final EventSink events)
    {
        this.workerId = workerId;
        this.protection = protection;
        this.firewall = firewall;
        this.counters = counters;
        this.events = events;
    }

    /**
     * @param ingressPort the port the packet arrived on, or {@link SelfProtection.HostSide#PORT_UNKNOWN}.
     * @return true to drop the packet (counted, and reported once per flow as far as the table remembers).
     */
    public boolean check(final PacketMeta meta, final int ingressPort, final long nowNs)
    {
        if (!protection.protects(meta, ingressPort))
        {
            return false;
        }
        counters.increment(Counter.SELF_PROTECTION.id());
        if (events != EventSink.NONE && firstReport(meta.flowHash))
        {
            report(meta, nowNs);
        }
        return true;
    }

    private boolean firstReport(final long flowHash)
    {
        // The high half indexes conntrack's table and the low half picks the worker; take bits from the middle.
        final int index = (int)(flowHash >>> 24) & (RECENT_FLOWS - 1);
        if (recentUsed[index] && recentHashes[index] == flowHash)
        {
            return false;
        }
        recentUsed[index] = true;
        recentHashes[index] = flowHash;
        return true;
    }

    private void report(final PacketMeta meta, final long nowNs)
    {
        final FirewallEvent e = event;
        e.kind = FirewallEvent.Kind.DENIED;
        e.reason = FirewallEvent.Reason.SELF_PROTECTION;
        e.timeNs = nowNs;
        e.worker = workerId;
        final FirewallProgram program = firewall == null ? null : firewall.program();
        e.policyName = program == null ? null : program.policy().name();
        e.policyDigest = program == null ? null : program.policy().digest();
        e.rule = RULE;
        e.action = "deny";
        e.wouldAction = null;
        e.protocol = meta.protocol;
        e.srcHi = meta.srcHi; // as the packet travels: from the host side
        e.srcLo = meta.srcLo;
        e.dstHi = meta.dstHi;
        e.dstLo = meta.dstLo;
        final boolean icmp = meta.protocol == PacketMeta.PROTO_ICMP || meta.protocol == PacketMeta.PROTO_ICMPV6;
        e.srcPort = icmp ? Math.max(0, meta.icmpType) : meta.srcPort;
        e.dstPort = icmp ? Math.max(0, meta.icmpCode) : meta.dstPort;
        e.vni = meta.vni;
        events.accept(e);
    }
}
