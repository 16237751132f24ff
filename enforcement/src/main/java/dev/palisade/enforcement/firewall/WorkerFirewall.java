package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.policy.compile.CompiledPolicy;

/**
 * One worker's side of the firewall: decides new flows with the active {@link FirewallProgram}, keeps the verdict in
 * the flow's conntrack entry, re-decides flows tagged with an older program's epoch, counts per rule and emits
 * events. Owned by the worker thread.
 * <p>
 * Only the first packet of a flow is classified. A packet of an established flow costs a look at two bit fields of
 * the hot word conntrack has just read: the verdict flags and the epoch tag.
 */
public final class WorkerFirewall implements FlowTable.RemovalListener
{
    /** Epoch tags are 4 bits, so every 15 generations all tags are cleared before one could be reused. */
    private static final int TAG_REUSE_DISTANCE = FlowTable.EPOCH_MASK;

    private final int workerId;
    private final Firewall firewall;
    private final FlowTable flows;
    private final WorkerCounters counters;
    private final EventSink events;
    private final RuleCounters rules = new RuleCounters();
    private final Decision decision = new Decision();
    private final FirewallEvent event = new FirewallEvent();
    private FirewallProgram program;
    private long clearedAtGeneration;
    /** Whether the last packet decided was dropped by a reject rule (so a reset or unreachable is owed). */
    private boolean lastRejected;
    /** The lookup tuple of the packet at hand, in its flow initiator's direction ({@link #orient}). */
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int srcPort;
    private int dstPort;

    public WorkerFirewall(final int workerId, final Firewall firewall, final FlowTable flows,
        final WorkerCounters counters, final EventSink events)
    {
        this.workerId = workerId;
        this.firewall = firewall;
        this.flows = flows;
        this.counters = counters;
        this.events = events;
        flows.addRemovalListener(this);
        adopt();
    }

    /** Picks up the firewall's active program; called at the start of every batch (one volatile read). */
    public void adopt()
    {
        final FirewallProgram active = firewall.program();
        if (active == program)
        {
            return;
        }
        rules.ensure(firewall.registry().size());
        if (active.generation() - clearedAtGeneration >= TAG_REUSE_DISTANCE)
        {
            flows.clearEpochs();
            clearedAtGeneration = active.generation();
        }
        program = active;
    }

    public FirewallProgram program()
    {
        return program;
    }

    /**
     * The verdict for a packet of a tracked flow ({@code slot} from {@link FlowTable#track}). The caller counts
     * allowed and denied packets ({@link Counter#ALLOWED}, {@link Counter#DENIED}) per batch.
     *
     * @return true to drop the packet.
     */
    public boolean onTracked(final int slot, final PacketMeta meta, final long nowNs)
    {
        final long word = flows.word(slot);
        int flags = FlowTable.wordFlags(word);
        if (flows.lastCreated() || (flags & FlowTable.FLAG_DECIDED) == 0)
        {
            decideNew(slot, meta, flows.lastReply(), nowNs);
            flags = FlowTable.wordFlags(flows.word(slot));
        }
        else if (FlowTable.wordEpoch(word) != program.epoch())
        {
            revalidate(slot, meta, flows.lastReply(), nowNs);
            flags = FlowTable.wordFlags(flows.word(slot));
        }
        lastRejected = false;
        if ((flags & FlowTable.FLAG_DROP) == 0)
        {
            return false;
        }
        if ((flags & FlowTable.FLAG_REJECT) != 0)
        {
            counters.increment(Counter.REJECTED.id());
            lastRejected = true;
        }
        return true;
    }

    /** @return whether the packet {@link #onTracked} or {@link #onUntracked} last dropped was rejected. */
    public boolean lastRejected()
    {
        return lastRejected;
    }

    /**
     * The verdict for a packet conntrack does not track (TCP without a SYN while pick-up is off, a fragment without
     * its transport header): decided on its own, counted against its rule as one packet. The caller counts it as
     * allowed or denied, as for {@link #onTracked}.
     *
     * @return true to drop the packet.
     */
    public boolean onUntracked(final PacketMeta meta, final long nowNs)
    {
        decide(meta, false);
        counters.increment(Counter.STATELESS_DECISIONS.id());
        rules.traffic(decision.slot, 1, meta.wireLength, nowNs);
        if (decision.auditSlot >= 0)
        {
            rules.auditTraffic(decision.auditSlot, 1, meta.wireLength, nowNs);
        }
        final boolean drop = decision.dropped();
        lastRejected = drop && (decision.flags & FlowTable.FLAG_REJECT) != 0;
        if (lastRejected)
        {
            counters.increment(Counter.REJECTED.id());
        }
        emit(meta, nowNs, FirewallEvent.Reason.STATELESS, false);
        return drop;
    }

