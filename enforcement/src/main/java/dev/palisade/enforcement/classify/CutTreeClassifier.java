package dev.palisade.enforcement.classify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A decision tree over the 5-tuple with equal-sized cuts, after HiCuts (Gupta and McKeown, 1999): each inner node
 * cuts one field's current interval into 2^k equal parts using k bits of the field's value, so a lookup step is a
 * shift, a mask and one array read; leaves hold at most {@link #LEAF_RULES} rules, scanned in priority order.
 * <p>
 * Three things keep the tree small and shallow where rules would otherwise be copied into many children or bits spent
 * where no rule is: in each child, rules after the first one that covers the child's whole box are dropped (they can
 * never be the first match there); siblings whose rules all cover them fully share one subtree, and leaves with the
 * same rules share their records; and before a node is cut, its region is shrunk in every field to the smallest
 * aligned block holding its rules (region compaction, as in HyperCuts and EffiCuts), so that a cluster of rules under
 * one /16 is cut on the bits where the rules differ rather than on the 16 they share. The cut at each node is the one
 * with the most parts whose copies stay within {@link #SPACE_FACTOR} times the node's rules.
 * <p>
 * IPv4 rules are in the trees; other rules (IPv6, or prefixes shorter than /96) are scanned alongside and the lower
 * index wins.
 */
public final class CutTreeClassifier extends StoreBackedClassifier
{
    /*
     * Tuning, measured on ClassBench 10k sets (acl1 / fw1 / ipc1, Mpps on one core, median of 3, on a shared and noisy
     * 2-core machine; generated 1M-packet traces):
     *   leaf 8, no compaction, separate node arrays (the first version):   10.0 / 15.5 / 8.5, 4.6 MB for acl1
     *   leaf 8, no compaction, one entry array and leaf records:           14.1 / 18.7 / 11.3, 5.1 MB
     *   leaf 8, compaction:                                                20.7 / 18.7 / 11.8, 1.1 MB
     *   leaf 4, compaction:                                                20.3 / 19.9 / 11.8, 1.8 MB
     *   leaf 6, compaction:                                                21.2 / 19.9 / 12.3, 1.3 MB
     *   leaf 6, compaction, port-wide tree (chosen):                       21.3 / 20.0 / 13.2, 1.4 MB
     * No better with compaction (one run each): space 2 or 8, cuts of up to 10 bits, wide below /4; wide below /16
     * drops ipc1 to 6.5. Without compaction, cuts of up to 10 / 12 / 16 bits gave acl1 10.4 / 8.6 / 7.0 (bigger,
     * colder nodes); one entry per run of equal children (a Poptrie-style bitmap and popcount: acl1's 925k child
     * entries are 32k runs) gave 11.1 / 13.5 / 9.2, the second dependent load per step costing more than the cache
     * it saves; reading the field through two packed words instead of a switch, and a leaf check without
     * short-circuits, were no faster.
     */
    static final int LEAF_RULES = 6;
    static final int SPACE_FACTOR = 4;
    static final int MAX_CUT_BITS = 8;
    static final int MAX_DEPTH = 24;
    /** An address prefix shorter than this makes a rule wide in that field. */
    static final int WIDE_PREFIX = 8;
    /** A destination port range spanning more than this many ports makes a rule wide in that field. */
    static final int WIDE_PORTS = 1024;

    private static final int DIMENSIONS = 5;
    private static final int ALL_DIMENSIONS = (1 << DIMENSIONS) - 1;
    private static final int[] WIDTH = {32, 32, 16, 16, 8};

    /*
     * The trees are one int array, {@link #nodes}, of child entries. An entry says what the child is, so a lookup
     * step is one load:
     *   inner node: dimension (bits 0-2) | shift (bits 3-7) | cut bits - 1 (bits 8-11) | first child / 2 (bits 12-31);
     *               the node's 2^bits child entries are contiguous, and every block has an even length, so its
     *               start is even;
     *   leaf:       LEAF (bits 0-2) | offset of its first rule record in {@link #leafRecords} (a multiple of 8).
     * A leaf's rules are copied into its records in the store's packed layout, index in the eighth int with the sign
     * bit set on the leaf's last record, so a scan reads contiguous memory and no other array.
     */
    static final int LEAF = 7;
    private static final int OFFSET_SHIFT = 12;
    /**
     * Guard against pathological rule sets: once the nodes pass this many entries, nodes become leaves. An entry
     * can address 2^21; the nodes still open on the path (at most {@link #MAX_DEPTH}, 2^{@link #MAX_CUT_BITS}
     * entries each) fit in between.
     */
    static final int NODE_BUDGET = (1 << 21) - (MAX_DEPTH + 1) * (1 << MAX_CUT_BITS);
    /** The empty leaf: offset 0 holds a record that matches nothing. */
    static final int EMPTY_LEAF = LEAF;

    /** Root entry of each tree, in order of the best (lowest) rule index the tree holds. */
    private final int[] roots;
    private final int[] rootBest;
    private final int[] nodes;
    private final int[] leafRecords;
    private final int nodeCount;
    private final int depth;

    private CutTreeClassifier(final Builder builder, final RuleStore store)
    {
        super(store);
        this.roots = builder.roots.toArray();
        this.rootBest = builder.rootBest.toArray();
        this.nodes = builder.nodes.toArray();
        this.leafRecords = builder.leafRecords.toArray();
        this.nodeCount = builder.nodeCount;
        this.depth = builder.maxDepth;
    }

    public static CutTreeClassifier build(final List<FiveTupleRule> rules)
    {
        return build(rules, NODE_BUDGET);
    }

    /** For tests: {@code nodeBudget} stands in for {@link #NODE_BUDGET}, so that the guard can be reached. */
    static CutTreeClassifier build(final List<FiveTupleRule> rules, final int nodeBudget)
    {
        final RuleStore store = new RuleStore(rules);
        final int n = rules.size();
        final long[][] boxes = new long[n][];
        final boolean[] exactBox = new boolean[n];
        final List<Integer> ipv4 = new ArrayList<>();
        for (final int index : store.ipv4Indices)
        {
            final FiveTupleRule rule = rules.get(index);
            final int at = index * RuleStore.STRIDE;
            final int[] data = store.data;
            // A partial protocol mask is not an interval: its box spans every protocol (the leaf check is exact),
            // and such a rule never counts as covering a region.
            final boolean protocolExact = rule.protocolMask() == 0xFF;
            exactBox[index] = protocolExact || rule.protocolMask() == 0;
            boxes[index] = new long[] {
                data[at] & 0xFFFF_FFFFL, data[at + 1] & 0xFFFF_FFFFL, data[at + 2] & 0xFFFF_FFFFL,
                data[at + 3] & 0xFFFF_FFFFL, rule.srcPortLo(), rule.srcPortHi(), rule.dstPortLo(), rule.dstPortHi(),
                protocolExact ? rule.protocol() : 0, protocolExact ? rule.protocol() : 255};
            ipv4.add(index);
        }
        final Builder builder = new Builder(boxes, exactBox, store.data, Math.min(nodeBudget, NODE_BUDGET));
        // Separable trees, after EffiCuts (Vamanan et al., SIGCOMM 2010): rules are grouped by which address fields
        // they are wide in, and each group's tree cuts only the fields its rules are narrow in, so a wildcard is never
        // copied across a cut of its own field. Where both addresses are wide, the ports are all there is to cut, so
        // rules wide in the destination port get a tree of their own too (else their copies stop every port cut and
        // the tree is one long leaf); it may cut any field. Splitting the other groups by port as well costs more in
        // trees visited than it saves (acl1 / fw1 / ipc1 18.2 / 12.1 / 8.8 Mpps rather than 21 / 20 / 13).
        final int portWideGroup = 4;
        final List<List<Integer>> groups = new ArrayList<>();
        for (int g = 0; g <= portWideGroup; g++)
        {
            groups.add(new ArrayList<>());
        }
        for (final int index : ipv4)
        {
            final FiveTupleRule rule = rules.get(index);
            final boolean srcWide = RuleStore.sourceLength(rule) < WIDE_PREFIX;
            final boolean dstWide = RuleStore.destinationLength(rule) < WIDE_PREFIX;
            final boolean portWide = rule.dstPortHi() - rule.dstPortLo() >= WIDE_PORTS;
            final int g = srcWide && dstWide && portWide ? portWideGroup : (srcWide ? 2 : 0) | (dstWide ? 1 : 0);
            groups.get(g).add(index);
        }
        final List<int[]> trees = new ArrayList<>();
        for (int g = 0; g <= portWideGroup; g++)
        {
            if (groups.get(g).isEmpty())
            {
                continue;
            }
            final int allowed = g == portWideGroup ? ALL_DIMENSIONS :
                ((g & 2) != 0 ? 0 : 1) | ((g & 1) != 0 ? 0 : 2) | 4 | 8 | 16;
            final int[] members = groups.get(g).stream().mapToInt(Integer::intValue).toArray();
            final long[] lo = {0, 0, 0, 0, 0};
            final int[] width = WIDTH.clone();
            final int root = builder.build(builder.prune(members, lo, width), lo, width, 0, allowed);
            trees.add(new int[] {members[0], root});
        }
        trees.sort((a, b) -> Integer.compare(a[0], b[0]));
        for (final int[] tree : trees)
        {
            builder.rootBest.add(tree[0]);
            builder.roots.add(tree[1]);
        }
        return new CutTreeClassifier(builder, store);
    }

    @Override
    public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
    {
        int best = Integer.MAX_VALUE;
        final int[] roots = this.roots;
        for (int t = 0; t < roots.length; t++)
        {
            if (rootBest[t] >= best)
            {
                break;
            }
            final int found = lookup(roots[t], src, dst, srcPort, dstPort, protocol);
            if (found < best)
            {
                best = found;
            }
        }
        return store.finishIpv4(best, src, dst, srcPort, dstPort, protocol);
    }

    private int lookup(final int root, final int src, final int dst, final int srcPort, final int dstPort,
        final int protocol)
    {
        final int[] nodes = this.nodes;
        int entry = root;
        int dimension;
        while ((dimension = entry & 7) != LEAF)
        {
            final int value;
            switch (dimension)
            {
                case 0 -> value = src;
                case 1 -> value = dst;
                case 2 -> value = srcPort;
                case 3 -> value = dstPort;
                default -> value = protocol;
            }
            // The shift count is taken mod 32, so the fields above it need no mask.
            final int part = (value >>> (entry >>> 3)) & ((2 << ((entry >>> 8) & 15)) - 1);
            entry = nodes[((entry >>> OFFSET_SHIFT) << 1) + part];
        }
        final int[] records = this.leafRecords;
        for (int at = entry & ~7; ; at += RuleStore.STRIDE)
        {
            final int index = records[at + RuleStore.STRIDE - 1];
            if (RuleStore.matchesAt(records, at, src, dst, srcPort, dstPort, protocol))
            {
                return index & Integer.MAX_VALUE;
            }
            if (index < 0)
            {
                return Integer.MAX_VALUE;
            }
        }
    }

    @Override
    public long memoryBytes()
    {
        return 4L * (roots.length + rootBest.length + nodes.length + leafRecords.length) + store.memoryBytes();
    }

    /** @return the number of inner nodes and distinct leaves. */
    public int nodeCount()
    {
        return nodeCount;
    }

    public int depth()
    {
        return depth;
    }

    /** Growable int array for the builder. */
    static final class Ints
    {
        private int[] values = new int[64];
        private int size;

        int add(final int value)
        {
            if (size == values.length)
            {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size] = value;
            return size++;
        }

        int size()
        {
            return size;
        }

        int[] toArray()
        {
            return Arrays.copyOf(values, size);
        }
    }

    /** Builds the trees depth-first, children before their parent. */
    static final class Builder
    {
        final long[][] boxes;
        final boolean[] exactBox;
        final int[] ruleData;
        final int nodeBudget;
        final Ints nodes = new Ints();
        final Ints leafRecords = new Ints();
        final Ints roots = new Ints();
        final Ints rootBest = new Ints();
        /** Leaves with the same rules share their records. */
        final Map<IntList, Integer> leaves = new HashMap<>();
        int nodeCount;
        int maxDepth;

        Builder(final long[][] boxes, final boolean[] exactBox, final int[] ruleData, final int nodeBudget)
        {
            this.boxes = boxes;
            this.exactBox = exactBox;
            this.ruleData = ruleData;
            this.nodeBudget = nodeBudget;
            // Record 0, the empty leaf: source low above source high, so it matches nothing.
            leafRecords.add(-1);
            for (int i = 1; i < RuleStore.STRIDE - 1; i++)
            {
                leafRecords.add(0);
            }
            leafRecords.add(Integer.MIN_VALUE);
        }

        /**
         * Keeps the rules that intersect the region, in priority order, up to and including the first that covers it
         * whole: no later rule can be the first match anywhere in it.
         */
        int[] prune(final int[] rules, final long[] lo, final int[] width)
        {
            final int[] kept = new int[rules.length];
            int count = 0;
            for (final int rule : rules)
            {
                final long[] box = boxes[rule];
                boolean intersects = true;
                boolean covers = true;
                for (int d = 0; d < DIMENSIONS; d++)
                {
                    final long regionLo = lo[d];
                    final long regionHi = lo[d] + (1L << width[d]) - 1;
                    final long ruleLo = box[2 * d];
                    final long ruleHi = box[2 * d + 1];
                    if (ruleHi < regionLo || ruleLo > regionHi)
                    {
                        intersects = false;
                        break;
                    }
                    if (ruleLo > regionLo || ruleHi < regionHi)
                    {
                        covers = false;
                    }
                }
                if (intersects)
                {
                    kept[count++] = rule;
                    if (covers && exactBox[rule])
                    {
                        break;
                    }
                }
            }
            return Arrays.copyOf(kept, count);
        }

        /**
         * @param rules the rules that intersect the region, in priority order, none after one that covers it whole.
         * @return the entry of the (sub)tree for the region.
         */
        int build(final int[] rules, final long[] regionLo, final int[] regionWidth, final int depth,
            final int allowedDims)
        {
            maxDepth = Math.max(maxDepth, depth);
            if (rules.length <= LEAF_RULES || depth >= MAX_DEPTH || nodes.size() > nodeBudget)
            {
                return leaf(rules);
            }
            final long[] lo = regionLo.clone();
            final int[] width = regionWidth.clone();
            compact(rules, lo, width);
            // Pick the cut: for each field and number of bits, count copies; keep the most parts within the budget,
            // preferring the smallest largest child. Child sizes come from a difference array: +1 at a rule's first
            // part, -1 after its last.
            int bestDim = -1;
            int bestBits = 0;
            long bestLargest = Long.MAX_VALUE;
            final int[] diff = new int[(1 << MAX_CUT_BITS) + 1];
            for (int d = 0; d < DIMENSIONS; d++)
            {
                if ((allowedDims & (1 << d)) == 0)
                {
                    continue;
                }
                final long regionHi = lo[d] + (1L << width[d]) - 1;
                for (int bits = 1; bits <= Math.min(MAX_CUT_BITS, width[d]); bits++)
                {
                    final int parts = 1 << bits;
                    final int shift = width[d] - bits;
                    Arrays.fill(diff, 0, parts + 1, 0);
                    long copies = 0;
                    for (final int rule : rules)
                    {
                        final long[] box = boxes[rule];
                        final int first = (int)((Math.max(box[2 * d], lo[d]) - lo[d]) >>> shift);
                        final int last = (int)((Math.min(box[2 * d + 1], regionHi) - lo[d]) >>> shift);
                        copies += last - first + 1;
                        diff[first]++;
                        diff[last + 1]--;
                    }
                    if (copies > (long)SPACE_FACTOR * rules.length && bits > 1)
                    {
                        break;
                    }
                    int largest = 0;
                    int running = 0;
                    for (int c = 0; c < parts; c++)
                    {
                        running += diff[c];
                        largest = Math.max(largest, running);
                    }
                    if (largest < bestLargest || (largest == bestLargest && bits > bestBits && d == bestDim))
                    {
                        bestLargest = largest;
                        bestDim = d;
                        bestBits = bits;
                    }
                }
            }
            if (bestDim < 0 || bestLargest >= rules.length)
            {
                return leaf(rules); // no cut separates these rules
            }
            final int[] childEntries = cut(rules, lo, width, depth, allowedDims, bestDim, bestBits);
            final int shift = width[bestDim] - bestBits;
            // The value's bit position: fields are right-aligned, so the cut uses bits [shift, shift + bits) of the
            // current interval, which are the value's bits at the same position.
            return bestDim | (shift << 3) | ((bestBits - 1) << 8) | (node(childEntries) << OFFSET_SHIFT);
        }

        /**
         * Shrinks the region, in each field, to the smallest aligned block that holds every rule's part of it, so
         * that cuts spend no bits where no rule is. A packet outside the block matches none of these rules, and
         * since it was inside the region it matches no rule of the whole tree: wherever the cut sends it, the
         * exact leaf check finds nothing, which is the right answer.
         */
        private void compact(final int[] rules, final long[] lo, final int[] width)
        {
            for (int d = 0; d < DIMENSIONS; d++)
            {
                final long regionHi = lo[d] + (1L << width[d]) - 1;
                long min = regionHi;
                long max = lo[d];
                for (final int rule : rules)
                {
                    final long[] box = boxes[rule];
                    min = Math.min(min, Math.max(box[2 * d], lo[d]));
                    max = Math.max(max, Math.min(box[2 * d + 1], regionHi));
                }
                final int bits = 64 - Long.numberOfLeadingZeros(min ^ max);
                lo[d] = min & -(1L << bits);
                width[d] = bits;
            }
        }

        /**
         * Cuts the region in {@code d} into 2^bits parts and builds each part. A rule goes to the parts it overlaps
         * (it overlaps the region in the other fields already), and a part takes no rules after the first that
         * covers it whole: this is {@link #prune} of each part, without rescanning every rule for every part.
         */
        private int[] cut(final int[] rules, final long[] lo, final int[] width, final int depth, final int allowedDims,
            final int d, final int bits)
        {
            final int parts = 1 << bits;
            final int shift = width[d] - bits;
            final long regionHi = lo[d] + (1L << width[d]) - 1;
            final int[][] lists = new int[parts][];
            final int[] sizes = new int[parts];
            final boolean[] closed = new boolean[parts];
            for (final int rule : rules)
            {
                final long[] box = boxes[rule];
                final int first = (int)((Math.max(box[2 * d], lo[d]) - lo[d]) >>> shift);
                final int last = (int)((Math.min(box[2 * d + 1], regionHi) - lo[d]) >>> shift);
                boolean coversOthers = exactBox[rule];
                for (int o = 0; o < DIMENSIONS && coversOthers; o++)
                {
                    coversOthers = o == d || (box[2 * o] <= lo[o] && box[2 * o + 1] >= lo[o] + (1L << width[o]) - 1);
                }
                for (int c = first; c <= last; c++)
                {
                    if (closed[c])
                    {
                        continue;
                    }
                    if (lists[c] == null)
                    {
                        lists[c] = new int[Math.min(rules.length, 16)];
                    }
                    else if (sizes[c] == lists[c].length)
                    {
                        lists[c] = Arrays.copyOf(lists[c], Math.min(rules.length, 2 * sizes[c]));
                    }
                    lists[c][sizes[c]++] = rule;
                    final long partLo = lo[d] + ((long)c << shift);
                    closed[c] = coversOthers && box[2 * d] <= partLo && box[2 * d + 1] >= partLo + (1L << shift) - 1;
                }
            }
            final int[] entries = new int[parts];
            final Map<IntList, Integer> shared = new HashMap<>();
            for (int c = 0; c < parts; c++)
            {
                final int[] childRules = lists[c] == null ? new int[0] : Arrays.copyOf(lists[c], sizes[c]);
                final long[] childLo = lo.clone();
                final int[] childWidth = width.clone();
                childLo[d] = lo[d] + ((long)c << shift);
                childWidth[d] = shift;
                // Siblings whose rules all cover them in d are the same subtree.
                final boolean allCover = coversDimension(childRules, d, childLo[d], shift);
                final IntList key = allCover ? new IntList(childRules) : null;
                Integer child = key == null ? null : shared.get(key);
                if (child == null)
                {
                    child = build(childRules, childLo, childWidth, depth + 1, allowedDims);
                    if (key != null)
                    {
                        shared.put(key, child);
                    }
                }
                entries[c] = child;
            }
            return entries;
        }

        /** Appends an inner node's child entries and returns where they start, halved (blocks start even). */
        private int node(final int[] entries)
        {
            nodeCount++;
            final int offset = nodes.size();
            for (final int entry : entries)
            {
                nodes.add(entry);
            }
            return offset >>> 1;
        }

        private boolean coversDimension(final int[] rules, final int d, final long regionLo, final int width)
        {
            final long regionHi = regionLo + (1L << width) - 1;
            for (final int rule : rules)
            {
                if (boxes[rule][2 * d] > regionLo || boxes[rule][2 * d + 1] < regionHi)
                {
                    return false;
                }
            }
            return true;
        }

        /** @return the entry of a leaf with {@code rules}, in priority order, sharing the records of an equal leaf. */
        private int leaf(final int[] rules)
        {
            if (rules.length == 0)
            {
                return EMPTY_LEAF;
            }
            final IntList key = new IntList(rules);
            final Integer known = leaves.get(key);
            if (known != null)
            {
                return known;
            }
            nodeCount++;
            final int first = leafRecords.size();
            for (int i = 0; i < rules.length; i++)
            {
                final int at = rules[i] * RuleStore.STRIDE;
                for (int f = 0; f < RuleStore.STRIDE - 1; f++)
                {
                    leafRecords.add(ruleData[at + f]);
                }
                leafRecords.add(i == rules.length - 1 ? rules[i] | Integer.MIN_VALUE : rules[i]);
            }
            final int entry = first | LEAF;
            leaves.put(key, entry);
            return entry;
        }
    }

    /** An int array as a map key. */
    record IntList(int[] values)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof IntList list && Arrays.equals(values, list.values);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(values);
        }
    }
}
