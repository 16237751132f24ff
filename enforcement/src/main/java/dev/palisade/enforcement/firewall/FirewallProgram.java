package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.classify.Classifiers;
import dev.palisade.enforcement.classify.FiveTupleClassifier;
import dev.palisade.enforcement.classify.FiveTupleRule;
import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicy.CompiledRule;
import dev.palisade.policy.compile.CompiledPolicyDecoder;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Policy.TierName;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.PortRange;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A compiled policy made ready for the packet path: immutable, built off the packet path, read by every worker.
 * <p>
 * The policy's rules are expanded into 5-tuple rules (every source prefix × every destination prefix × every port
 * range) and put into first-match classifiers ({@link Classifiers#build}). Semantics beyond first match are kept by
 * how the classifiers are arranged, not by the classifiers:
 * <ul>
 * <li><b>Tiers and pass.</b> One classifier holds every enforced rule in evaluation order; a rule with action
 *     {@code pass} ends its tier, so when it matches, evaluation goes on in a classifier of the later tiers only (built
 *     for each tier that follows a tier with a pass rule). A packet costs one lookup unless it meets a pass rule.</li>
 * <li><b>Default deny.</b> After the rules come "deny from a selected workload" and "deny to a selected workload";
 *     no match at all is the default allow.</li>
 * <li><b>Audit rules</b> are left out of the enforced classifiers. When the policy has any, a second set of
 *     classifiers holds them as if enforced; the first audit rule met there is the one that "would" decide, and the
 *     flow counts against it and is logged as such, with the verdict it would have had.</li>
 * <li><b>Quarantine</b> comes before everything: the management allow-list, then "deny from/to a quarantined
 *     address".</li>
 * <li><b>Fail closed.</b> {@link #failClosed} makes the program a DPU runs while it has no valid policy: after the
 *     quarantine, only its management plane's connections are allowed ({@link ManagementPlane}), and everything else
 *     is dropped against the reserved slot {@link RuleRegistry#FAIL_CLOSED}.</li>
 * </ul>
 * ICMP and ICMPv6 are looked up with the type in the source-port field and the code in the destination-port field,
 * so rules on type and code are port ranges of one value.
 */
public final class FirewallProgram
{
    /** Expanded 5-tuple rules one program may hold: beyond it, a policy is refused with the rule that is too broad. */
    public static final int MAX_CLASSIFIER_RULES = 2_000_000;

    static final int OUT_DEFAULT_DENY = -1;
    static final int OUT_QUARANTINE = -2;
    static final int OUT_MANAGEMENT = -3;
    static final int OUT_DEFAULT_ALLOW = -4;

    /**
     * The policy of the fail-closed program: no rules, no workloads, and every address selected, so that its default
     * deny drops everything the management plane does not allow.
     */
    static final CompiledPolicy FAIL_CLOSED_POLICY = failClosedPolicy();

    private static final int TIERS = TierName.values().length;
    private static final int VERDICT_ALLOW = FlowTable.FLAG_DECIDED;
    private static final int VERDICT_DENY = FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP;
    private static final int VERDICT_REJECT = FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP | FlowTable.FLAG_REJECT;

    /** A first-match classifier and, for each of its rules, the outcome: a compiled rule index or an OUT_ code. */
    private record Chain(FiveTupleClassifier classifier, int[] outcomes)
    {
    }

    private final CompiledPolicy policy;
    private final List<Prefix> host;
    private final Quarantine quarantine;
    private final long generation;
    private final int epoch;
    private final boolean recheck;
    /** By tier start: enforced[t] holds the enforced rules of tiers t.. and the defaults; null where not needed. */
    private final Chain[] enforced;
    /** Same, with audit rules enforced too; null when the policy has no audit rules. */
    private final Chain[] staged;
    private final AddressSet quarantined;
    private final Chain quarantineChain;
    /** The fail-closed program's management plane, and the chain allowing its connections; null otherwise. */
    private final ManagementPlane managementPlane;
    private final Chain managementChain;
    /** The slot of fail-closed denials: assigned in a fail-closed program, else whatever an earlier one took or -1. */
    private final int failClosedSlot;
    private final int[] ruleSlots;
    private final int[] ruleVerdicts;
    private final boolean[] rulePasses;
    private final boolean[] ruleAudits;
    private final boolean[] ruleLogs;
    private final int[] ruleTiers;
    private final int classifierRules;
    private final long memoryBytes;
    private final long buildNs;

    private FirewallProgram(final Builder builder, final RuleRegistry registry)
    {
        final long start = System.nanoTime();
        this.policy = builder.policy;
        this.host = List.copyOf(builder.host);
        this.quarantine = builder.quarantine;
        this.generation = builder.generation;
        this.epoch = epochOf(generation);
        this.managementPlane = builder.managementPlane;
        // Kept verdicts would let flows that a policy allowed survive the fall back to fail-closed, and flows
        // fail-closed dropped survive into the policy (WorkerFirewall re-decides those on its own).
        this.recheck = builder.recheck || managementPlane != null;
        this.failClosedSlot = managementPlane != null ? registry.reservedSlot(RuleRegistry.FAIL_CLOSED) :
            registry.existingReservedSlot(RuleRegistry.FAIL_CLOSED);

        final List<CompiledRule> rules = policy.rules();
        final int n = rules.size();
        ruleSlots = new int[n];
        ruleVerdicts = new int[n];
        rulePasses = new boolean[n];
        ruleAudits = new boolean[n];
        ruleLogs = new boolean[n];
        ruleTiers = new int[n];
        boolean anyAudit = false;
        final boolean[] tierHasPass = new boolean[TIERS];
        final boolean[] tierHasEnforcedPass = new boolean[TIERS];
        for (int i = 0; i < n; i++)
        {
            final CompiledRule rule = rules.get(i);
            ruleSlots[i] = registry.slotFor(rule.tier().label(), rule.name());
            ruleVerdicts[i] = switch (rule.action())
            {
                case ALLOW, PASS -> VERDICT_ALLOW;
                case DENY -> VERDICT_DENY;
                case REJECT -> VERDICT_REJECT;
            };
            rulePasses[i] = rule.action() == Action.PASS;
            ruleAudits[i] = rule.audit();
            ruleLogs[i] = rule.log();
            ruleTiers[i] = rule.tier().ordinal();
            anyAudit |= rule.audit();
            if (rulePasses[i])
            {
                tierHasPass[ruleTiers[i]] = true;
                tierHasEnforcedPass[ruleTiers[i]] |= !rule.audit();
            }
        }

        final Expander expander = new Expander(policy, host, builder.classifiers);
        enforced = chains(expander, tierHasEnforcedPass, false);
        staged = anyAudit ? chains(expander, tierHasPass, true) : null;
        quarantined = quarantine.isEmpty() ? AddressSet.EMPTY : AddressSet.union(List.of(
            quarantine.resolve(policy, builder.strictQuarantine), builder.alsoQuarantined));
        quarantineChain = quarantined.isEmpty() ? null : quarantineChain(quarantined, quarantine.management(),
            builder.classifiers);
        managementChain = managementPlane == null ? null : managementChain(managementPlane, host,
            builder.classifiers);
        classifierRules = enforced[0].classifier.ruleCount();
        long memory = 0;
        for (final Chain[] set : new Chain[][] {enforced, staged == null ? new Chain[0] : staged})
        {
            for (final Chain chain : set)
            {
                memory += chain == null ? 0 : chain.classifier.memoryBytes() + 4L * chain.outcomes.length;
            }
        }
        memoryBytes = memory + (quarantineChain == null ? 0 : quarantineChain.classifier.memoryBytes()) +
            (managementChain == null ? 0 : managementChain.classifier.memoryBytes());
        buildNs = System.nanoTime() - start;
    }

    /** The epoch tag (1..15) conntrack entries carry for a program generation; 0 is left for "none". */
    static int epochOf(final long generation)
    {
        return 1 + (int)Long.remainderUnsigned(generation, FlowTable.EPOCH_MASK);
    }

    private static Chain[] chains(final Expander expander, final boolean[] tierHasPass, final boolean withAudit)
    {
        final Chain[] chains = new Chain[TIERS + 1];
        for (int start = 0; start <= TIERS; start++)
        {
            if (start == 0 || tierHasPass[start - 1])
            {
                chains[start] = expander.chain(start, withAudit);
            }
        }
        return chains;
    }

    private static Chain quarantineChain(final AddressSet quarantined, final List<Quarantine.ManagementAccess> access,
        final Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers)
    {
        final List<FiveTupleRule> rules = new ArrayList<>();
        final List<Integer> outcomes = new ArrayList<>();
        for (final Quarantine.ManagementAccess entry : access)
        {
            for (final Prefix target : quarantined.prefixes())
            {
                rules.add(rule(entry.peer(), target, 0, 0xFFFF, entry.portLo(), entry.portHi(), entry.protocol()));
                outcomes.add(OUT_MANAGEMENT);
            }
        }
        for (final Prefix target : quarantined.prefixes())
        {
            rules.add(rule(target, Prefix.ALL, 0, 0xFFFF, 0, 0xFFFF, -1));
            outcomes.add(OUT_QUARANTINE);
            rules.add(rule(Prefix.ALL, target, 0, 0xFFFF, 0, 0xFFFF, -1));
            outcomes.add(OUT_QUARANTINE);
        }
        return new Chain(classifiers.apply(rules), outcomes.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The fail-closed program's allowances: each peer may open connections to each endpoint's protocol and ports, and
     * each endpoint may open connections to each peer (the policy channel, attestation and events go out from the
     * DPU). Peers lose the host's addresses: management is reached from the network side only (self-protection drops
     * host packets to the DPU in any case). For ICMP endpoints the ports are not looked at. Null when nothing is
     * allowed.
     */
    private static Chain managementChain(final ManagementPlane plane, final List<Prefix> host,
        final Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers)
    {
        AddressSet peers = AddressSet.of(plane.peers());
        if (!host.isEmpty())
        {
            peers = AddressSet.union(List.of(peers.complement(), AddressSet.of(host))).complement();
        }
        final List<FiveTupleRule> rules = new ArrayList<>();
        for (final ManagementPlane.Endpoint endpoint : plane.endpoints())
        {
            final boolean icmp = endpoint.protocol() == 1 || endpoint.protocol() == 58;
            final int portLo = icmp ? 0 : endpoint.portLo();
            final int portHi = icmp ? 0xFFFF : endpoint.portHi();
            for (final Prefix peer : peers.prefixes())
            {
                rules.add(rule(peer, endpoint.address(), 0, 0xFFFF, portLo, portHi, endpoint.protocol()));
                rules.add(rule(endpoint.address(), peer, 0, 0xFFFF, 0, 0xFFFF, endpoint.protocol()));
            }
        }
        if (rules.isEmpty())
        {
            return null;
        }
        final int[] outcomes = new int[rules.size()];
        java.util.Arrays.fill(outcomes, OUT_MANAGEMENT);
        return new Chain(classifiers.apply(rules), outcomes);
    }

    private static CompiledPolicy failClosedPolicy()
    {
        try
        {
            return CompiledPolicyDecoder.decode(("palisade-compiled-policy 1\nname fail-closed\nset 0 host\n" +
                "selected 00000000000000000000000000000000/0\n").getBytes(StandardCharsets.UTF_8));
        }
        catch (final CompiledPolicyDecoder.FormatException e)
        {
            throw new IllegalStateException("the built-in fail-closed policy does not decode: " + e.getMessage(), e);
        }
    }

    static FiveTupleRule rule(final Prefix src, final Prefix dst, final int srcLo, final int srcHi, final int dstLo,
        final int dstHi, final int protocol)
    {
        return new FiveTupleRule(src.hi(), src.lo(), src.length(), dst.hi(), dst.lo(), dst.length(),
            srcLo, srcHi, dstLo, dstHi, protocol < 0 ? 0 : protocol, protocol < 0 ? 0 : 0xFF);
    }

    /** Expands compiled rules into 5-tuple rules, with the host set bound. */
    private static final class Expander
    {
        private final CompiledPolicy policy;
        private final List<AddressSet> sets;
        private final Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers;

        Expander(final CompiledPolicy policy, final List<Prefix> host,
            final Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers)
        {
            this.policy = policy;
            this.classifiers = classifiers;
            final List<AddressSet> bound = new ArrayList<>(policy.sets());
            bound.set(CompiledPolicy.HOST_SET, AddressSet.of(host));
            this.sets = bound;
        }

        Chain chain(final int startTier, final boolean withAudit)
        {
            final List<FiveTupleRule> rules = new ArrayList<>();
            final List<Integer> outcomes = new ArrayList<>();
            for (final CompiledRule rule : policy.rules())
            {
                if (rule.tier().ordinal() < startTier || (rule.audit() && !withAudit))
                {
                    continue;
                }
                expand(rule, rules, outcomes);
            }
            for (final Prefix selected : policy.selected().prefixes())
            {
                rules.add(rule(selected, Prefix.ALL, 0, 0xFFFF, 0, 0xFFFF, -1));
                outcomes.add(OUT_DEFAULT_DENY);
                rules.add(rule(Prefix.ALL, selected, 0, 0xFFFF, 0, 0xFFFF, -1));
                outcomes.add(OUT_DEFAULT_DENY);
            }
            return new Chain(classifiers.apply(rules), outcomes.stream().mapToInt(Integer::intValue).toArray());
        }

        private void expand(final CompiledRule rule, final List<FiveTupleRule> rules, final List<Integer> outcomes)
        {
            final List<Prefix> sources = sets.get(rule.sourceSet()).prefixes();
            final List<Prefix> destinations = sets.get(rule.destinationSet()).prefixes();
            final List<PortRange> ports = rule.icmpType() >= 0 || rule.ports().isEmpty() ?
                List.of(new PortRange(0, 0xFFFF)) : rule.ports();
            final long count = (long)sources.size() * destinations.size() * ports.size();
            if (rules.size() + count > MAX_CLASSIFIER_RULES)
            {
                throw new IllegalArgumentException("policy '" + policy.name() + "' expands to more than " +
                    MAX_CLASSIFIER_RULES + " classifier rules at rule " + rule.tier().label() + "/" + rule.name() +
                    " (" + sources.size() + " source prefixes × " + destinations.size() + " destination prefixes × " +
                    ports.size() + " port ranges); narrow its selectors or use fewer, wider CIDRs");
            }
            final int srcLo = rule.icmpType() >= 0 ? rule.icmpType() : 0;
            final int srcHi = rule.icmpType() >= 0 ? rule.icmpType() : 0xFFFF;
            for (final Prefix source : sources)
            {
                for (final Prefix destination : destinations)
                {
                    for (final PortRange range : ports)
                    {
                        final int dstLo = rule.icmpType() >= 0 ? Math.max(0, rule.icmpCode()) : range.lo();
                        final int dstHi = rule.icmpType() >= 0 ? (rule.icmpCode() < 0 ? 0xFFFF : rule.icmpCode()) :
                            range.hi();
                        rules.add(rule(source, destination, srcLo, srcHi, dstLo, dstHi, rule.protocol()));
                        outcomes.add(rule.index());
                    }
                }
            }
        }
    }

    /**
     * Decides a new flow from its initiator's 5-tuple (addresses in {@code PacketMeta}'s 128-bit form; for ICMP the
     * type and code in place of the ports).
     */
    public void decide(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol, final Decision out)
    {
        out.reset();
        if (quarantineChain != null)
        {
            final int i = quarantineChain.classifier.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
            if (i != FiveTupleClassifier.NO_MATCH)
            {
                final boolean management = quarantineChain.outcomes[i] == OUT_MANAGEMENT;
                out.slot = management ? RuleRegistry.MANAGEMENT : RuleRegistry.QUARANTINE;
                out.flags = management ? VERDICT_ALLOW : VERDICT_DENY;
                return;
            }
        }
        if (managementChain != null &&
            managementChain.classifier.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol) !=
                FiveTupleClassifier.NO_MATCH)
        {
            out.slot = RuleRegistry.MANAGEMENT;
            out.flags = VERDICT_ALLOW;
            return;
        }
        final int outcome = evaluate(enforced, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, null);
        apply(outcome, out);
        if (staged != null)
        {
            final int wouldBe = evaluate(staged, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, out);
            if (out.auditRule >= 0)
            {
                out.auditSlot = ruleSlots[out.auditRule];
                out.auditFlags = wouldBe >= 0 ? ruleVerdicts[wouldBe] :
                    wouldBe == OUT_DEFAULT_DENY ? VERDICT_DENY : VERDICT_ALLOW;
            }
        }
    }

    /** @return whether a flow is quarantined (with no management access): used to re-check kept flows. */
    public boolean quarantined(final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol)
    {
        if (quarantineChain == null)
        {
            return false;
        }
        final int i = quarantineChain.classifier.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
        return i != FiveTupleClassifier.NO_MATCH && quarantineChain.outcomes[i] == OUT_QUARANTINE;
    }

    private void apply(final int outcome, final Decision out)
    {
        if (outcome >= 0)
        {
            out.rule = outcome;
            out.slot = ruleSlots[outcome];
            out.flags = ruleVerdicts[outcome];
        }
        else if (outcome == OUT_DEFAULT_DENY)
        {
            out.slot = managementPlane != null ? failClosedSlot : RuleRegistry.DEFAULT_DENY;
            out.flags = VERDICT_DENY;
        }
    }

    private int evaluate(final Chain[] chains, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final Decision audit)
    {
        int start = 0;
        while (true)
        {
            final Chain chain = chains[start];
            final int i = chain.classifier.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
            if (i == FiveTupleClassifier.NO_MATCH)
            {
                return OUT_DEFAULT_ALLOW;
            }
            final int outcome = chain.outcomes[i];
            if (outcome < 0)
            {
                return outcome;
            }
            if (audit != null && ruleAudits[outcome] && audit.auditRule < 0)
            {
                audit.auditRule = outcome; // the first audit rule met is the one that would decide
            }
            if (!rulePasses[outcome])
            {
                return outcome;
            }
            start = ruleTiers[outcome] + 1;
        }
    }

    public CompiledPolicy policy()
    {
        return policy;
    }

    public List<Prefix> host()
    {
        return host;
    }

    public Quarantine quarantine()
    {
        return quarantine;
    }

    /** Whether this is the fail-closed program ({@link #failClosed(ManagementPlane)}). */
    public boolean failClosed()
    {
        return managementPlane != null;
    }

    /** The fail-closed program's management plane, or null for a policy's program. */
    public ManagementPlane managementPlane()
    {
        return managementPlane;
    }

    /** The counter slot of fail-closed denials, or -1 when no program of this firewall ever failed closed. */
    int failClosedSlot()
    {
        return failClosedSlot;
    }

    /** The addresses the quarantine isolates (empty when there is none). */
    public AddressSet quarantined()
    {
        return quarantined;
    }

    /** Increases by one with every program a firewall installs (policy or quarantine change). */
    public long generation()
    {
        return generation;
    }

    /** The 4-bit tag of {@link #generation()} that conntrack entries carry. */
    public int epoch()
    {
        return epoch;
    }

    /** Whether flows decided under an earlier program are decided again on their next packet (else they keep it). */
    public boolean recheck()
    {
        return recheck;
    }

    public boolean logs(final int rule)
    {
        return ruleLogs[rule];
    }

    public int ruleSlot(final int rule)
    {
        return ruleSlots[rule];
    }

    /** 5-tuple rules in the main classifier (the policy's rules expanded, and the default-deny rules). */
    public int classifierRules()
    {
        return classifierRules;
    }

    public long memoryBytes()
    {
        return memoryBytes;
    }

    public long buildNs()
    {
        return buildNs;
    }

    /**
     * The program for a DPU without a valid policy: every flow is dropped (slot {@link RuleRegistry#FAIL_CLOSED})
     * except the management plane's connections, which peers open from the network side to the endpoints' protocol
     * and ports, or the DPU opens to its peers. A quarantine still comes first. Always re-checks established flows.
     * Bind the host ({@link Builder#host}) so that peers exclude it.
     */
    public static Builder failClosed(final ManagementPlane plane)
    {
        return new Builder(FAIL_CLOSED_POLICY).managementPlane(plane);
    }

    /** What a program is built from. */
    public static final class Builder
    {
        private final CompiledPolicy policy;
        private ManagementPlane managementPlane;
        private List<Prefix> host = List.of();
        private Quarantine quarantine = Quarantine.NONE;
        private AddressSet alsoQuarantined = AddressSet.EMPTY;
        private boolean strictQuarantine = true;
        private long generation = 1;
        private boolean recheck = true;
        private Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers = Classifiers::build;

        public Builder(final CompiledPolicy policy)
        {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** The addresses of the server behind this DPU: what the policy's {@code host} entity means here. */
        public Builder host(final List<Prefix> value)
        {
            host = List.copyOf(value);
            return this;
        }

        public Builder quarantine(final Quarantine value)
        {
            return quarantine(value, AddressSet.EMPTY, true);
        }

        /**
         * @param also   addresses isolated in any case (those an earlier program's quarantine resolved to).
         * @param strict whether a target that names nothing in the inventory is an error (a new quarantine) or
         *               resolves to nothing (a quarantine carried over to a new inventory).
         */
        public Builder quarantine(final Quarantine value, final AddressSet also, final boolean strict)
        {
            quarantine = Objects.requireNonNull(value, "quarantine");
            alsoQuarantined = Objects.requireNonNull(also, "also");
            strictQuarantine = strict;
            return this;
        }

        /** The classifier structure (default {@link Classifiers#build}); tests and benchmarks compare others. */
        public Builder classifiers(final Function<List<FiveTupleRule>, FiveTupleClassifier> value)
        {
            classifiers = Objects.requireNonNull(value, "classifiers");
            return this;
        }

        public Builder generation(final long value)
        {
            generation = value;
            return this;
        }

        public Builder recheck(final boolean value)
        {
            recheck = value;
            return this;
        }

        /** Makes the program fail-closed around {@code plane}; only {@link #failClosed} builds use it. */
        Builder managementPlane(final ManagementPlane plane)
        {
            managementPlane = Objects.requireNonNull(plane, "plane");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the policy expands beyond {@link #MAX_CLASSIFIER_RULES} or the
         *                                  quarantine names nothing in the inventory.
         */
        public FirewallProgram build(final RuleRegistry registry)
        {
            return new FirewallProgram(this, registry);
        }
    }
}
