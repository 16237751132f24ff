package dev.palisade.dpi.engine;

import dev.palisade.dpi.hyperscan.Hyperscan;
import dev.palisade.dpi.rules.AddressMatcher;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;

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

    private final AddressMatcher home;
    private final AddressMatcher external;

    /** An engine for rules loaded with Suricata's default variables. */
    public DpiEngine(final DpiConfig config, final List<Rule> rules)
    {
        this(config, rules, RuleVariables.defaults());
    }

    /** @param variables the variables the rules were loaded with ({@code $HOME_NET} groups the prefilters). */
    public DpiEngine(final DpiConfig config, final List<Rule> rules, final RuleVariables variables)
    {
        this.config = config;
        this.home = addressOf("$HOME_NET", variables);
        this.external = addressOf("$EXTERNAL_NET", variables);
        this.active = RuleSet.compile(rules, flowbits, config.actionOrder(), home, external);
        Hyperscan.releaseCompilerMemory();
    }

    /** The matcher a rule header gets for {@code variable}, parsed as any rule's would be (so equal ones compare equal). */
    private static AddressMatcher addressOf(final String variable, final RuleVariables variables)
    {
        final LoadResult result = new RuleParser(variables).parse("alert ip " + variable + " any -> any any (sid:1;)",
            "variables", 0);
        return result instanceof LoadResult.Loaded loaded ? loaded.rule().source() : AddressMatcher.ANY;
    }

    AddressMatcher home()
    {
        return home;
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
        final RuleSet next = RuleSet.compile(rules, flowbits, config.actionOrder(), home, external);
        Hyperscan.releaseCompilerMemory();
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
