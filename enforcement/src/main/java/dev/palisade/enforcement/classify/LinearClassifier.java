package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;

import java.util.List;

/** The reference: scans the rules in order. Defines the right answer; too slow for the packet path. */
public final class LinearClassifier implements FiveTupleClassifier
{
    private final FiveTupleRule[] rules;

    public LinearClassifier(final List<FiveTupleRule> rules)
    {
        this.rules = rules.toArray(new FiveTupleRule[0]);
    }

    @Override
    public int classify(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol)
    {
        for (int i = 0; i < rules.length; i++)
        {
            if (rules[i].matches(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
            {
                return i;
            }
        }
        return NO_MATCH;
    }

    @Override
    public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
    {
        return classify(0, PacketMeta.IPV4_MAPPED_PREFIX | (src & 0xFFFF_FFFFL), 0,
            PacketMeta.IPV4_MAPPED_PREFIX | (dst & 0xFFFF_FFFFL), srcPort, dstPort, protocol);
    }

    @Override
    public int ruleCount()
    {
        return rules.length;
    }

    @Override
    public long memoryBytes()
    {
        return 16L + rules.length * 80L;
    }
}
