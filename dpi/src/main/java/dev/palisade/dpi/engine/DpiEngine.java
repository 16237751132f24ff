package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.Rule;

import java.util.List;

/**
 * The inspection engine shared by a data plane's workers: its settings, and the active {@link RuleSet}. A new rule
 * set is compiled off the packet path and published with one volatile write; each worker adopts it at the start of
 * its next batch ({@link Inspector#adopt}), and the old set's native databases are freed when the last worker has
 * let it go. Packets in flight finish under the set they started with.
 */
public final class DpiEngine implements AutoCloseable
{
    private final DpiConfig config;
    private final FlowbitNames flowbits = new FlowbitNames();
    private final Object swapLock = new Object();
    private volatile RuleSet active;
    private volatile long generation;

    public DpiEngine(final DpiConfig config, final List<Rule> rules)
    {
        this.config = config;
        this.active = RuleSet.compile(rules, flowbits, config.actionOrder());
    }

    public DpiConfig config()
    {
        return config;
    }

    /** @return the active rule set (for reporting; workers hold their own reference). */
    public RuleSet rules()
    {
        return active;
    }

    long generation()
    {
        return generation;
    }

    /** Retains and returns the active set for a worker, which must {@link RuleSet#release} it when done. */
    RuleSet acquire()
    {
        while (true)
        {
            final RuleSet set = active;
            if (set.retain())
            {
                return set;
            }
        }
    }

    /**
     * Compiles {@code rules} and makes them the active set (hot reload). Compilation happens on the caller's thread;
     * workers switch at their next batch.
     *
     * @return the new set (for its report: size, rejected rules, compile time).
     */
    public RuleSet reload(final List<Rule> rules)
    {
        final RuleSet next = RuleSet.compile(rules, flowbits, config.actionOrder());
        final RuleSet previous;
        synchronized (swapLock)
        {
            previous = active;
            active = next;
            generation++;
        }
        previous.release();
        return next;
    }

    @Override
    public void close()
    {
        active.release();
    }
}
