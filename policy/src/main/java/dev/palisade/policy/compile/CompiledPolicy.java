package dev.palisade.policy.compile;

import dev.palisade.policy.model.Policy.TierName;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.PortRange;

import java.util.List;

/**
 * A compiled policy: immutable and deterministic. Rules are in evaluation order (tiers flattened); each refers to its
 * source and destination address sets by index into {@link #sets}. Set 0 is always the {@code host} entity, whose
 * addresses each DPU binds from its own configuration; the others are literal. {@link #encoded()} is the canonical
 * byte form and {@link #digest()} its SHA-256, which a release signs.
 *
 * @param selected  addresses of workloads that some rule selects: traffic from or to them that no rule decides is
 *                  denied; other undecided traffic is allowed.
 * @param workloads the inventory's workloads, by name, so that a DPU can quarantine a workload by name or label.
 */
public record CompiledPolicy(String name, List<AddressSet> sets, List<CompiledRule> rules, AddressSet selected,
    List<CompiledWorkload> workloads, byte[] encoded, String digest)
{
    public static final int HOST_SET = 0;

    /** One inventory workload: labels sorted by key, addresses as a normal set. */
    public record CompiledWorkload(String name, java.util.SortedMap<String, String> labels, AddressSet addresses)
    {
        /** @return whether this workload carries every one of {@code wanted} labels. */
        public boolean hasLabels(final java.util.Map<String, String> wanted)
        {
            return labels.entrySet().containsAll(wanted.entrySet());
        }
    }

    /** @return the addresses of every workload that carries all of {@code labels}. */
    public AddressSet workloadsWithLabels(final java.util.Map<String, String> labels)
    {
        return AddressSet.union(workloads.stream().filter(w -> w.hasLabels(labels))
            .map(CompiledWorkload::addresses).toList());
    }

    /**
     * One rule in evaluation order.
     *
     * @param protocol  IP protocol number, or -1 for any.
     * @param ports     destination port ranges; empty for any.
     * @param icmpType  -1 for any; {@code icmpCode} -1 for any.
     */
    public record CompiledRule(int index, String name, TierName tier, Action action, boolean log, boolean audit,
        int sourceSet, int destinationSet, int protocol, List<PortRange> ports, int icmpType, int icmpCode)
    {
    }
}
