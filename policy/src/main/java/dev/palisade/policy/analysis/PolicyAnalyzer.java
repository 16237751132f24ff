package dev.palisade.policy.analysis;

import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicy.CompiledRule;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.SourceLocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds, on a compiled policy, the rules that can never match and the redundant ones (after Al-Shaer and Hamed's
 * firewall anomaly classes: shadowing, redundancy, correlation), overlapping allow/deny pairs, and empty selectors.
 * <p>
 * Evaluation semantics decide what may shadow what: a deciding rule (allow, deny, reject; not audit) hides every later
 * rule it covers; a pass rule hides the later rules it covers in its own tier only; audit rules hide nothing.
 * Coverage is exact on the compiled address sets, protocol, ports and ICMP type/code. Pairwise: a rule covered only by
 * several earlier rules together is not reported. Quadratic in the rules, with the cheap checks first and set relations
 * remembered: about 0.2 s for 2,000 rules and 4 s for 10,000 on one core (palisade bench release).
 */
public final class PolicyAnalyzer
{
    private PolicyAnalyzer()
    {
    }

    public static List<Finding> analyze(final Policy policy, final CompiledPolicy compiled)
    {
        final Map<String, SourceLocation> locations = new HashMap<>();
        for (final List<Rule> rules : policy.tiers().values())
        {
            for (final Rule rule : rules)
            {
                locations.put(rule.name(), rule.at());
            }
        }
        final List<CompiledRule> rules = compiled.rules();
        final SetRelations sets = new SetRelations(compiled.sets());
        final List<Finding> findings = new ArrayList<>();
        final boolean[] unreachable = new boolean[rules.size()];

        for (int j = 0; j < rules.size(); j++)
        {
            final CompiledRule rule = rules.get(j);
            final SourceLocation at = locations.get(rule.name());
            if (isEmpty(compiled, rule.sourceSet()) || isEmpty(compiled, rule.destinationSet()))
            {
                findings.add(new Finding(Finding.Kind.EMPTY_SELECTOR, rule.name(), at, null,
                    (isEmpty(compiled, rule.sourceSet()) ? "'from'" : "'to'") +
                    " selects no address (no workload has those labels, or the set is empty), so it never matches"));
                unreachable[j] = true;
                continue;
            }
            for (int i = 0; i < j; i++)
            {
                final CompiledRule earlier = rules.get(i);
                if (unreachable[i] || earlier.audit() || !hides(earlier, rule) || !covers(sets, earlier, rule))
                {
                    continue;
                }
                unreachable[j] = true;
                if (earlier.action() == rule.action())
                {
                    findings.add(new Finding(Finding.Kind.REDUNDANT, rule.name(), at, earlier.name(),
                        "rule '" + earlier.name() + "' (" + label(earlier) + ") already decides all its traffic the same " +
                        "way; remove it or move it before '" + earlier.name() + "'"));
                }
                else
                {
                    final String what = earlier.action() == Rule.Action.PASS ?
                        "sends all its traffic on to the next tier first" : "decides all its traffic first";
                    findings.add(new Finding(Finding.Kind.SHADOWED, rule.name(), at, earlier.name(),
                        "can never match: rule '" + earlier.name() + "' (" + label(earlier) + ") " + what + "; move it " +
                        "before '" + earlier.name() + "' or narrow '" + earlier.name() + "'"));
                }
                break;
            }
        }

        for (int j = 0; j < rules.size(); j++)
        {
            final CompiledRule rule = rules.get(j);
            if (unreachable[j] || rule.audit() || rule.action() == Rule.Action.PASS)
            {
                continue;
            }
            // Forward redundancy: a later rule with the same action covers it, and nothing between decides otherwise
            // for any of its traffic.
            for (int k = j + 1; k < rules.size(); k++)
            {
                final CompiledRule later = rules.get(k);
                if (unreachable[k] || later.audit())
                {
                    continue;
                }
                if (intersects(sets, rule, later) && later.action() != rule.action())
                {
                    break; // a conflicting rule in between: this one matters
                }
                if (later.action() == rule.action() && later.tier() == rule.tier() && covers(sets, later, rule))
                {
                    findings.add(new Finding(Finding.Kind.REDUNDANT, rule.name(), locations.get(rule.name()),
                        later.name(), "rule '" + later.name() + "' (" + label(later) + ") decides all its traffic the " +
                        "same way and nothing between them decides otherwise; one of the two can go"));
                    break;
                }
            }
        }

        for (int j = 0; j < rules.size(); j++)
        {
            final CompiledRule rule = rules.get(j);
            if (unreachable[j] || rule.audit() || !decides(rule))
            {
                continue;
            }
            for (int i = 0; i < j; i++)
            {
                final CompiledRule earlier = rules.get(i);
                if (unreachable[i] || earlier.audit() || !decides(earlier) || allows(earlier) == allows(rule))
                {
                    continue;
                }
                if (intersects(sets, earlier, rule) && !covers(sets, earlier, rule) &&
                    !covers(sets, rule, earlier))
                {
                    findings.add(new Finding(Finding.Kind.OVERLAP, rule.name(), locations.get(rule.name()),
                        earlier.name(), "shares some traffic with rule '" + earlier.name() + "' (" + label(earlier) +
                        "), which comes first and decides it " + (allows(earlier) ? "allowed" : "denied") +
                        "; check the order is what you mean"));
                }
            }
        }
        findings.sort((a, b) -> a.at() == null || b.at() == null ? 0 :
            a.at().line() != b.at().line() ? Integer.compare(a.at().line(), b.at().line()) :
            Integer.compare(a.kind().ordinal(), b.kind().ordinal()));
        return List.copyOf(findings);
    }

