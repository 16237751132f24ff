package dev.palisade.enforcement.classify;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tuple space search over 128-bit rules (after Srinivasan et al., as in Open vSwitch), for the packets the IPv4
 * structures do not take: rules are grouped by their pair of prefix lengths; in a group, one hash lookup on the masked
 * addresses finds the rules that can match, which are then checked in full in priority order. Groups are visited in
 * order of their best rule and skipped once they cannot beat the match found.
 * <p>
 * A policy's "world" (the complement of its inventory) holds prefixes of nearly every length, so there are as many
 * groups as lengths. As Open vSwitch does with its prefix tracking, a binary trie per field first finds which prefix
 * lengths occur on the packet's address's path; only groups whose two lengths both occur are probed, usually a few.
 */
public final class TupleSpaceClassifier implements FiveTupleClassifier
{
    private static final class Group
    {
        final int srcPrefix;
        final int dstPrefix;
        final long srcMaskHi;
        final long srcMaskLo;
        final long dstMaskHi;
        final long dstMaskLo;
        final Long2ObjectHashMap<int[]> buckets = new Long2ObjectHashMap<>();
        int bestIndex = Integer.MAX_VALUE;

        Group(final int srcPrefix, final int dstPrefix)
        {
            this.srcPrefix = srcPrefix;
            this.dstPrefix = dstPrefix;
            srcMaskHi = FiveTupleRule.maskHi(srcPrefix);
            srcMaskLo = FiveTupleRule.maskLo(srcPrefix);
            dstMaskHi = FiveTupleRule.maskHi(dstPrefix);
            dstMaskLo = FiveTupleRule.maskLo(dstPrefix);
        }
    }

    private final FiveTupleRule[] rules;
    private final Group[] groups;
    private final int ruleCount;
    private final LengthTrie sources;
    private final LengthTrie destinations;

    /**
     * A binary trie of one field's rule prefixes, marking the nodes where a prefix ends, so that a walk along an
     * address yields the set of rule prefix lengths that contain it.
     */
    private static final class LengthTrie
    {
        private int[] zero = new int[64];
        private int[] one = new int[64];
        private boolean[] ends = new boolean[64];
        private int nodes = 1;

        void add(final long hi, final long lo, final int length)
        {
            int node = 0;
            for (int depth = 0; depth < length; depth++)
            {
                final int[] next = bit(hi, lo, depth) == 0 ? zero : one;
                if (next[node] == 0)
                {
                    if (nodes == zero.length)
                    {
                        zero = java.util.Arrays.copyOf(zero, nodes * 2);
                        one = java.util.Arrays.copyOf(one, nodes * 2);
                        ends = java.util.Arrays.copyOf(ends, nodes * 2);
                    }
                    (bit(hi, lo, depth) == 0 ? zero : one)[node] = nodes++;
                }
                node = (bit(hi, lo, depth) == 0 ? zero : one)[node];
            }
            ends[node] = true;
        }

        static int bit(final long hi, final long lo, final int depth)
        {
            return depth < 64 ? (int)(hi >>> (63 - depth)) & 1 : (int)(lo >>> (127 - depth)) & 1;
        }

        /**
         * @return the prefix lengths on the address's path, as a 64-bit set of {@link #slot}s: lengths share slots in
         * pairs, so the set may say yes for a length next to one present, never no for a present one.
         */
        long lengths(final long hi, final long lo)
        {
            long mask = 0;
            int node = 0;
            int depth = 0;
            while (true)
            {
                if (ends[node])
                {
                    mask |= 1L << slot(depth);
                }
                if (depth == 128)
                {
                    return mask;
                }
                node = (bit(hi, lo, depth) == 0 ? zero : one)[node];
                if (node == 0)
                {
                    return mask;
                }
                depth++;
            }
        }

        static int slot(final int length)
        {
            return (length * 63) >>> 7;
        }

        long memoryBytes()
        {
            return 9L * zero.length;
        }
    }

    private static boolean has(final long lengths, final int length)
    {
        return (lengths & (1L << LengthTrie.slot(length))) != 0;
    }

