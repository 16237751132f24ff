package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.conntrack.FlowTable;

/**
 * The firewall's answer for one flow, written by {@link FirewallProgram#decide} into an instance the worker reuses, so
 * deciding allocates nothing.
 */
public final class Decision
{
    /** Index of the deciding rule in the compiled policy, or -1 for a decision of the firewall's own (see slot). */
    public int rule;
    /** Counter slot ({@link RuleRegistry}) of the deciding rule or of the firewall's own decision. */
    public int slot;
    /** {@link FlowTable#FLAG_DECIDED}, with {@link FlowTable#FLAG_DROP} and {@link FlowTable#FLAG_REJECT} as decided. */
    public int flags;
    /** The first audit rule met when audit rules are enforced too, or -1: that rule "would" have decided. */
    public int auditRule;
    /** Its counter slot, or -1. */
    public int auditSlot;
    /** The verdict flags the flow would have had with audit rules enforced (meaningful when auditRule >= 0). */
    public int auditFlags;

    public boolean dropped()
    {
        return (flags & FlowTable.FLAG_DROP) != 0;
    }

    void reset()
    {
        rule = -1;
        slot = RuleRegistry.DEFAULT_ALLOW;
        flags = FlowTable.FLAG_DECIDED;
        auditRule = -1;
        auditSlot = -1;
        auditFlags = 0;
    }
}