    private static String label(final CompiledRule rule)
    {
        return rule.tier().label() + ", " + rule.action().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean decides(final CompiledRule rule)
    {
        return rule.action() != Rule.Action.PASS;
    }

    private static boolean allows(final CompiledRule rule)
    {
        return rule.action() == Rule.Action.ALLOW;
    }

    /** Whether {@code earlier}, when it matches, keeps evaluation from reaching {@code later}. */
    private static boolean hides(final CompiledRule earlier, final CompiledRule later)
    {
        return decides(earlier) || earlier.tier() == later.tier();
    }

    private static boolean isEmpty(final CompiledPolicy compiled, final int set)
    {
        return set != CompiledPolicy.HOST_SET && compiled.sets().get(set).isEmpty();
    }

    /** Whether every packet {@code inner} matches, {@code outer} matches too. The cheap checks go first. */
    static boolean covers(final SetRelations sets, final CompiledRule outer, final CompiledRule inner)
    {
        return (outer.protocol() < 0 || outer.protocol() == inner.protocol()) &&
            (outer.icmpType() < 0 || (outer.icmpType() == inner.icmpType() &&
            (outer.icmpCode() < 0 || outer.icmpCode() == inner.icmpCode()))) &&
            coversPorts(outer.ports(), inner.ports()) &&
            sets.covers(outer.sourceSet(), inner.sourceSet()) &&
            sets.covers(outer.destinationSet(), inner.destinationSet());
    }

    static boolean intersects(final SetRelations sets, final CompiledRule a, final CompiledRule b)
    {
        return (a.protocol() < 0 || b.protocol() < 0 || a.protocol() == b.protocol()) &&
            (a.icmpType() < 0 || b.icmpType() < 0 || (a.icmpType() == b.icmpType() &&
            (a.icmpCode() < 0 || b.icmpCode() < 0 || a.icmpCode() == b.icmpCode()))) &&
            intersectsPorts(a.ports(), b.ports()) &&
            sets.intersects(a.sourceSet(), b.sourceSet()) &&
            sets.intersects(a.destinationSet(), b.destinationSet());
    }

    /**
     * Coverage and intersection between a policy's address sets, remembered: a large policy has thousands of rules
     * but far fewer distinct sets, and the pairwise passes ask about the same pairs again and again. A direct-mapped
     * cache (bounded memory whatever the policy's size; a collision only costs a recomputation).
     */
    static final class SetRelations
    {
        private static final int CACHE_BITS = 20;
        private static final byte INTERSECTS_KNOWN = 1;
        private static final byte INTERSECTS = 2;
        private static final byte COVERS_KNOWN = 4;
        private static final byte COVERS = 8;

        private final List<AddressSet> sets;
        private final long[] keys = new long[1 << CACHE_BITS];
        private final byte[] values = new byte[1 << CACHE_BITS];

        SetRelations(final List<AddressSet> sets)
        {
            this.sets = sets;
        }

        /** The host set is symbolic: only the host selector or "any" covers it, and it covers only itself. */
        boolean covers(final int outer, final int inner)
        {
            if (outer == inner)
            {
                return true;
            }
            if (outer == CompiledPolicy.HOST_SET || inner == CompiledPolicy.HOST_SET)
            {
                return outer != CompiledPolicy.HOST_SET && sets.get(outer).equals(AddressSet.ALL);
            }
            final int slot = slot(outer, inner);
            if ((values[slot] & COVERS_KNOWN) == 0)
            {
                values[slot] |= (byte)(COVERS_KNOWN | (sets.get(outer).containsAll(sets.get(inner)) ? COVERS : 0));
            }
            return (values[slot] & COVERS) != 0;
        }

        /** Whether two sets may share an address; the host may be any address, so it may share one with any set. */
        boolean intersects(final int a, final int b)
        {
            if (a == CompiledPolicy.HOST_SET || b == CompiledPolicy.HOST_SET)
            {
                return true;
            }
            final int slot = slot(Math.min(a, b), Math.max(a, b));
            if ((values[slot] & INTERSECTS_KNOWN) == 0)
            {
                values[slot] |= (byte)(INTERSECTS_KNOWN | (sets.get(a).intersects(sets.get(b)) ? INTERSECTS : 0));
            }
            return (values[slot] & INTERSECTS) != 0;
        }

        /** The cache slot of the ordered pair (a, b), emptied first when another pair had it. */
        private int slot(final int a, final int b)
        {
            final long key = (((long)a << 32) | b) + 1; // + 1: a key of 0 marks an empty slot
            final int slot = (int)((key * 0x9E37_79B9_7F4A_7C15L) >>> (64 - CACHE_BITS));
            if (keys[slot] != key)
            {
                keys[slot] = key;
                values[slot] = 0;
            }
            return slot;
        }
    }

    private static boolean coversPorts(final List<Rule.PortRange> outer, final List<Rule.PortRange> inner)
    {
        if (outer.isEmpty())
        {
            return true;
        }
        if (inner.isEmpty())
        {
            return false;
        }
        for (final Rule.PortRange range : inner)
        {
            // Ranges of one rule may be adjacent: walk the range through the outer ranges.
            int next = range.lo();
            boolean progressed = true;
            while (next <= range.hi() && progressed)
            {
                progressed = false;
                for (final Rule.PortRange o : outer)
                {
                    if (o.lo() <= next && o.hi() >= next)
                    {
                        next = o.hi() + 1;
                        progressed = true;
                    }
                }
            }
            if (next <= range.hi())
            {
                return false;
            }
        }
        return true;
    }

    private static boolean intersectsPorts(final List<Rule.PortRange> a, final List<Rule.PortRange> b)
    {
        if (a.isEmpty() || b.isEmpty())
        {
            return true;
        }
        for (final Rule.PortRange x : a)
        {
            for (final Rule.PortRange y : b)
            {
                if (x.lo() <= y.hi() && y.lo() <= x.hi())
                {
                    return true;
                }
            }
        }
        return false;
    }
}
