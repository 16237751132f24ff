package dev.palisade.enforcement.agent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Isolating workloads behind this DPU, as the management API's responders ask ({@code PUT}/{@code DELETE
 * /v1/quarantine}). {@link FirewallQuarantineControl} swaps a new quarantine into the firewall; the agent may wrap it
 * (to persist or report the change).
 * <p>
 * Calls may take a while (a new firewall program is built) and are made off the event loop.
 */
public interface QuarantineControl
{
    /**
     * The quarantine in force.
     *
     * @param active     whether anything is quarantined.
     * @param targets    what was asked for, as written back ({@code workload=web-1}, {@code app=web}, {@code
     *                   10.0.1.0/24}).
     * @param addresses  the addresses isolated, as prefixes.
     * @param reason     why (the responder's words), or null.
     * @param since      when it was set or lifted.
     * @param generation the firewall program that enforces it.
     */
    record State(boolean active, List<String> targets, List<String> addresses, String reason, Instant since,
        long generation)
    {
        public State
        {
            targets = List.copyOf(targets);
            addresses = List.copyOf(addresses);
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Replaces the quarantine with {@code targets}: each a workload name of the policy's inventory ({@code web-1} or
     * {@code workload=web-1}), labels ({@code app=web} or {@code app=web,env=prod}: every label must match), or an
     * address or prefix ({@code 10.0.1.10}, {@code 2001:db8::/64}).
     *
     * @throws IllegalArgumentException when a target is malformed or names nothing; the message says which and what
     *                                  is expected. Nothing changes then.
     */
    State quarantine(List<String> targets, String reason);

    /** Lifts the quarantine: flows it cut are decided again at their next packet. */
    State lift(String reason);

    /** The quarantine in force now. */
    State current();
}
