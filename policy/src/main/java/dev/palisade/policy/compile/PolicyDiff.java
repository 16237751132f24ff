package dev.palisade.policy.compile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed between two compiled policies, rule by rule (rules are matched by name): rules added, removed, or
 * changed in what they match or do. Compiled rules are compared, not documents, so the diff shows effective change:
 * a rule whose selector now resolves to other addresses (the inventory changed) is changed though its text is not,
 * and reformatting a document changes nothing.
 */
public final class PolicyDiff
{
    private PolicyDiff()
    {
    }

    /** How a rule changed. */
    public enum Kind
    {
        ADDED, REMOVED, CHANGED, MOVED;

        public String label()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One rule's change. {@code fields} names what differs for {@link Kind#CHANGED} (tier, action, log, audit, from,
     * to, protocol, ports, icmp); {@link Kind#MOVED} is a rule that is the same but is evaluated at another place
     * relative to the rules both versions share (order decides between overlapping rules).
     */
    public record Change(Kind kind, String rule, List<String> fields)
    {
    }

    public static List<Change> diff(final CompiledPolicy from, final CompiledPolicy to)
    {
        final Map<String, CompiledPolicy.CompiledRule> before = byName(from);
        final Map<String, CompiledPolicy.CompiledRule> after = byName(to);
        final List<Change> changes = new ArrayList<>();
        for (final CompiledPolicy.CompiledRule rule : from.rules())
        {
            if (!after.containsKey(rule.name()))
            {
                changes.add(new Change(Kind.REMOVED, rule.name(), List.of()));
            }
        }
        // The order of the rules both have, to tell a moved rule.
        final List<String> sharedBefore = new ArrayList<>();
        from.rules().stream().map(CompiledPolicy.CompiledRule::name).filter(after::containsKey)
            .forEach(sharedBefore::add);
        final Map<String, Integer> sharedIndexBefore = new HashMap<>();
        for (int i = 0; i < sharedBefore.size(); i++)
        {
            sharedIndexBefore.put(sharedBefore.get(i), i);
        }
        int shared = 0;
        for (final CompiledPolicy.CompiledRule rule : to.rules())
        {
            final CompiledPolicy.CompiledRule old = before.get(rule.name());
            if (old == null)
            {
                changes.add(new Change(Kind.ADDED, rule.name(), List.of()));
                continue;
            }
            final List<String> fields = fields(from, old, to, rule);
            if (!fields.isEmpty())
            {
                changes.add(new Change(Kind.CHANGED, rule.name(), fields));
            }
            else if (sharedIndexBefore.get(rule.name()) != shared)
            {
                changes.add(new Change(Kind.MOVED, rule.name(), List.of()));
            }
            shared++;
        }
        return List.copyOf(changes);
    }

    private static Map<String, CompiledPolicy.CompiledRule> byName(final CompiledPolicy policy)
    {
        final Map<String, CompiledPolicy.CompiledRule> rules = new HashMap<>();
        policy.rules().forEach(rule -> rules.put(rule.name(), rule));
        return rules;
    }

    private static List<String> fields(final CompiledPolicy fromPolicy, final CompiledPolicy.CompiledRule a,
        final CompiledPolicy toPolicy, final CompiledPolicy.CompiledRule b)
    {
        final List<String> fields = new ArrayList<>();
        if (a.tier() != b.tier())
        {
            fields.add("tier");
        }
        if (a.action() != b.action())
        {
            fields.add("action");
        }
        if (a.log() != b.log())
        {
            fields.add("log");
        }
        if (a.audit() != b.audit())
        {
            fields.add("audit");
        }
        if (!sameSet(fromPolicy, a.sourceSet(), toPolicy, b.sourceSet()))
        {
            fields.add("from");
        }
        if (!sameSet(fromPolicy, a.destinationSet(), toPolicy, b.destinationSet()))
        {
            fields.add("to");
        }
        if (a.protocol() != b.protocol())
        {
            fields.add("protocol");
        }
        if (!a.ports().equals(b.ports()))
        {
            fields.add("ports");
        }
        if (a.icmpType() != b.icmpType() || a.icmpCode() != b.icmpCode())
        {
            fields.add("icmp");
        }
        return fields;
    }

    /** The host entity's set is bound per DPU: it is the same set whenever both are it. */
    private static boolean sameSet(final CompiledPolicy fromPolicy, final int a, final CompiledPolicy toPolicy,
        final int b)
    {
        if (a == CompiledPolicy.HOST_SET || b == CompiledPolicy.HOST_SET)
        {
            return a == b;
        }
        return Objects.equals(fromPolicy.sets().get(a), toPolicy.sets().get(b));
    }
}