    /** @param rules rules in priority order; null entries are skipped (their index never matches). */
    public TupleSpaceClassifier(final List<FiveTupleRule> rules)
    {
        ruleCount = rules.size();
        this.rules = rules.toArray(new FiveTupleRule[0]);
        sources = new LengthTrie();
        destinations = new LengthTrie();
        final Map<Integer, Group> byShape = new HashMap<>();
        final Map<Group, Map<Long, List<Integer>>> pending = new HashMap<>();
        for (int index = 0; index < this.rules.length; index++)
        {
            final FiveTupleRule rule = this.rules[index];
            if (rule == null)
            {
                continue;
            }
            final Group group = byShape.computeIfAbsent((rule.srcPrefix() << 8) | rule.dstPrefix(),
                shape -> new Group(rule.srcPrefix(), rule.dstPrefix()));
            group.bestIndex = Math.min(group.bestIndex, index);
            sources.add(rule.srcHi(), rule.srcLo(), rule.srcPrefix());
            destinations.add(rule.dstHi(), rule.dstLo(), rule.dstPrefix());
            final long key = key(rule.srcHi(), rule.srcLo(), rule.dstHi(), rule.dstLo());
            pending.computeIfAbsent(group, g -> new HashMap<>()).computeIfAbsent(key, k -> new ArrayList<>()).add(index);
        }
        for (final Map.Entry<Group, Map<Long, List<Integer>>> entry : pending.entrySet())
        {
            for (final Map.Entry<Long, List<Integer>> bucket : entry.getValue().entrySet())
            {
                entry.getKey().buckets.put(bucket.getKey(),
                    bucket.getValue().stream().mapToInt(Integer::intValue).toArray());
            }
        }
        groups = byShape.values().stream().sorted(Comparator.comparingInt(g -> g.bestIndex)).toArray(Group[]::new);
    }

    private static long key(final long srcHi, final long srcLo, final long dstHi, final long dstLo)
    {
        long h = srcHi * 0x9E37_79B9_7F4A_7C15L;
        h = Long.rotateLeft(h ^ srcLo, 29) * 0xC2B2_AE3D_27D4_EB4FL;
        h = Long.rotateLeft(h ^ dstHi, 31) * 0x9E37_79B9_7F4A_7C15L;
        h = Long.rotateLeft(h ^ dstLo, 27) * 0xC2B2_AE3D_27D4_EB4FL;
        return h ^ (h >>> 32);
    }

    @Override
    public int classify(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol)
    {
        if (groups.length == 0)
        {
            return NO_MATCH;
        }
        final long srcLengths = sources.lengths(srcHi, srcLo);
        final long dstLengths = destinations.lengths(dstHi, dstLo);
        int best = Integer.MAX_VALUE;
        for (final Group group : groups)
        {
            if (group.bestIndex >= best)
            {
                break;
            }
            if (!has(srcLengths, group.srcPrefix) || !has(dstLengths, group.dstPrefix))
            {
                continue;
            }
            final int[] candidates = group.buckets.get(key(srcHi & group.srcMaskHi, srcLo & group.srcMaskLo,
                dstHi & group.dstMaskHi, dstLo & group.dstMaskLo));
            if (candidates == null)
            {
                continue;
            }
            for (final int index : candidates)
            {
                if (index >= best)
                {
                    break;
                }
                if (rules[index].matches(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
                {
                    best = index;
                    break;
                }
            }
        }
        return best == Integer.MAX_VALUE ? NO_MATCH : best;
    }

    @Override
    public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
    {
        return classify(0, dev.palisade.enforcement.packet.PacketMeta.IPV4_MAPPED_PREFIX | (src & 0xFFFF_FFFFL), 0,
            dev.palisade.enforcement.packet.PacketMeta.IPV4_MAPPED_PREFIX | (dst & 0xFFFF_FFFFL), srcPort, dstPort,
            protocol);
    }

    @Override
    public int ruleCount()
    {
        return ruleCount;
    }

    @Override
    public long memoryBytes()
    {
        long bytes = 8L * rules.length;
        for (final Group group : groups)
        {
            bytes += 64 + 24L * group.buckets.capacity();
            for (final int[] bucket : group.buckets.values())
            {
                bytes += 16 + 4L * bucket.length;
            }
        }
        return bytes + 72L * (ruleCount) + sources.memoryBytes() + destinations.memoryBytes(); // and the rules
    }
}
