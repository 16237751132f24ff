package dev.palisade.policy.model;

import java.util.List;
import java.util.Map;

/** A parsed, validated policy document. Tiers are evaluated in {@link TierName} order. */
public record Policy(String name, String description, Inventory inventory, Map<TierName, List<Rule>> tiers,
    SourceLocation at)
{
    /** The fixed tier order. */
    public enum TierName
    {
        EMERGENCY, PLATFORM, APPLICATION, BASELINE;

        public String label()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
