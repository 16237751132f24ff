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
 * @param selected addresses of workloads that some rule selects: traffic from or to them that no rule decides is
 *                 denied; other undecided traffic is allowed.
 */
public record CompiledPolicy(String name, List<AddressSet> sets, List<CompiledRule> rules, AddressSet selected,
    byte[] encoded, String digest)
{
    public static final int HOST_SET = 0;

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
