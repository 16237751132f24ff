package dev.palisade.enforcement.firewall;

import java.util.Arrays;

/**
 * One worker's per-rule counters, by {@link RuleRegistry} slot. Flows are counted when decided; packets and bytes are
 * folded in from the flow table's exact per-flow totals when a flow leaves the table (or is decided again under
 * another rule), so the packet path never touches these arrays for established traffic. A snapshot folds the live
 * flows in as well ({@link WorkerFirewall#snapshot}). Owned by the worker thread.
 */
public final class RuleCounters
{
    long[] flows = new long[0];
    long[] packets = new long[0];
    long[] bytes = new long[0];
    long[] lastHitNs = new long[0];
    long[] auditFlows = new long[0];
    long[] auditPackets = new long[0];
    long[] auditBytes = new long[0];
    long[] auditLastHitNs = new long[0];

    /** Grows the arrays to hold {@code slots} slots (when a new program brings new rules; off the packet path). */
    void ensure(final int slots)
    {
        if (slots <= flows.length)
        {
            return;
        }
        flows = Arrays.copyOf(flows, slots);
        packets = Arrays.copyOf(packets, slots);
        bytes = Arrays.copyOf(bytes, slots);
        lastHitNs = Arrays.copyOf(lastHitNs, slots);
        auditFlows = Arrays.copyOf(auditFlows, slots);
        auditPackets = Arrays.copyOf(auditPackets, slots);
        auditBytes = Arrays.copyOf(auditBytes, slots);
        auditLastHitNs = Arrays.copyOf(auditLastHitNs, slots);
    }

    public int slots()
    {
        return flows.length;
    }

    void flow(final int slot, final long nowNs)
    {
        flows[slot]++;
        lastHitNs[slot] = Math.max(lastHitNs[slot], nowNs);
    }

    void auditFlow(final int slot, final long nowNs)
    {
        auditFlows[slot]++;
        auditLastHitNs[slot] = Math.max(auditLastHitNs[slot], nowNs);
    }

    /** Adds traffic to a rule: a flow's totals when it ends, or a packet decided without a flow. */
    void traffic(final int slot, final long packetCount, final long byteCount, final long lastNs)
    {
        packets[slot] += packetCount;
        bytes[slot] += byteCount;
        lastHitNs[slot] = Math.max(lastHitNs[slot], lastNs);
    }

    void auditTraffic(final int slot, final long packetCount, final long byteCount, final long lastNs)
    {
        auditPackets[slot] += packetCount;
        auditBytes[slot] += byteCount;
        auditLastHitNs[slot] = Math.max(auditLastHitNs[slot], lastNs);
    }

    RuleCounters copy()
    {
        final RuleCounters copy = new RuleCounters();
        copy.flows = flows.clone();
        copy.packets = packets.clone();
        copy.bytes = bytes.clone();
        copy.lastHitNs = lastHitNs.clone();
        copy.auditFlows = auditFlows.clone();
        copy.auditPackets = auditPackets.clone();
        copy.auditBytes = auditBytes.clone();
        copy.auditLastHitNs = auditLastHitNs.clone();
        return copy;
    }
}
