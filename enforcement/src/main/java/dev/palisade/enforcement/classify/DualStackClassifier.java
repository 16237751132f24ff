package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A classifier for rule lists that mix IPv4 and IPv6, as compiled policies do ("any" and "world" are 128-bit sets):
 * one structure answers IPv4 packets, another the rest, each built for its family.
 * <ul>
 * <li><b>IPv4 packets</b> go to an IPv4 classifier (cut trees) over every rule's IPv4 <i>projection</i>: a field wider
 *     than the IPv4-mapped {@code ::ffff:0:0/96} that contains it matches every IPv4 address, so for IPv4 packets it
 *     is the IPv4 wildcard; a rule that cannot match IPv4 at all becomes an IPv6-only placeholder the IPv4 side never
 *     scans. So an IPv4 lookup never walks the 128-bit rules.</li>
 * <li><b>Other packets</b> (IPv6, or mixed-family address pairs) go to a {@link TupleSpaceClassifier} over the rules
 *     that are not pure IPv4.</li>
 * </ul>
 * Indices are the original list's, so answers equal a linear first-match scan of it.
 */
public final class DualStackClassifier implements FiveTupleClassifier
{
    /** High word of an address that no IPv4 packet carries: the placeholders' source. */
    private static final long PLACEHOLDER_HI = 0xFFFF_FFFF_FFFF_FFFFL;

    private final FiveTupleClassifier ipv4;
    private final TupleSpaceClassifier others;
    private final int ruleCount;

    public DualStackClassifier(final List<FiveTupleRule> rules,
        final Function<List<FiveTupleRule>, FiveTupleClassifier> ipv4Structure)
    {
        ruleCount = rules.size();
        final List<FiveTupleRule> projected = new ArrayList<>(rules.size());
        final List<FiveTupleRule> notIpv4 = new ArrayList<>(rules.size());
        for (final FiveTupleRule rule : rules)
        {
            projected.add(projectIpv4(rule));
            notIpv4.add(rule.isIpv4() ? null : rule);
        }
        ipv4 = ipv4Structure.apply(projected);
        others = new TupleSpaceClassifier(notIpv4);
    }

    /** @return the rule as IPv4 packets see it, or a placeholder that matches no IPv4 packet. */
    static FiveTupleRule projectIpv4(final FiveTupleRule rule)
    {
        if (rule.isIpv4())
        {
            return rule;
        }
        if (!RuleStore.overlapsIpv4(rule.srcHi(), rule.srcLo(), rule.srcPrefix()) ||
            !RuleStore.overlapsIpv4(rule.dstHi(), rule.dstLo(), rule.dstPrefix()))
        {
            return new FiveTupleRule(PLACEHOLDER_HI, 0, 128, PLACEHOLDER_HI, 0, 128, 0, 0, 0, 0, 0, 0xFF);
        }
        final boolean srcWide = rule.srcPrefix() < FiveTupleRule.IPV4_PREFIX_BASE;
        final boolean dstWide = rule.dstPrefix() < FiveTupleRule.IPV4_PREFIX_BASE;
        return new FiveTupleRule(
            0, srcWide ? PacketMeta.IPV4_MAPPED_PREFIX : rule.srcLo(),
            srcWide ? FiveTupleRule.IPV4_PREFIX_BASE : rule.srcPrefix(),
            0, dstWide ? PacketMeta.IPV4_MAPPED_PREFIX : rule.dstLo(),
            dstWide ? FiveTupleRule.IPV4_PREFIX_BASE : rule.dstPrefix(),
            rule.srcPortLo(), rule.srcPortHi(), rule.dstPortLo(), rule.dstPortHi(), rule.protocol(),
            rule.protocolMask());
    }

    @Override
    public int classify(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol)
    {
        if (RuleStore.isMappedIpv4(srcHi, srcLo, dstHi, dstLo))
        {
            return ipv4.classifyIpv4((int)srcLo, (int)dstLo, srcPort, dstPort, protocol);
        }
        return others.classify(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
    }

    @Override
    public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
    {
        return ipv4.classifyIpv4(src, dst, srcPort, dstPort, protocol);
    }

    @Override
    public int ruleCount()
    {
        return ruleCount;
    }

    @Override
    public long memoryBytes()
    {
        return ipv4.memoryBytes() + others.memoryBytes();
    }
}
