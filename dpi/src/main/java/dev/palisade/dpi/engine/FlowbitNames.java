package dev.palisade.dpi.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Engine-wide ids for flowbit names, append-only, so that the bits a flow carries keep their meaning when a new rule
 * set is swapped in under it.
 */
final class FlowbitNames
{
    /** A bound on distinct names, so a rule set cannot make every flow's bit set grow without limit. */
    static final int MAX_NAMES = 65_536;

    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    int id(final String name)
    {
        return ids.computeIfAbsent(name, n ->
        {
            final int id = next.getAndIncrement();
            if (id >= MAX_NAMES)
            {
                throw new IllegalStateException("more than " + MAX_NAMES + " distinct flowbit names");
            }
            return id;
        });
    }

    int size()
    {
        return next.get();
    }
}
