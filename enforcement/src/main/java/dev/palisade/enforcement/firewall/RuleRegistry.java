package dev.palisade.enforcement.firewall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counter slots for rules, stable across policy versions: a rule keeps its slot, and so its counters, for as long as
 * a rule of that tier and name exists in some version, so a flow admitted under one version and kept under the next
 * still counts against the rule operators know it by. A few slots are the firewall's own decisions.
 * <p>
 * Slots are handed out when a program is built (off the packet path, under the firewall's lock); workers only read
 * the names of slots they have seen.
 */
public final class RuleRegistry
{
    /** No rule decided and neither endpoint is a selected workload. */
    public static final int DEFAULT_ALLOW = 0;
    /** No rule decided and an endpoint is a workload some rule selects. */
    public static final int DEFAULT_DENY = 1;
    /** An endpoint is quarantined. */
    public static final int QUARANTINE = 2;
    /** Allowed to a quarantined workload by the management allow-list. */
    public static final int MANAGEMENT = 3;
    static final int RESERVED = 4;
    /**
     * What the fail-closed program drops. Reserved when a firewall first fails closed (not with the slots above), so
     * that a firewall that never does lists no such slot.
     */
    public static final String FAIL_CLOSED = "fail-closed";

    /** What a slot counts for. {@code tier} is null for the reserved slots. */
    public record Entry(int slot, String tier, String name)
    {
        /** @return "tier/name" for a rule, the bare name for a reserved slot. */
        public String qualifiedName()
        {
            return tier == null ? name : tier + "/" + name;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Integer> slots = new HashMap<>();

    public RuleRegistry()
    {
        reserve(DEFAULT_ALLOW, "default-allow");
        reserve(DEFAULT_DENY, "default-deny");
        reserve(QUARANTINE, "quarantine");
        reserve(MANAGEMENT, "management");
    }

    private void reserve(final int slot, final String name)
    {
        entries.add(new Entry(slot, null, name));
        slots.put(name, slot);
    }

    /**
     * @return the slot of the firewall's own decision {@code name} (such as {@link #FAIL_CLOSED}), assigning the next
     *         free one the first time.
     */
    public synchronized int reservedSlot(final String name)
    {
        if (name.indexOf('/') >= 0)
        {
            throw new IllegalArgumentException("a reserved slot's name has no '/' (rules are tier/name): " + name);
        }
        final Integer existing = slots.get(name);
        if (existing != null)
        {
            return existing;
        }
        final int slot = entries.size();
        reserve(slot, name);
        return slot;
    }

    /** @return the slot of the firewall's own decision {@code name}, or -1 when none was reserved. */
    public synchronized int existingReservedSlot(final String name)
    {
        final Integer existing = name.indexOf('/') >= 0 ? null : slots.get(name);
        return existing == null ? -1 : existing;
    }

    /** @return the slot of the rule {@code name} of {@code tier}, assigning the next free one the first time. */
    public synchronized int slotFor(final String tier, final String name)
    {
        final String key = tier + "/" + name;
        final Integer existing = slots.get(key);
        if (existing != null)
        {
            return existing;
        }
        final int slot = entries.size();
        entries.add(new Entry(slot, tier, name));
        slots.put(key, slot);
        return slot;
    }

    public synchronized int size()
    {
        return entries.size();
    }

    public synchronized Entry entry(final int slot)
    {
        return entries.get(slot);
    }

    public synchronized List<Entry> entries()
    {
        return List.copyOf(entries);
    }
}