    private void decideNew(final int slot, final PacketMeta meta, final boolean reply, final long nowNs)
    {
        decide(meta, reply);
        flows.decide(slot, decision.flags, program.epoch(), decision.slot, decision.auditSlot);
        countDecision(nowNs);
        emit(meta, nowNs, FirewallEvent.Reason.NEW_FLOW, false);
    }

    /**
     * A flow decided under an older program: decide it again, or keep its verdict but apply the quarantine. Flows the
     * firewall decided on its own (quarantine, management, fail-closed) are always decided again: their verdicts
     * belong to a state that may have ended.
     */
    private void revalidate(final int slot, final PacketMeta meta, final boolean reply, final long nowNs)
    {
        final int oldSlot = flows.ruleSlot(slot);
        final int oldFlags = FlowTable.wordFlags(flows.word(slot)) & FlowTable.VERDICT_FLAGS;
        final boolean wasQuarantineDecision = oldSlot == RuleRegistry.QUARANTINE || oldSlot == RuleRegistry.MANAGEMENT;
        final boolean wasFailClosedDecision = oldSlot >= 0 && oldSlot == program.failClosedSlot();
        if (!program.recheck() && !wasQuarantineDecision && !wasFailClosedDecision)
        {
            if (!quarantined(meta, reply))
            {
                flows.retag(slot, program.epoch());
                return;
            }
        }
        final int oldAudit = flows.auditSlot(slot);
        decide(meta, reply);
        counters.increment(Counter.FLOWS_RECHECKED.id());
        if (decision.slot != oldSlot || decision.auditSlot != oldAudit)
        {
            // The flow's traffic before this packet belongs to the old rule; from this packet on, to the new one.
            // Counting it negatively on the new rule makes the fold at the flow's end add only what comes after.
            // (Conntrack has counted this packet already.)
            final long packets = flows.packets(slot, false) + flows.packets(slot, true) - 1;
            final long bytes = flows.bytes(slot, false) + flows.bytes(slot, true) - meta.wireLength;
            if (decision.slot != oldSlot)
            {
                if (oldSlot >= 0)
                {
                    rules.traffic(oldSlot, packets, bytes, nowNs);
                }
                rules.traffic(decision.slot, -packets, -bytes, 0);
            }
            if (decision.auditSlot != oldAudit)
            {
                if (oldAudit >= 0)
                {
                    rules.auditTraffic(oldAudit, packets, bytes, nowNs);
                }
                if (decision.auditSlot >= 0)
                {
                    rules.auditTraffic(decision.auditSlot, -packets, -bytes, 0);
                }
            }
        }
        flows.decide(slot, decision.flags, program.epoch(), decision.slot, decision.auditSlot);
        if (decision.slot != oldSlot || decision.flags != oldFlags)
        {
            countDecision(nowNs);
            if (decision.dropped() && (oldFlags & FlowTable.FLAG_DROP) == 0)
            {
                counters.increment(Counter.FLOWS_CUT.id());
            }
            // Into or out of fail-closed is a policy change, though fail-closed allows management as a quarantine does.
            final boolean quarantineChange = oldSlot == RuleRegistry.QUARANTINE ||
                decision.slot == RuleRegistry.QUARANTINE || !program.failClosed() && !wasFailClosedDecision &&
                (oldSlot == RuleRegistry.MANAGEMENT || decision.slot == RuleRegistry.MANAGEMENT);
            emit(meta, nowNs, quarantineChange ? FirewallEvent.Reason.QUARANTINE_CHANGE :
                FirewallEvent.Reason.POLICY_CHANGE, decision.flags != oldFlags);
        }
    }

    private void countDecision(final long nowNs)
    {
        rules.flow(decision.slot, nowNs);
        if (decision.auditSlot >= 0)
        {
            rules.auditFlow(decision.auditSlot, nowNs);
            counters.increment(Counter.AUDIT_HITS.id());
        }
        counters.increment(decision.dropped() ? Counter.FLOWS_DENIED.id() : Counter.FLOWS_ALLOWED.id());
    }

    private boolean quarantined(final PacketMeta meta, final boolean reply)
    {
        orient(meta, reply);
        return program.quarantined(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, meta.protocol);
    }

    /** Decides from the packet, turned to the initiator's direction when it is a reply. */
    private void decide(final PacketMeta meta, final boolean reply)
    {
        orient(meta, reply);
        program.decide(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, meta.protocol, decision);
    }

