package dev.palisade.policy.compile;

import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.Selector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Compiles a validated {@link Policy}: resolves every selector to an address set, flattens the tiers into one order
 * and writes the canonical form. Selectors are resolved against the policy's own inventory; references were checked
 * by the parser, so an unknown name here is a bug, not bad input.
 */
public final class PolicyCompiler
{
    private PolicyCompiler()
    {
    }

    public static CompiledPolicy compile(final Policy policy)
    {
        final Resolver resolver = new Resolver(policy.inventory());
        final List<AddressSet> sets = new ArrayList<>();
        final Map<AddressSet, Integer> setIds = new HashMap<>();
        sets.add(AddressSet.EMPTY); // the host entity's place; bound per DPU
        final List<CompiledPolicy.CompiledRule> rules = new ArrayList<>();
        final List<AddressSet> selected = new ArrayList<>();

        for (final Policy.TierName tier : Policy.TierName.values())
        {
            for (final Rule rule : policy.tiers().getOrDefault(tier, List.of()))
            {
                final int source = intern(resolver, rule.from(), sets, setIds, selected);
                final int destination = intern(resolver, rule.to(), sets, setIds, selected);
                final int icmpType = rule.icmp() == null ? -1 : rule.icmp().type();
                final int icmpCode = rule.icmp() == null ? -1 : rule.icmp().code();
                rules.add(new CompiledPolicy.CompiledRule(rules.size(), rule.name(), tier, rule.action(), rule.log(),
                    rule.audit(), source, destination, rule.protocol(), List.copyOf(rule.ports()), icmpType, icmpCode));
            }
        }
        final AddressSet selectedWorkloads = AddressSet.union(selected);
        final List<CompiledPolicy.CompiledWorkload> workloads = new ArrayList<>();
        for (final Inventory.WorkloadEntry workload : policy.inventory().workloads())
        {
            workloads.add(new CompiledPolicy.CompiledWorkload(workload.name(),
                java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(workload.labels())),
                Resolver.addressesOf(workload)));
        }
        workloads.sort(java.util.Comparator.comparing(CompiledPolicy.CompiledWorkload::name));
        final byte[] encoded = encode(policy.name(), sets, rules, selectedWorkloads, workloads);
        return new CompiledPolicy(policy.name(), List.copyOf(sets), List.copyOf(rules), selectedWorkloads,
            List.copyOf(workloads), encoded, sha256(encoded));
    }

    private static int intern(final Resolver resolver, final Selector selector, final List<AddressSet> sets,
        final Map<AddressSet, Integer> setIds, final List<AddressSet> selected)
    {
        if (selector instanceof Selector.Entity entity && entity.kind() == Selector.Entity.Kind.HOST)
        {
            return CompiledPolicy.HOST_SET;
        }
        final AddressSet set = resolver.resolve(selector);
        if (selector instanceof Selector.Labels || selector instanceof Selector.Workload ||
            selector instanceof Selector.Group)
        {
            selected.add(resolver.workloadsOf(selector));
        }
        return setIds.computeIfAbsent(set, key ->
        {
            sets.add(key);
            return sets.size() - 1;
        });
    }

    /** The canonical text form, UTF-8: one line per set, rule and the selected set, in a fixed order and format. */
    static byte[] encode(final String name, final List<AddressSet> sets, final List<CompiledPolicy.CompiledRule> rules,
        final AddressSet selected, final List<CompiledPolicy.CompiledWorkload> workloads)
    {
        final StringBuilder out = new StringBuilder(256 + 64 * rules.size());
        out.append("palisade-compiled-policy 1\n");
        out.append("name ").append(name).append('\n');
        for (int i = 0; i < sets.size(); i++)
        {
            out.append("set ").append(i).append(i == CompiledPolicy.HOST_SET ? " host" : "");
            appendPrefixes(out, sets.get(i));
            out.append('\n');
        }
        for (final CompiledPolicy.CompiledRule rule : rules)
        {
            out.append("rule ").append(rule.index()).append(' ').append(rule.tier().label()).append(' ')
                .append(rule.name()).append(' ').append(rule.action().name().toLowerCase(java.util.Locale.ROOT))
                .append(rule.log() ? " log" : "").append(rule.audit() ? " audit" : "")
                .append(" from ").append(rule.sourceSet()).append(" to ").append(rule.destinationSet())
                .append(" proto ").append(rule.protocol());
            for (final Rule.PortRange range : rule.ports())
            {
                out.append(" port ").append(range.lo()).append('-').append(range.hi());
            }
            if (rule.icmpType() >= 0)
            {
                out.append(" icmp ").append(rule.icmpType()).append('/').append(rule.icmpCode());
            }
            out.append('\n');
        }
        out.append("selected");
        appendPrefixes(out, selected);
        out.append('\n');
        for (final CompiledPolicy.CompiledWorkload workload : workloads)
        {
            // Workload names are restricted by the parser; label keys and values may be any string, so escape them.
            out.append("workload ").append(workload.name());
            workload.labels().forEach((key, value) ->
            {
                out.append(" label ");
                appendEscaped(out, key);
                out.append('=');
                appendEscaped(out, value);
            });
            out.append(" at");
            appendPrefixes(out, workload.addresses());
            out.append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Percent-encodes, as UTF-8, every character but letters, digits and {@code . _ / -}: no spaces, no '='. */
    private static void appendEscaped(final StringBuilder out, final String text)
    {
        for (final byte b : text.getBytes(StandardCharsets.UTF_8))
        {
            final int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '/' || c == '-')
            {
                out.append((char)c);
            }
            else
            {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >>> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
    }

    private static void appendPrefixes(final StringBuilder out, final AddressSet set)
    {
        final HexFormat hex = HexFormat.of();
        for (final Prefix prefix : set.prefixes())
        {
            out.append(' ').append(hex.toHexDigits(prefix.hi())).append(hex.toHexDigits(prefix.lo())).append('/')
                .append(prefix.length());
        }
    }

    static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }

    static Prefix prefix(final Cidr cidr)
    {
        return Prefix.of(cidr);
    }

    /** Resolves selectors against an inventory. */
    static final class Resolver
    {
        private final Inventory inventory;
        private final Map<String, Inventory.WorkloadEntry> workloads = new HashMap<>();
        private final Map<String, Inventory.GroupEntry> groups = new HashMap<>();
        private final AddressSet world;
        /** Workloads by index, and for each label (key=value) the workloads that carry it: selection is set algebra. */
        private final List<Inventory.WorkloadEntry> indexed;
        private final Map<Map.Entry<String, String>, java.util.BitSet> byLabel = new HashMap<>();
        /** Large policies repeat selectors many times over; each distinct label set is resolved once. */
        private final Map<Map<String, String>, AddressSet> withLabelsCache = new HashMap<>();

        Resolver(final Inventory inventory)
        {
            this.inventory = inventory;
            this.indexed = List.copyOf(inventory.workloads());
            for (int i = 0; i < indexed.size(); i++)
            {
                for (final Map.Entry<String, String> label : indexed.get(i).labels().entrySet())
                {
                    byLabel.computeIfAbsent(Map.entry(label.getKey(), label.getValue()), key -> new java.util.BitSet())
                        .set(i);
                }
            }
            final List<Prefix> known = new ArrayList<>();
            for (final Inventory.WorkloadEntry workload : inventory.workloads())
            {
                workloads.put(workload.name(), workload);
                workload.addresses().forEach(cidr -> known.add(prefix(cidr)));
            }
            for (final Inventory.GroupEntry group : inventory.groups())
            {
                groups.put(group.name(), group);
                group.cidrs().forEach(cidr -> known.add(prefix(cidr)));
            }
            this.world = AddressSet.of(known).complement();
        }

        AddressSet resolve(final Selector selector)
        {
            return switch (selector)
            {
                case Selector.Any any -> AddressSet.ALL;
                case Selector.Cidrs cidrs -> AddressSet.of(cidrs.cidrs().stream().map(PolicyCompiler::prefix).toList());
                case Selector.Entity entity -> entity.kind() == Selector.Entity.Kind.WORLD ? world : AddressSet.EMPTY;
                case Selector.Labels labels -> withLabels(labels.labels());
                case Selector.Workload workload -> addressesOf(require(workloads, workload.name(), "workload"));
                case Selector.Group group ->
                {
                    final Inventory.GroupEntry entry = require(groups, group.name(), "group");
                    final List<AddressSet> parts = new ArrayList<>();
                    parts.add(AddressSet.of(entry.cidrs().stream().map(PolicyCompiler::prefix).toList()));
                    if (entry.labels() != null && !entry.labels().isEmpty())
                    {
                        parts.add(withLabels(entry.labels()));
                    }
                    yield AddressSet.union(parts);
                }
            };
        }

        /** The workload addresses a selector names (for default deny); literal prefixes are not workloads. */
        AddressSet workloadsOf(final Selector selector)
        {
            return switch (selector)
            {
                case Selector.Labels labels -> withLabels(labels.labels());
                case Selector.Workload workload -> addressesOf(require(workloads, workload.name(), "workload"));
                case Selector.Group group ->
                {
                    final Inventory.GroupEntry entry = require(groups, group.name(), "group");
                    yield entry.labels() == null || entry.labels().isEmpty() ? AddressSet.EMPTY :
                        withLabels(entry.labels());
                }
                default -> AddressSet.EMPTY;
            };
        }

        private AddressSet withLabels(final Map<String, String> wanted)
        {
            final AddressSet cached = withLabelsCache.get(wanted);
            if (cached != null)
            {
                return cached;
            }
            java.util.BitSet selected = null;
            for (final Map.Entry<String, String> label : wanted.entrySet())
            {
                final java.util.BitSet carrying = byLabel.get(Map.entry(label.getKey(), label.getValue()));
                if (carrying == null)
                {
                    selected = new java.util.BitSet();
                    break;
                }
                if (selected == null)
                {
                    selected = (java.util.BitSet)carrying.clone();
                }
                else
                {
                    selected.and(carrying);
                }
            }
            final List<Prefix> out = new ArrayList<>();
            for (int i = selected == null ? 0 : selected.nextSetBit(0); i >= 0 && i < indexed.size();
                i = selected == null ? i + 1 : selected.nextSetBit(i + 1))
            {
                indexed.get(i).addresses().forEach(cidr -> out.add(prefix(cidr)));
            }
            final AddressSet set = AddressSet.of(out);
            withLabelsCache.put(Map.copyOf(wanted), set);
            return set;
        }

        static AddressSet addressesOf(final Inventory.WorkloadEntry workload)
        {
            return AddressSet.of(workload.addresses().stream().map(PolicyCompiler::prefix).toList());
        }

        private static <T> T require(final Map<String, T> map, final String name, final String kind)
        {
            final T value = map.get(name);
            if (value == null)
            {
                throw new IllegalStateException("unknown " + kind + " '" + name + "' reached the compiler; the parser " +
                    "should have rejected it");
            }
            return value;
        }
    }
}
