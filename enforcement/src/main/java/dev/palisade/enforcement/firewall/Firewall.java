package dev.palisade.enforcement.firewall;

import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.Prefix;

import java.util.List;
import java.util.Objects;

/**
 * The firewall's control side, shared by all workers: holds the active {@link FirewallProgram} and replaces it when
 * a policy is installed or a quarantine changes. A new program is built here, off the packet path, then published
 * with one volatile write; each worker picks it up at the start of its next batch, so a batch never sees two
 * programs and a packet never sees half of one.
 * <p>
 * Flows decided under an earlier program carry its epoch tag; on their next packet they are either decided again
 * ({@link EstablishedFlows#RECHECK}) or keep their verdict ({@link EstablishedFlows#KEEP}). Either way a quarantine
 * change applies to every flow: it is checked at the next packet, and flows a quarantine cut are decided again when
 * it is lifted.
 * <p>
 * A DPU without a valid policy runs the fail-closed program ({@link #failClosed}, {@link #failClose}): its management
 * plane's connections and nothing else. Installing a policy, failing closed and changing the quarantine each carry the
 * others' state over: a quarantine stays in force through both.
 */
public final class Firewall
{
    /** What happens to established flows when the policy changes. */
    public enum EstablishedFlows
    {
        /** Decide them again against the new policy at their next packet (the default: a removed allow cuts them). */
        RECHECK,
        /** Keep the verdict they were given (connections in progress survive a policy change). */
        KEEP
    }

    private final RuleRegistry registry = new RuleRegistry();
    private final List<Prefix> host;
    private final EstablishedFlows establishedFlows;
    private volatile FirewallProgram program;
    private long generation;

    /**
     * @param host the addresses of the server behind this DPU (the policy's {@code host} entity).
     * @throws IllegalArgumentException when the policy cannot be made into a program (see
     *                                  {@link FirewallProgram.Builder#build}).
     */
    public Firewall(final CompiledPolicy policy, final List<Prefix> host, final EstablishedFlows establishedFlows)
    {
        this(new FirewallProgram.Builder(policy), host, establishedFlows);
    }

    private Firewall(final FirewallProgram.Builder first, final List<Prefix> host,
        final EstablishedFlows establishedFlows)
    {
        this.host = List.copyOf(host);
        this.establishedFlows = Objects.requireNonNull(establishedFlows, "establishedFlows");
        final FirewallProgram program = first.host(this.host).generation(1).build(registry);
        this.generation = program.generation();
        this.program = program;
    }

    /**
     * A firewall that starts fail-closed ({@link FirewallProgram#failClosed}): what a DPU runs until it has a valid
     * policy.
     *
     * @param host the addresses of the server behind this DPU: the policy's {@code host} entity, and never a
     *             management peer.
     */
    public static Firewall failClosed(final ManagementPlane management, final List<Prefix> host,
        final EstablishedFlows establishedFlows)
    {
        return new Firewall(FirewallProgram.failClosed(management), host, establishedFlows);
    }

    /** The addresses of the server behind this DPU (what the policy's {@code host} entity is bound to). */
    public List<Prefix> host()
    {
        return host;
    }

    /** The active program: workers read it once per batch. */
    public FirewallProgram program()
    {
        return program;
    }

    public RuleRegistry registry()
    {
        return registry;
    }

    public EstablishedFlows establishedFlows()
    {
        return establishedFlows;
    }

    /**
     * Builds a program for {@code policy} and makes it active. On error the active program stays. An active
     * quarantine carries over: its workloads and labels are resolved against the new inventory, and the addresses it
     * isolated so far stay isolated even if the new inventory no longer has them (lift it to release them).
     *
     * @return the new program.
     * @throws IllegalArgumentException when the policy cannot be made into a program.
     */
    public synchronized FirewallProgram install(final CompiledPolicy policy)
    {
        return publish(prepare(policy));
    }

    /**
     * Builds the program {@link #install} would make active, without making it active: so that a caller can load
     * other parts of a release (DPI rules) and then {@link #publish} it, or give up and leave the firewall as it was.
     * Hold this firewall's monitor from prepare to publish ({@code synchronized (firewall)}) so that no quarantine
     * change comes in between; otherwise publish refuses the stale program.
     *
     * @throws IllegalArgumentException when the policy cannot be made into a program.
     */
    public synchronized FirewallProgram prepare(final CompiledPolicy policy)
    {
        final FirewallProgram active = program;
        return new FirewallProgram.Builder(policy)
            .host(host)
            .quarantine(active.quarantine(), active.quarantined(), false)
            .generation(generation + 1)
            .recheck(establishedFlows == EstablishedFlows.RECHECK)
            .build(registry);
    }

    /**
     * Makes a program from {@link #prepare} active.
     *
     * @throws IllegalStateException when another program was installed since it was prepared (it would undo that
     *                               change): prepare it again.
     */
    public synchronized FirewallProgram publish(final FirewallProgram prepared)
    {
        if (prepared.generation() != generation + 1)
        {
            throw new IllegalStateException("the firewall changed (generation " + generation + ") since this " +
                "program was prepared for generation " + prepared.generation() + "; prepare it again");
        }
        return publishNext(prepared);
    }

    /**
     * Replaces the active program with the fail-closed one around {@code management}: every flow is dropped at its
     * next packet except the management plane's. The quarantine carries over (its addresses stay isolated).
     */
    public synchronized FirewallProgram failClose(final ManagementPlane management)
    {
        final FirewallProgram active = program;
        return publishNext(FirewallProgram.failClosed(management)
            .host(host)
            .quarantine(active.quarantine(), active.quarantined(), false)
            .generation(generation + 1)
            .recheck(true)
            .build(registry));
    }

    /**
     * Replaces the quarantine (use {@link Quarantine#NONE} to lift it). It takes effect at each flow's next packet.
     *
     * @throws IllegalArgumentException when a target names nothing in the active policy's inventory.
     */
    public synchronized FirewallProgram quarantine(final Quarantine quarantine)
    {
        final FirewallProgram active = program;
        final FirewallProgram.Builder builder = active.failClosed() ?
            FirewallProgram.failClosed(active.managementPlane()) : new FirewallProgram.Builder(active.policy());
        return publishNext(builder
            .host(host)
            .quarantine(quarantine, AddressSet.EMPTY, true)
            .generation(generation + 1)
            .recheck(establishedFlows == EstablishedFlows.RECHECK)
            .build(registry));
    }

    private FirewallProgram publishNext(final FirewallProgram next)
    {
        generation = next.generation();
        program = next;
        return next;
    }
}
