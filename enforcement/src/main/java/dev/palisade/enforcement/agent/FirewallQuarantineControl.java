package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.FirewallProgram;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.compile.Prefix;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link QuarantineControl} over the data plane's {@link Firewall}: each change builds a new program around a new
 * {@link Quarantine} and swaps it in, so it reaches every flow at its next packet. The configured management
 * allow-list (an incident responder's SSH, a forensics agent) still reaches quarantined workloads.
 * <p>
 * The quarantine lives in the firewall's program and carries over when a new release or fail-closed is installed;
 * it does not survive a restart of the agent.
 */
public final class FirewallQuarantineControl implements QuarantineControl
{
    private final Firewall firewall;
    private final List<Quarantine.ManagementAccess> managementAccess;
    private final Clock clock;
    private State state;

    /**
     * @param managementAccess connections still allowed to quarantined workloads.
     * @param clock            what {@link State#since} is read from.
     */
    public FirewallQuarantineControl(final Firewall firewall, final List<Quarantine.ManagementAccess> managementAccess,
        final Clock clock)
    {
        this.firewall = Objects.requireNonNull(firewall, "firewall");
        this.managementAccess = List.copyOf(managementAccess);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = stateOf(firewall.program(), null, clock.instant()); // shows a quarantine set before it too
    }

    /**
     * Parses one target: an address or prefix, {@code workload=NAME}, labels {@code key=value[,key=value]}, or a bare
     * workload name.
     *
     * @throws IllegalArgumentException saying what was wrong and what is expected.
     */
    public static Quarantine.Target parseTarget(final String text)
    {
        Objects.requireNonNull(text, "text");
        final String trimmed = text.strip();
        if (trimmed.isEmpty() || trimmed.indexOf('=') >= 0)
        {
            return Quarantine.Target.parse(trimmed);
        }
        try
        {
            return new Quarantine.Addresses(List.of(Prefix.of(Addresses.parseCidr(trimmed))));
        }
        catch (final IllegalArgumentException e)
        {
            if (looksLikeAddress(trimmed))
            {
                throw new IllegalArgumentException("invalid address '" + trimmed + "' in quarantine target: " +
                    e.getMessage() + "; expected an address or prefix such as 10.0.1.10 or 10.0.1.0/24 (for a workload " +
                    "of that name, write workload=" + trimmed + ")", e);
            }
        }
        return new Quarantine.Workload(trimmed);
    }

    /** Hex digits with dots, colons or a slash: meant as an address, so a typo is reported as one, not as a name. */
    private static boolean looksLikeAddress(final String text)
    {
        boolean separator = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '.' || c == ':' || c == '/')
            {
                separator = true;
            }
            else if (Character.digit(c, 16) < 0)
            {
                return false;
            }
        }
        return separator;
    }

    @Override
    public synchronized State quarantine(final List<String> targets, final String reason)
    {
        if (targets.isEmpty())
        {
            throw new IllegalArgumentException("no quarantine targets; name at least one workload, label or " +
                "address, or lift the quarantine instead");
        }
        final List<Quarantine.Target> parsed = new ArrayList<>(targets.size());
        for (final String target : targets)
        {
            parsed.add(parseTarget(target));
        }
        state = stateOf(firewall.quarantine(new Quarantine(parsed, managementAccess)), reason, clock.instant());
        return state;
    }

    @Override
    public synchronized State lift(final String reason)
    {
        state = stateOf(firewall.quarantine(Quarantine.NONE), reason, clock.instant());
        return state;
    }

    /** As the active program has it (a new release keeps the quarantine, with addresses resolved anew). */
    @Override
    public synchronized State current()
    {
        return stateOf(firewall.program(), state.reason(), state.since());
    }

    private static State stateOf(final FirewallProgram program, final String reason, final Instant since)
    {
        final List<String> targets = new ArrayList<>();
        for (final Quarantine.Target target : program.quarantine().targets())
        {
            targets.add(target.describe());
        }
        final List<String> addresses = new ArrayList<>();
        for (final Prefix prefix : program.quarantined().prefixes())
        {
            addresses.add(new Quarantine.Addresses(List.of(prefix)).describe());
        }
        return new State(!program.quarantine().isEmpty(), targets, addresses, reason, since, program.generation());
    }
}