    /**
     * Sets the lookup tuple from a packet in the flow initiator's direction: for ICMP the type (a reply's request
     * type) and code take the ports' places; a packet without ports has 0.
     */
    private void orient(final PacketMeta meta, final boolean reply)
    {
        final int protocol = meta.protocol;
        final boolean icmp = protocol == PacketMeta.PROTO_ICMP || protocol == PacketMeta.PROTO_ICMPV6;
        final int sendersPort = icmp ? Math.max(0, reply ? requestType(protocol, meta.icmpType) : meta.icmpType) :
            meta.srcPort;
        final int receiversPort = icmp ? Math.max(0, meta.icmpCode) : meta.dstPort;
        if (!reply)
        {
            srcHi = meta.srcHi;
            srcLo = meta.srcLo;
            dstHi = meta.dstHi;
            dstLo = meta.dstLo;
            srcPort = sendersPort;
            dstPort = receiversPort;
        }
        else
        {
            srcHi = meta.dstHi;
            srcLo = meta.dstLo;
            dstHi = meta.srcHi;
            dstLo = meta.srcLo;
            srcPort = icmp ? sendersPort : meta.dstPort;
            dstPort = icmp ? receiversPort : meta.srcPort;
        }
    }

    /**
     * The request type of an ICMP reply, so a flow seen again from its reply is decided as its request was
     * (echo, timestamp, information, address mask; ICMPv6 echo). Other types are their own.
     */
    static int requestType(final int protocol, final int type)
    {
        if (protocol == PacketMeta.PROTO_ICMP)
        {
            return switch (type)
            {
                case 0 -> 8;
                case 14 -> 13;
                case 16 -> 15;
                case 18 -> 17;
                default -> type;
            };
        }
        return type == 129 ? 128 : type;
    }

    /**
     * Emits what a decision calls for: denied and rejected flows, allowed flows of logging rules, flows whose verdict
     * a change turned around, and audit hits.
     */
    private void emit(final PacketMeta meta, final long nowNs, final FirewallEvent.Reason reason,
        final boolean verdictChanged)
    {
        final boolean drop = decision.dropped();
        final boolean logged = decision.rule >= 0 && program.logs(decision.rule);
        final boolean audit = decision.auditRule >= 0;
        if (!drop && !logged && !audit && !verdictChanged)
        {
            return;
        }
        if (events == EventSink.NONE)
        {
            return;
        }
        final CompiledPolicy policy = program.policy();
        final FirewallEvent e = event;
        e.reason = reason;
        e.timeNs = nowNs;
        e.worker = workerId;
        e.policyName = policy.name();
        e.policyDigest = policy.digest();
        e.protocol = meta.protocol;
        e.srcHi = srcHi; // oriented by the decision just made
        e.srcLo = srcLo;
        e.dstHi = dstHi;
        e.dstLo = dstLo;
        e.srcPort = srcPort;
        e.dstPort = dstPort;
        e.vni = meta.vni;
        e.rule = firewall.registry().entry(decision.slot).qualifiedName();
        e.action = action(decision.flags);
        e.wouldAction = null;
        e.kind = drop ? ((decision.flags & FlowTable.FLAG_REJECT) != 0 ? FirewallEvent.Kind.REJECTED :
            FirewallEvent.Kind.DENIED) : FirewallEvent.Kind.ALLOWED;
        if (drop || logged || verdictChanged)
        {
            events.accept(e);
        }
        if (audit)
        {
            e.kind = FirewallEvent.Kind.AUDIT;
            e.rule = firewall.registry().entry(decision.auditSlot).qualifiedName();
            e.wouldAction = action(decision.auditFlags);
            events.accept(e);
        }
    }

    private static String action(final int flags)
    {
        return (flags & FlowTable.FLAG_DROP) == 0 ? "allow" :
            (flags & FlowTable.FLAG_REJECT) != 0 ? "reject" : "deny";
    }

    /** Adds a flow's exact totals to its rules as it leaves the table. */
    @Override
    public void onFlowRemoved(final FlowTable table, final int slot)
    {
        fold(rules, table, slot);
    }

    private static void fold(final RuleCounters into, final FlowTable table, final int slot)
    {
        final int ruleSlot = table.ruleSlot(slot);
        final int auditSlot = table.auditSlot(slot);
        if (ruleSlot < 0 && auditSlot < 0)
        {
            return;
        }
        final long packets = table.packets(slot, false) + table.packets(slot, true);
        final long bytes = table.bytes(slot, false) + table.bytes(slot, true);
        final long last = table.lastSeenNs(slot);
        if (ruleSlot >= 0 && ruleSlot < into.slots())
        {
            into.traffic(ruleSlot, packets, bytes, last);
        }
        if (auditSlot >= 0 && auditSlot < into.slots())
        {
            into.auditTraffic(auditSlot, packets, bytes, last);
        }
    }

    /**
     * This worker's counters with its live flows folded in, leaving the flows as they are. Call it from the worker's
     * thread or when the worker is idle.
     */
    public RuleCounters snapshot()
    {
        final RuleCounters copy = rules.copy();
        copy.ensure(firewall.registry().size());
        for (int slot = 0; slot < flows.slotCount(); slot++)
        {
            if (flows.inUse(slot))
            {
                fold(copy, flows, slot);
            }
        }
        return copy;
    }
}
