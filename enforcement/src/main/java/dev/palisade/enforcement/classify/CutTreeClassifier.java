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
 * Two things keep the tree small where wildcard rules would otherwise be copied into every child: in each child, rules
 * after the first one that covers the child's whole box are dropped (they can never be the first match there), and
 * siblings whose rules all cover them fully share one subtree. The cut at each node is the one with the most parts
 * whose copies stay within {@link #SPACE_FACTOR} times the node's rules.
 * <p>
 * IPv4 rules are in the trees; other rules (IPv6, or prefixes shorter than /96) are scanned alongside and the lower
 * index wins.
 */
public final class CutTreeClassifier extends StoreBackedClassifier
{
    /*
     * Tuning, measured on ClassBench 10k sets (acl1 / fw1 / ipc1, Mpps on one core, build ms for acl1):
     *   leaf 8, space 4, wide 16: 8.7 / 11.8 / 5.2, 353 ms      leaf 16, space 4, wide 16: 9.9 / 9.4 / 5.0
     *   leaf 4, space 4, wide 16: 8.4 / 14.0 / 5.1              leaf 8, space 8, wide 16: 8.3 / 12.0 / 6.4, 524 ms
     *   leaf 8, space 4, wide 8:  8.3 / 11.7 / 7.8, 375 ms      leaf 4, space 4, wide 8:  8.0 / 14.0 / 7.9, 920 ms
     * The chosen row keeps every set's build well under a second.
     */
    static final int LEAF_RULES = 8;
    static final int SPACE_FACTOR = 4;
    static final int MAX_CUT_BITS = 8;
    static final int MAX_DEPTH = 24;
    /** An address prefix shorter than this makes a rule wide in that field. */
    static final int WIDE_PREFIX = 8;
    /** Guard against pathological rule sets: past this many nodes, nodes become leaves. */
    static final int NODE_BUDGET = 4_000_000;

    private static final int DIMENSIONS = 5;
    private static final int[] WIDTH = {32, 32, 16, 16, 8};

    /** Root node of each tree, in order of the best (lowest) rule index the tree holds. */
    private final int[] roots;
    private final int[] rootBest;
    /** Per node: for an inner node dimension | shift << 3 | bits << 8; -1 for a leaf. */
    private final int[] nodeInfo;
    /** Per node: first child in {@link #children}, or first rule in {@link #leafRules}. */
    private final int[] nodeStart;
    /** Per leaf: its number of rules. */
    private final int[] nodeLength;
    private final int[] children;
    private final int[] leafRules;
    private final int[] ruleData;
    private final int depth;

    private CutTreeClassifier(final Builder builder, final RuleStore store)
    {
        super(store);
        this.roots = builder.roots.toArray();
        this.rootBest = builder.rootBest.toArray();
        this.nodeInfo = builder.nodeInfo.toArray();
        this.nodeStart = builder.nodeStart.toArray();
        this.nodeLength = builder.nodeLength.toArray();
        this.children = builder.children.toArray();
        this.leafRules = builder.leafRules.toArray();
        this.ruleData = store.data;
        this.depth = builder.maxDepth;
    }

    public static CutTreeClassifier build(final List<FiveTupleRule> rules)
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
        final Builder builder = new Builder(boxes, exactBox);
        // Separable trees, after EffiCuts (Vamanan et al., SIGCOMM 2010): rules are grouped by which address fields
        // they are wide in, and each group's tree cuts only the fields its rules are narrow in, so a wildcard is never
        // copied across a cut of its own field.
        final List<List<Integer>> groups = new ArrayList<>();
        for (int g = 0; g < 4; g++)
        {
            groups.add(new ArrayList<>());
        }
        for (final int index : ipv4)
        {
            final FiveTupleRule rule = rules.get(index);
            final boolean srcWide = RuleStore.sourceLength(rule) < WIDE_PREFIX;
            final boolean dstWide = RuleStore.destinationLength(rule) < WIDE_PREFIX;
            groups.get((srcWide ? 2 : 0) | (dstWide ? 1 : 0)).add(index);
        }
        final List<int[]> trees = new ArrayList<>();
        for (int g = 0; g < 4; g++)
        {
            if (groups.get(g).isEmpty())
            {
                continue;
            }
            final int allowed = ((g & 2) != 0 ? 0 : 1) | ((g & 1) != 0 ? 0 : 2) | 4 | 8 | 16;
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
        final int[] nodeInfo = this.nodeInfo;
        final int[] nodeStart = this.nodeStart;
        int node = root;
        int info;
        while ((info = nodeInfo[node]) >= 0)
        {
            final int value;
            switch (info & 7)
            {
                case 0 -> value = src;
                case 1 -> value = dst;
                case 2 -> value = srcPort;
                case 3 -> value = dstPort;
                default -> value = protocol;
            }
            final int shift = (info >>> 3) & 31;
            final int mask = (1 << (info >>> 8)) - 1;
            node = children[nodeStart[node] + ((value >>> shift) & mask)];
        }
        final int start = nodeStart[node];
        final int end = start + nodeLength[node];
        for (int i = start; i < end; i++)
        {
            final int rule = leafRules[i];
            if (RuleStore.matches(ruleData, rule, src, dst, srcPort, dstPort, protocol))
            {
                return rule;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Override
    public long memoryBytes()
    {
        return 4L * (nodeInfo.length + nodeStart.length + nodeLength.length + children.length + leafRules.length) +
            store.memoryBytes();
    }

    public int nodeCount()
    {
        return nodeInfo.length;
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

        void set(final int index, final int value)
        {
            values[index] = value;
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

    /** Builds the tree depth-first; node 0 is the root. */
    static final class Builder
    {
        final long[][] boxes;
        final boolean[] exactBox;
        final Ints nodeInfo = new Ints();
        final Ints nodeStart = new Ints();
        final Ints nodeLength = new Ints();
        final Ints children = new Ints();
        final Ints leafRules = new Ints();
        final Ints roots = new Ints();
        final Ints rootBest = new Ints();
        int maxDepth;

        Builder(final long[][] boxes, final boolean[] exactBox)
        {
            this.boxes = boxes;
            this.exactBox = exactBox;
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
                    if (covers && isExactInBox(rule))
                    {
                        break;
                    }
                }
            }
            return Arrays.copyOf(kept, count);
        }

        /** A rule with a partial protocol mask is wider in its box than in truth, so it never ends a list. */
        private boolean isExactInBox(final int rule)
        {
            return exactBox[rule];
        }

        int build(final int[] rules, final long[] lo, final int[] width, final int depth, final int allowedDims)
        {
            maxDepth = Math.max(maxDepth, depth);
            final int node = nodeInfo.add(-1);
            nodeStart.add(0);
            nodeLength.add(0);
            if (rules.length <= LEAF_RULES || depth >= MAX_DEPTH || nodeInfo.size() > NODE_BUDGET)
            {
                return leaf(node, rules);
            }
            // Pick the cut: for each field and number of bits, count copies; keep the most parts within the budget,
            // preferring the smallest largest child.
            int bestDim = -1;
            int bestBits = 0;
            long bestLargest = Long.MAX_VALUE;
            for (int d = 0; d < DIMENSIONS; d++)
            {
                if ((allowedDims & (1 << d)) == 0)
                {
                    continue;
                }
                for (int bits = 1; bits <= Math.min(MAX_CUT_BITS, width[d]); bits++)
                {
                    final int parts = 1 << bits;
                    final int shift = width[d] - bits;
                    final int[] counts = new int[parts];
                    long copies = 0;
                    for (final int rule : rules)
                    {
                        final long[] box = boxes[rule];
                        final long first = (Math.max(box[2 * d], lo[d]) - lo[d]) >>> shift;
                        final long last = (Math.min(box[2 * d + 1], lo[d] + (1L << width[d]) - 1) - lo[d]) >>> shift;
                        copies += last - first + 1;
                        for (long c = first; c <= last; c++)
                        {
                            counts[(int)c]++;
                        }
                    }
                    if (copies + parts > (long)SPACE_FACTOR * rules.length + parts && bits > 1)
                    {
                        break;
                    }
                    int largest = 0;
                    for (final int c : counts)
                    {
                        largest = Math.max(largest, c);
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
                return leaf(node, rules); // no cut separates these rules
            }
            final int parts = 1 << bestBits;
            final int shift = width[bestDim] - bestBits;
            // The value's bit position: fields are right-aligned, so the cut uses bits [shift, shift + bits) of the
            // current interval, which are the value's bits at the same position.
            nodeInfo.set(node, bestDim | (shift << 3) | (bestBits << 8));
            final int firstChild = children.size();
            for (int c = 0; c < parts; c++)
            {
                children.add(0);
            }
            nodeStart.set(node, firstChild);
            final Map<String, Integer> shared = new HashMap<>();
            for (int c = 0; c < parts; c++)
            {
                final long[] childLo = lo.clone();
                final int[] childWidth = width.clone();
                childLo[bestDim] = lo[bestDim] + ((long)c << shift);
                childWidth[bestDim] = shift;
                final int[] childRules = prune(rules, childLo, childWidth);
                final boolean allCover = coversDimension(childRules, bestDim, childLo[bestDim], shift);
                final String key = allCover ? Arrays.toString(childRules) : null;
                Integer child = key == null ? null : shared.get(key);
                if (child == null)
                {
                    child = build(childRules, childLo, childWidth, depth + 1, allowedDims);
                    if (key != null)
                    {
                        shared.put(key, child);
                    }
                }
                children.set(firstChild + c, child);
            }
            return node;
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

        private int leaf(final int node, final int[] rules)
        {
            nodeStart.set(node, leafRules.size());
            nodeLength.set(node, rules.length);
            for (final int rule : rules)
            {
                leafRules.add(rule);
            }
            return node;
        }
    }
}
