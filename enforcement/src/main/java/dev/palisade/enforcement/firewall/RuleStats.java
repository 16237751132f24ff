package dev.palisade.enforcement.firewall;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-rule counters summed over workers, with live flows folded in: exact packets, bytes and flows per rule, the last
 * hit, and for audit rules the same for the traffic they would have decided.
 *
 * @param lastHitNs packet time of the last packet or flow the rule decided (0: never); at the flow table's tick
 *                  resolution (about 1 ms) for packets of established flows.
 */
public record RuleStats(int slot, String tier, String name, long flows, long packets, long bytes, long lastHitNs,
    long auditFlows, long auditPackets, long auditBytes, long auditLastHitNs)
{
    public String qualifiedName()
    {
        return tier == null ? name : tier + "/" + name;
    }

    public boolean hit()
    {
        return flows != 0 || packets != 0 || auditFlows != 0;
    }

    /** Sums workers' snapshots (each already holding its live flows) into one list, by slot. */
    public static List<RuleStats> sum(final RuleRegistry registry, final List<RuleCounters> snapshots)
    {
        final List<RuleStats> out = new ArrayList<>();
        for (final RuleRegistry.Entry entry : registry.entries())
        {
            final int slot = entry.slot();
            long flows = 0;
            long packets = 0;
            long bytes = 0;
            long last = 0;
            long auditFlows = 0;
            long auditPackets = 0;
            long auditBytes = 0;
            long auditLast = 0;
            for (final RuleCounters c : snapshots)
            {
                if (slot < c.slots())
                {
                    flows += c.flows[slot];
                    packets += c.packets[slot];
                    bytes += c.bytes[slot];
                    last = Math.max(last, c.lastHitNs[slot]);
                    auditFlows += c.auditFlows[slot];
                    auditPackets += c.auditPackets[slot];
                    auditBytes += c.auditBytes[slot];
                    auditLast = Math.max(auditLast, c.auditLastHitNs[slot]);
                }
            }
            out.add(new RuleStats(slot, entry.tier(), entry.name(), flows, packets, bytes, last, auditFlows,
                auditPackets, auditBytes, auditLast));
        }
        return out;
    }
}
