package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules a fast classifier checks candidates against. IPv4 rules are packed {@link #STRIDE} ints apiece by rule
 * index, so a full check reads half a cache line: source low and high, destination low and high, source ports
 * (low << 16 | high), destination ports (low << 16 | high), protocol (mask << 8 | value). Other rules (IPv6, or
 * prefixes shorter than the IPv4-mapped /96) are kept in priority order for a scan alongside the fast structure.
 */
final class RuleStore
{
    static final int STRIDE = 8;

    final int ruleCount;
    /** Indices of the IPv4 rules, in priority order. */
    final int[] ipv4Indices;
    final int[] data;
    private final FiveTupleRule[] others;
    private final int[] otherIndices;
    private final boolean othersMayMatchIpv4;

    RuleStore(final List<FiveTupleRule> rules)
    {
        ruleCount = rules.size();
        data = new int[ruleCount * STRIDE];
        final List<Integer> ipv4 = new ArrayList<>();
        final List<FiveTupleRule> otherRules = new ArrayList<>();
        final List<Integer> otherIndexList = new ArrayList<>();
        boolean mayMatchIpv4 = false;
        for (int index = 0; index < ruleCount; index++)
        {
            final FiveTupleRule rule = rules.get(index);
            if (!rule.isIpv4())
            {
                otherRules.add(rule);
                otherIndexList.add(index);
                // e.g. 10.0.0.0/8 to ::/0: one field is wider than the IPv4-mapped /96, yet IPv4 packets match it.
                mayMatchIpv4 |= overlapsIpv4(rule.srcHi(), rule.srcLo(), rule.srcPrefix()) &&
                    overlapsIpv4(rule.dstHi(), rule.dstLo(), rule.dstPrefix());
                continue;
            }
            final int src = (int)rule.srcLo();
            final int dst = (int)rule.dstLo();
            final int at = index * STRIDE;
            data[at] = src;
            data[at + 1] = src | ~prefixMask(sourceLength(rule));
            data[at + 2] = dst;
            data[at + 3] = dst | ~prefixMask(destinationLength(rule));
            data[at + 4] = (rule.srcPortLo() << 16) | rule.srcPortHi();
            data[at + 5] = (rule.dstPortLo() << 16) | rule.dstPortHi();
            data[at + 6] = (rule.protocolMask() << 8) | rule.protocol();
            ipv4.add(index);
        }
        ipv4Indices = ipv4.stream().mapToInt(Integer::intValue).toArray();
        others = otherRules.toArray(new FiveTupleRule[0]);
        otherIndices = otherIndexList.stream().mapToInt(Integer::intValue).toArray();
        othersMayMatchIpv4 = mayMatchIpv4;
    }

    /** @return whether a prefix shares addresses with the IPv4-mapped space {@code ::ffff:0:0/96}. */
    static boolean overlapsIpv4(final long hi, final long lo, final int prefix)
    {
        final int common = Math.min(prefix, FiveTupleRule.IPV4_PREFIX_BASE);
        return (hi & FiveTupleRule.maskHi(common)) == 0 &&
            (lo & FiveTupleRule.maskLo(common)) == (PacketMeta.IPV4_MAPPED_PREFIX & FiveTupleRule.maskLo(common));
    }

    static int sourceLength(final FiveTupleRule rule)
    {
        return rule.srcPrefix() - FiveTupleRule.IPV4_PREFIX_BASE;
    }

    static int destinationLength(final FiveTupleRule rule)
    {
        return rule.dstPrefix() - FiveTupleRule.IPV4_PREFIX_BASE;
    }

    static int prefixMask(final int length)
    {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    static boolean isMappedIpv4(final long srcHi, final long srcLo, final long dstHi, final long dstLo)
    {
        return srcHi == 0 && dstHi == 0 && (srcLo >>> 32) == 0xFFFF && (dstLo >>> 32) == 0xFFFF;
    }

    /**
     * Full check of IPv4 rule {@code index} in {@code data} (a store's {@link #data}, passed in so that the caller's
     * final field is read rather than this object's on every candidate). Addresses compare unsigned.
     */
    static boolean matches(final int[] data, final int index, final int src, final int dst, final int srcPort,
        final int dstPort, final int protocol)
    {
        return matchesAt(data, index * STRIDE, src, dst, srcPort, dstPort, protocol);
    }

    /**
     * Full check of the packed rule at offset {@code at} of {@code data}: the same {@link #STRIDE}-int layout as the
     * store's, wherever it is kept (cut-tree leaves keep their own copies, so a leaf scan reads contiguous memory).
     */
    static boolean matchesAt(final int[] data, final int at, final int src, final int dst, final int srcPort,
        final int dstPort, final int protocol)
    {
        final int srcPorts = data[at + 4];
        final int dstPorts = data[at + 5];
        final int protocolRule = data[at + 6];
        return (src ^ Integer.MIN_VALUE) >= (data[at] ^ Integer.MIN_VALUE) &&
            (src ^ Integer.MIN_VALUE) <= (data[at + 1] ^ Integer.MIN_VALUE) &&
            (dst ^ Integer.MIN_VALUE) >= (data[at + 2] ^ Integer.MIN_VALUE) &&
            (dst ^ Integer.MIN_VALUE) <= (data[at + 3] ^ Integer.MIN_VALUE) &&
            srcPort >= (srcPorts >>> 16) && srcPort <= (srcPorts & 0xFFFF) &&
            dstPort >= (dstPorts >>> 16) && dstPort <= (dstPorts & 0xFFFF) &&
            (protocol & (protocolRule >>> 8)) == (protocolRule & 0xFF);
    }

    /**
     * Completes an IPv4 lookup: the non-IPv4 rules that can match IPv4 packets get their chance to beat {@code best}
     * (the fast structure's answer, {@link Integer#MAX_VALUE} for none), and no match becomes
     * {@link FiveTupleClassifier#NO_MATCH}.
     */
    int finishIpv4(final int best, final int src, final int dst, final int srcPort, final int dstPort,
        final int protocol)
    {
        int result = best;
        if (othersMayMatchIpv4)
        {
            result = scanOthers(0, PacketMeta.IPV4_MAPPED_PREFIX | (src & 0xFFFF_FFFFL), 0,
                PacketMeta.IPV4_MAPPED_PREFIX | (dst & 0xFFFF_FFFFL), srcPort, dstPort, protocol, result);
        }
        return result == Integer.MAX_VALUE ? FiveTupleClassifier.NO_MATCH : result;
    }

    /** Classifies a packet that is not IPv4: only the other rules can match it. */
    int classifyOther(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol)
    {
        final int best = scanOthers(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, Integer.MAX_VALUE);
        return best == Integer.MAX_VALUE ? FiveTupleClassifier.NO_MATCH : best;
    }

    private int scanOthers(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol, final int bestSoFar)
    {
        for (int i = 0; i < others.length && otherIndices[i] < bestSoFar; i++)
        {
            if (others[i].matches(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
            {
                return otherIndices[i];
            }
        }
        return bestSoFar;
    }

    long memoryBytes()
    {
        return 4L * data.length + 4L * ipv4Indices.length + 8L * others.length;
    }
}
