package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicy.CompiledRule;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.PortRange;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy's meaning written as plainly as possible, rule by rule, for the property tests to hold
 * {@link FirewallProgram} against: no expansion, no classifiers, no chains.
 */
final class ReferenceFirewall
{
    private final CompiledPolicy policy;
    private final List<AddressSet> sets;
    private final AddressSet quarantined;
    private final List<Quarantine.ManagementAccess> management;

    ReferenceFirewall(final CompiledPolicy policy, final List<Prefix> host, final AddressSet quarantined,
        final List<Quarantine.ManagementAccess> management)
    {
        this.policy = policy;
        final List<AddressSet> bound = new ArrayList<>(policy.sets());
        bound.set(CompiledPolicy.HOST_SET, AddressSet.of(host));
        this.sets = bound;
        this.quarantined = quarantined;
        this.management = management;
    }

    /** Fills {@code out} as {@link FirewallProgram#decide} should, with slots from {@code program}. */
    void decide(final FirewallProgram program, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final Decision out)
    {
        out.reset();
        if (quarantined.contains(dstHi, dstLo))
        {
            for (final Quarantine.ManagementAccess access : management)
            {
                final Prefix peer = access.peer();
                if (AddressSet.of(List.of(peer)).contains(srcHi, srcLo) &&
                    (access.protocol() < 0 || access.protocol() == protocol) &&
                    dstPort >= access.portLo() && dstPort <= access.portHi())
                {
                    out.slot = RuleRegistry.MANAGEMENT;
                    return;
                }
            }
        }
        if (quarantined.contains(srcHi, srcLo) || quarantined.contains(dstHi, dstLo))
        {
            out.slot = RuleRegistry.QUARANTINE;
            out.flags = FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP;
            return;
        }
        final int[] firstAudit = {-1};
        final int enforced = walk(false, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, null);
        if (enforced >= 0)
        {
            out.rule = enforced;
            out.slot = program.ruleSlot(enforced);
            out.flags = flags(policy.rules().get(enforced).action());
        }
        else if (enforced == -2)
        {
            out.slot = RuleRegistry.DEFAULT_DENY;
            out.flags = FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP;
        }
        final int staged = walk(true, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, firstAudit);
        if (firstAudit[0] >= 0)
        {
            out.auditRule = firstAudit[0];
            out.auditSlot = program.ruleSlot(firstAudit[0]);
            out.auditFlags = staged >= 0 ? flags(policy.rules().get(staged).action()) :
                staged == -2 ? FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP : FlowTable.FLAG_DECIDED;
        }
    }

    private static int flags(final Action action)
    {
        return switch (action)
        {
            case ALLOW, PASS -> FlowTable.FLAG_DECIDED;
            case DENY -> FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP;
            case REJECT -> FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP | FlowTable.FLAG_REJECT;
        };
    }

    /** @return the deciding rule's index, -1 for default allow, -2 for default deny. */
    private int walk(final boolean withAudit, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final int[] firstAudit)
    {
        int skipThroughTier = -1;
        for (final CompiledRule rule : policy.rules())
        {
            if ((rule.audit() && !withAudit) || rule.tier().ordinal() <= skipThroughTier)
            {
                continue;
            }
            if (!matches(rule, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
            {
                continue;
            }
            if (firstAudit != null && rule.audit() && firstAudit[0] < 0)
            {
                firstAudit[0] = rule.index();
            }
            if (rule.action() == Action.PASS)
            {
                skipThroughTier = rule.tier().ordinal();
                continue;
            }
            return rule.index();
        }
        final AddressSet selected = policy.selected();
        return selected.contains(srcHi, srcLo) || selected.contains(dstHi, dstLo) ? -2 : -1;
    }

    private boolean matches(final CompiledRule rule, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort, final int protocol)
    {
        if (!sets.get(rule.sourceSet()).contains(srcHi, srcLo) || !sets.get(rule.destinationSet()).contains(dstHi, dstLo))
        {
            return false;
        }
        if (rule.protocol() >= 0 && rule.protocol() != protocol)
        {
            return false;
        }
        if (rule.icmpType() >= 0)
        {
            return srcPort == rule.icmpType() && (rule.icmpCode() < 0 || dstPort == rule.icmpCode());
        }
        if (rule.ports().isEmpty())
        {
            return true;
        }
        for (final PortRange range : rule.ports())
        {
            if (dstPort >= range.lo() && dstPort <= range.hi())
            {
                return true;
            }
        }
        return false;
    }
}
