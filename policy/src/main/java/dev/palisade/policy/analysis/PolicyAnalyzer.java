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
 * several earlier rules together is not reported. Quadratic in the rules, which is fine for policies of thousands.
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
                if (unreachable[i] || earlier.audit() || !hides(earlier, rule) || !covers(compiled, earlier, rule))
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
                if (intersects(compiled, rule, later) && later.action() != rule.action())
                {
                    break; // a conflicting rule in between: this one matters
                }
                if (later.action() == rule.action() && later.tier() == rule.tier() && covers(compiled, later, rule))
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
                if (intersects(compiled, earlier, rule) && !covers(compiled, earlier, rule) &&
                    !covers(compiled, rule, earlier))
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

    /** Whether every packet {@code inner} matches, {@code outer} matches too. */
    static boolean covers(final CompiledPolicy compiled, final CompiledRule outer, final CompiledRule inner)
    {
        return coversSet(compiled, outer.sourceSet(), inner.sourceSet()) &&
            coversSet(compiled, outer.destinationSet(), inner.destinationSet()) &&
            (outer.protocol() < 0 || outer.protocol() == inner.protocol()) &&
            coversPorts(outer.ports(), inner.ports()) &&
            (outer.icmpType() < 0 || (outer.icmpType() == inner.icmpType() &&
            (outer.icmpCode() < 0 || outer.icmpCode() == inner.icmpCode())));
    }

    static boolean intersects(final CompiledPolicy compiled, final CompiledRule a, final CompiledRule b)
    {
        return intersectsSet(compiled, a.sourceSet(), b.sourceSet()) &&
            intersectsSet(compiled, a.destinationSet(), b.destinationSet()) &&
            (a.protocol() < 0 || b.protocol() < 0 || a.protocol() == b.protocol()) &&
            intersectsPorts(a.ports(), b.ports()) &&
            (a.icmpType() < 0 || b.icmpType() < 0 || (a.icmpType() == b.icmpType() &&
            (a.icmpCode() < 0 || b.icmpCode() < 0 || a.icmpCode() == b.icmpCode())));
    }

    /** The host set is symbolic: only the host selector or "any" covers it, and it covers only itself. */
    private static boolean coversSet(final CompiledPolicy compiled, final int outer, final int inner)
    {
        if (outer == inner)
        {
            return true;
        }
        final AddressSet outerSet = compiled.sets().get(outer);
        if (outer != CompiledPolicy.HOST_SET && outerSet.equals(AddressSet.ALL))
        {
            return true;
        }
        if (outer == CompiledPolicy.HOST_SET || inner == CompiledPolicy.HOST_SET)
        {
            return false;
        }
        return outerSet.containsAll(compiled.sets().get(inner));
    }

    /** Whether two sets may share an address; the host may be any address, so it may share one with any set. */
    private static boolean intersectsSet(final CompiledPolicy compiled, final int a, final int b)
    {
        if (a == CompiledPolicy.HOST_SET || b == CompiledPolicy.HOST_SET)
        {
            return true;
        }
        return compiled.sets().get(a).intersects(compiled.sets().get(b));
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
