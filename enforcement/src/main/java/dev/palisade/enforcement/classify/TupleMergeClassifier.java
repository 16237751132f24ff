package dev.palisade.enforcement.classify;

import org.agrona.BitUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Tuple-space classification with merged tuples, after TupleMerge (Daly and Torng, "TupleMerge: Fast Software Packet
 * Processing for Online Packet Classification", IEEE/ACM ToN 2019).
 * <p>
 * Rules are grouped into hash tables. A table has a <em>tuple</em>: how many bits of each address it uses and whether
 * it uses the ports and the protocol. A rule can live in any table whose tuple is no more specific than the rule in
 * any field; the table hashes the rule's fields cut down to the tuple, and a bucket holds the few rules sharing that
 * cut-down key, each checked in full. Merging rules of nearby prefix lengths into one table (lengths are rounded down
 * to a multiple of {@link #PREFIX_STEP}) keeps tables few; a bucket that would exceed {@link #BUCKET_LIMIT} rules sends
 * the rule to another table instead, which keeps buckets short.
 * <p>
 * Lookup visits tables in order of the best (lowest) rule index they hold and stops as soon as the best match found
 * beats the next table's best rule. Buckets are keyed by a fixed function of the cut-down key, so two keys that
 * collide share a bucket: that adds candidates, each checked in full, and never hides one.
 * <p>
 * Kept as the in-process comparison point the issue measures against (TupleMerge is the published baseline):
 * 6.7 / 4.7 / 3.3 Mpps on ClassBench acl1 / fw1 / ipc1 10k here, where {@link CutTreeClassifier}, the default, does
 * better on all three. Most packets visit most tables; per-table top-byte filters skip many of them.
 * <p>
 * IPv4 rules (both prefixes inside {@code ::ffff:0:0/96}) are classified here; any other rules (IPv6, or prefixes
 * shorter than /96 such as {@code ::/0}) are checked by a linear scan alongside, and the lower index wins.
 */
public final class TupleMergeClassifier extends StoreBackedClassifier
{
    /**
     * Prefix lengths of new tables are rounded down to a multiple of this. Measured on the 10k ClassBench sets
     * (acl1 / fw1 / ipc1, Mpps): step 4: 6.0 / 2.2 / 1.5 with 76 / 67 / 154 tables; step 8: 6.7 / 2.9 / 2.3;
     * step 16: 6.3 / 3.1 / 3.3 with 20 / 44 / 35 tables. Fewer tables win because most packets visit most of them.
     */
    static final int PREFIX_STEP = 16;
    /** Most rules a bucket may hold before a rule is placed in another table (12 and 40 measured the same). */
    static final int BUCKET_LIMIT = 12;

    private final int[] ruleData;
    private final Table[] tables;
    private final int[] tableBest;
    /**
     * Per table, {@link #FILTER_STRIDE} longs: a 256-bit set of the source addresses' top bytes its rules can match,
     * then the same for destinations. A packet whose top bytes are not in both sets cannot match in that table, which
     * one bit test tells without hashing; most tables are skipped this way.
     */
    private final long[] tableFilters;
    static final int FILTER_STRIDE = 8;
    private final long memoryBytes;

    private TupleMergeClassifier(final RuleStore store, final Table[] tables)
    {
        super(store);
        this.ruleData = store.data;
        this.tables = tables;
        this.tableBest = new int[tables.length];
        this.tableFilters = new long[tables.length * FILTER_STRIDE];
        long bytes = store.memoryBytes() + 8L * tableFilters.length;
        for (int i = 0; i < tables.length; i++)
        {
            tableBest[i] = tables[i].best;
            System.arraycopy(tables[i].filter, 0, tableFilters, i * FILTER_STRIDE, FILTER_STRIDE);
            bytes += tables[i].memoryBytes();
        }
        this.memoryBytes = bytes;
    }

    public static TupleMergeClassifier build(final List<FiveTupleRule> rules)
    {
        final RuleStore store = new RuleStore(rules);
        final List<TableBuilder> builders = new ArrayList<>();
        for (final int index : store.ipv4Indices)
        {
            final FiveTupleRule rule = rules.get(index);
            final int sLen = RuleStore.sourceLength(rule);
            final int dLen = RuleStore.destinationLength(rule);
            final int src = (int)rule.srcLo();
            final int dst = (int)rule.dstLo();
            final boolean srcPortExact = rule.srcPortLo() == rule.srcPortHi();
            final boolean dstPortExact = rule.dstPortLo() == rule.dstPortHi();
            final boolean protocolExact = rule.protocolMask() == 0xFF;
            boolean placed = false;
            for (final TableBuilder builder : builders)
            {
                if (builder.fits(sLen, dLen, srcPortExact, dstPortExact, protocolExact) &&
                    builder.add(index, src, sLen, dst, dLen, rule.srcPortLo(), rule.dstPortLo(), rule.protocol()))
                {
                    placed = true;
                    break;
                }
            }
            if (!placed)
            {
                final TableBuilder builder = new TableBuilder(
                    sLen - sLen % PREFIX_STEP, dLen - dLen % PREFIX_STEP, srcPortExact, dstPortExact, protocolExact);
                if (!builder.add(index, src, sLen, dst, dLen, rule.srcPortLo(), rule.dstPortLo(), rule.protocol()))
                {
                    throw new IllegalStateException("a new table refused its first rule");
                }
                builders.add(builder);
            }
        }

        final Table[] tables = new Table[builders.size()];
        for (int i = 0; i < tables.length; i++)
        {
            tables[i] = builders.get(i).build();
        }
        Arrays.sort(tables, Comparator.comparingInt(table -> table.best));
        return new TupleMergeClassifier(store, tables);
    }

    @Override
    public int classifyIpv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
    {
        int best = Integer.MAX_VALUE;
        final Table[] tables = this.tables;
        final int[] tableBest = this.tableBest;
        final long[] filters = this.tableFilters;
        final int srcTop = src >>> 24;
        final int dstTop = dst >>> 24;
        final int srcWord = srcTop >>> 6;
        final int dstWord = 4 + (dstTop >>> 6);
        final long srcBit = 1L << srcTop;
        final long dstBit = 1L << dstTop;
        for (int t = 0; t < tables.length; t++)
        {
            if (tableBest[t] >= best)
            {
                break;
            }
            final int filter = t * FILTER_STRIDE;
            if ((filters[filter + srcWord] & srcBit) == 0 || (filters[filter + dstWord] & dstBit) == 0)
            {
                continue;
            }
            final int found = tables[t].find(src, dst, srcPort, dstPort, protocol, ruleData);
            if (found < best)
            {
                best = found;
            }
        }
        return store.finishIpv4(best, src, dst, srcPort, dstPort, protocol);
    }

    @Override
    public long memoryBytes()
    {
        return memoryBytes;
    }

    public int tableCount()
    {
        return tables.length;
    }

    /** One hash table of the tuple space: open addressing from the cut-down key to a bucket of rule indices. */
    static final class Table
    {
        final int srcMask;
        final int dstMask;
        final int srcPortMask;
        final int dstPortMask;
        final int protocolMask;
        final int best;
        /** Top-byte sets of sources (longs 0..3) and destinations (4..7) that the table's rules can match. */
        final long[] filter;
        private final int slotMask;
        /**
         * Two longs per slot, side by side so a probe reads one cache line: the key, then the bucket's start in
         * {@link #bucketRules} (high 32 bits) and length (low 32 bits); a length of 0 marks an empty slot.
         */
        private final long[] slots;
        private final int[] bucketRules;

        Table(final int srcMask, final int dstMask, final int srcPortMask, final int dstPortMask, final int protocolMask,
            final int best, final long[] filter, final long[] keys, final long[] buckets, final int[] bucketRules)
        {
            this.filter = filter;
            this.srcMask = srcMask;
            this.dstMask = dstMask;
            this.srcPortMask = srcPortMask;
            this.dstPortMask = dstPortMask;
            this.protocolMask = protocolMask;
            this.best = best;
            this.slots = new long[keys.length * 2];
            for (int i = 0; i < keys.length; i++)
            {
                slots[2 * i] = keys[i];
                slots[2 * i + 1] = buckets[i];
            }
            this.bucketRules = bucketRules;
            this.slotMask = keys.length - 1;
        }

        static long key(final int maskedSrc, final int maskedDst, final int maskedSrcPort, final int maskedDstPort,
            final int maskedProtocol)
        {
            // Addresses take 64 bits; ports and protocol are folded in by the hash below and checked by the rule.
            return ((long)maskedSrc << 32) | (maskedDst & 0xFFFF_FFFFL);
        }

        static int hash(final long addresses, final int portsAndProtocol)
        {
            final long h = (addresses * 0x9E37_79B9_7F4A_7C15L) ^ (portsAndProtocol * 0xC2B2_AE3D_27D4_EB4FL);
            return (int)(h >>> 32) ^ (int)h;
        }

        int find(final int src, final int dst, final int srcPort, final int dstPort, final int protocol,
            final int[] ruleData)
        {
            final long addresses = key(src & srcMask, dst & dstMask, 0, 0, 0);
            final int portsAndProtocol = (((srcPort & srcPortMask) << 16) | (dstPort & dstPortMask)) ^
                ((protocol & protocolMask) << 24);
            final long fullKey = addresses ^ ((long)portsAndProtocol * 0x9E37_79B9L);
            int slot = hash(addresses, portsAndProtocol) & slotMask;
            final long[] slots = this.slots;
            while (true)
            {
                final long bucket = slots[2 * slot + 1];
                if (bucket == 0)
                {
                    return Integer.MAX_VALUE;
                }
                if (slots[2 * slot] == fullKey)
                {
                    final int start = (int)(bucket >>> 32);
                    final int end = start + (int)bucket;
                    for (int i = start; i < end; i++)
                    {
                        final int rule = bucketRules[i];
                        if (RuleStore.matches(ruleData, rule, src, dst, srcPort, dstPort, protocol))
                        {
                            return rule;
                        }
                    }
                    return Integer.MAX_VALUE;
                }
                slot = (slot + 1) & slotMask;
            }
        }

        long memoryBytes()
        {
            return 64L + slots.length * 8L + bucketRules.length * 4L;
        }
    }

    /** Collects a table's rules during the build. */
    static final class TableBuilder
    {
        final int srcLength;
        final int dstLength;
        final boolean srcPortExact;
        final boolean dstPortExact;
        final boolean protocolExact;
        final int srcMask;
        final int dstMask;
        final int srcPortMask;
        final int dstPortMask;
        final int protocolMask;
        private final java.util.HashMap<Long, List<Integer>> buckets = new java.util.HashMap<>();
        private final java.util.LinkedHashMap<Long, int[]> keyParts = new java.util.LinkedHashMap<>();
        private int best = Integer.MAX_VALUE;
        private final long[] filter = new long[FILTER_STRIDE];

        TableBuilder(final int srcLength, final int dstLength, final boolean srcPortExact, final boolean dstPortExact,
            final boolean protocolExact)
        {
            this.srcLength = srcLength;
            this.dstLength = dstLength;
            this.srcPortExact = srcPortExact;
            this.dstPortExact = dstPortExact;
            this.protocolExact = protocolExact;
            this.srcMask = RuleStore.prefixMask(srcLength);
            this.dstMask = RuleStore.prefixMask(dstLength);
            this.srcPortMask = srcPortExact ? 0xFFFF : 0;
            this.dstPortMask = dstPortExact ? 0xFFFF : 0;
            this.protocolMask = protocolExact ? 0xFF : 0;
        }

        boolean fits(final int sLen, final int dLen, final boolean sPortExact, final boolean dPortExact,
            final boolean protoExact)
        {
            return srcLength <= sLen && dstLength <= dLen && (!srcPortExact || sPortExact) &&
                (!dstPortExact || dPortExact) && (!protocolExact || protoExact);
        }

        /** Adds a rule unless its bucket is full. Rules arrive in priority order, so buckets stay sorted. */
        boolean add(final int index, final int src, final int sourceLength, final int dst, final int destinationLength,
            final int srcPort, final int dstPort, final int protocol)
        {
            final long addresses = Table.key(src & srcMask, dst & dstMask, 0, 0, 0);
            final int portsAndProtocol = (((srcPort & srcPortMask) << 16) | (dstPort & dstPortMask)) ^
                ((protocol & protocolMask) << 24);
            final long fullKey = addresses ^ ((long)portsAndProtocol * 0x9E37_79B9L);
            final List<Integer> bucket = buckets.computeIfAbsent(fullKey, key -> new ArrayList<>());
            if (bucket.size() >= BUCKET_LIMIT)
            {
                return false;
            }
            bucket.add(index);
            markTopBytes(0, src, sourceLength);
            markTopBytes(4, dst, destinationLength);
            keyParts.putIfAbsent(fullKey, new int[] {(int)(addresses >>> 32), (int)addresses, portsAndProtocol});
            best = Math.min(best, index);
            return true;
        }

        /** Marks every top byte a prefix of {@code length} bits starting at {@code address} covers. */
        private void markTopBytes(final int base, final int address, final int length)
        {
            final int first = address >>> 24;
            final int count = length >= 8 ? 1 : 1 << (8 - length);
            for (int b = first; b < first + count; b++)
            {
                filter[base + (b >>> 6)] |= 1L << b;
            }
        }

        Table build()
        {
            final int slots = BitUtil.findNextPositivePowerOfTwo(Math.max(2, keyParts.size() * 2));
            final long[] keys = new long[slots];
            final long[] bucketSlots = new long[slots];
            int total = 0;
            for (final List<Integer> bucket : buckets.values())
            {
                total += bucket.size();
            }
            final int[] bucketRules = new int[total];
            int next = 0;
            for (final var entry : keyParts.entrySet())
            {
                final long fullKey = entry.getKey();
                final int[] parts = entry.getValue();
                final long addresses = ((long)parts[0] << 32) | (parts[1] & 0xFFFF_FFFFL);
                int slot = Table.hash(addresses, parts[2]) & (slots - 1);
                while (bucketSlots[slot] != 0)
                {
                    slot = (slot + 1) & (slots - 1);
                }
                final List<Integer> rules = buckets.get(fullKey);
                keys[slot] = fullKey;
                // Bucket start is stored +0 but the length is at least 1, so a used slot is never 0.
                bucketSlots[slot] = ((long)next << 32) | rules.size();
                for (final int rule : rules)
                {
                    bucketRules[next++] = rule;
                }
            }
            return new Table(srcMask, dstMask, srcPortMask, dstPortMask, protocolMask, best, filter, keys, bucketSlots,
                bucketRules);
        }
    }
}
