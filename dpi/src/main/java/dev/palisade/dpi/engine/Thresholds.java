package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.Rule;

/**
 * {@code threshold} and {@code detection_filter} state: per rule and tracked address, a count of matches within the
 * current time window. One per worker; a flow's packets all reach the same worker, and so does a host's traffic for
 * the common case of one host per flow direction. Bounded: when full, the table is cleared (thresholds then restart,
 * erring toward alerting again, never toward silence for good).
 */
final class Thresholds
{
    static final int CAPACITY = 1 << 16;

    private final long[] keys = new long[CAPACITY];
    private final long[] windowStartNs = new long[CAPACITY];
    private final int[] counts = new int[CAPACITY];
    private int size;

    /** @return true when this match may alert (and act), under the rule's threshold or detection filter. */
    boolean allow(final Rule rule, final Packet p)
    {
        final Rule.Threshold t = rule.threshold();
        if (t == null)
        {
            return true;
        }
        final long addressHi = t.trackBySource() ? p.srcHi : p.dstHi;
        final long addressLo = t.trackBySource() ? p.srcLo : p.dstLo;
        long key = rule.sid() * 0x9E37_79B9_7F4A_7C15L ^ rule.gid();
        key = (key ^ addressHi) * 0xBF58_476D_1CE4_E5B9L;
        key = (key ^ addressLo) * 0x94D0_49BB_1331_11EBL;
        key |= 1; // 0 marks a free slot
        int slot = (int)(key >>> 48) & (CAPACITY - 1);
        while (keys[slot] != 0 && keys[slot] != key)
        {
            slot = (slot + 1) & (CAPACITY - 1);
        }
        if (keys[slot] == 0)
        {
            if (size >= CAPACITY / 2)
            {
                java.util.Arrays.fill(keys, 0);
                size = 0;
                return allow(rule, p);
            }
            keys[slot] = key;
            windowStartNs[slot] = p.timestampNs;
            counts[slot] = 0;
            size++;
        }
        final long windowNs = t.seconds() * 1_000_000_000L;
        if (p.timestampNs - windowStartNs[slot] >= windowNs)
        {
            windowStartNs[slot] = p.timestampNs;
            counts[slot] = 0;
        }
        final int count = ++counts[slot];
        if (t.detectionFilter())
        {
            return count > t.count();
        }
        return switch (t.type())
        {
            case "limit" -> count <= t.count();
            case "threshold" ->
            {
                if (count >= t.count())
                {
                    counts[slot] = 0;
                    yield true;
                }
                yield false;
            }
            case "both" -> count == t.count();
            default -> true;
        };
    }
}
