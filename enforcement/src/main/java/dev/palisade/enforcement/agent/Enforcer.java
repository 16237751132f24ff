package dev.palisade.enforcement.agent;

import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.engine.RuleSet;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.FirewallProgram;
import dev.palisade.enforcement.firewall.ManagementPlane;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.Manifest;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicyDecoder;
import dev.palisade.policy.compile.Prefix;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the data plane enforces, from the agent's side: the {@link Firewall} (its program) and the {@link DpiEngine}
 * (its rules), which the workers read. A verified release becomes both, all or nothing ({@link #apply}); while there
 * is no valid release, the fail-closed program runs with no DPI rules ({@link #failClosed}, also the state a new
 * enforcer starts in).
 * <p>
 * The policy's symbolic {@code host} set is bound to this DPU's configured host addresses, as {@code palisade replay
 * --host} does. Verifying the release (signatures, expiry, target, version) is the caller's job, before
 * {@link #apply}: this class checks only that what it carries loads.
 * <p>
 * Thread-safe: changes are serialised, and the firewall's own lock is held from building the new program to
 * publishing it, so a quarantine change cannot slip in between and be undone.
 */
public final class Enforcer implements AutoCloseable
{
    /** Why a release could not be enforced; {@link #label()} is what the agent NACKs with. */
    public enum Reason
    {
        /** The compiled policy does not read, or cannot be made into a program. */
        POLICY_INVALID,
        /** A DPI rule does not load on this DPU, or the rule set does not compile. */
        RULES_INVALID;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A release that was not enforced: the reason, and a message that says what to do. The previous state stays. */
    public static final class EnforcementException extends Exception
    {
        private final Reason reason;

        public EnforcementException(final Reason reason, final String detail)
        {
            super(detail);
            this.reason = Objects.requireNonNull(reason, "reason");
        }

        public EnforcementException(final Reason reason, final String detail, final Throwable cause)
        {
            super(detail, cause);
            this.reason = Objects.requireNonNull(reason, "reason");
        }

        public Reason reason()
        {
            return reason;
        }

        @Override
        public String toString()
        {
            return reason.label() + ": " + getMessage();
        }
    }

    /**
     * What is enforced now.
     *
     * @param failClosed        true while no release is enforced (then version is 0 and digestHex null).
     * @param version           the release's version.
     * @param digestHex         the release's digest (SHA-256 of its manifest), hex.
     * @param segmentationRules rules of its policy.
     * @param dpiRules          DPI rules compiled and active.
     * @param dpiRulesNotCompiled DPI rules the engine left out when compiling (a pattern it cannot express); the
     *                          same on every DPU, so reported rather than refused.
     * @param generation        the firewall program's generation that enforces it.
     */
    public record Active(boolean failClosed, long version, String policyName, String digestHex,
        int segmentationRules, int dpiRules, int dpiRulesNotCompiled, long generation)
    {
        /** @return the release digest, or null when fail-closed: what {@code BundleVerifier.running} wants. */
        public byte[] digest()
        {
            return digestHex == null ? null : HexFormat.of().parseHex(digestHex);
        }
    }

    /** How many bad DPI rules a refusal names before it says "and N more". */
    private static final int RULES_NAMED = 3;

    private final ManagementPlane management;
    private final RuleVariables ruleVariables;
    private final Firewall firewall;
    private final DpiEngine dpi;
    private volatile Active active;

    /**
     * Starts fail-closed.
     *
     * @param host             this DPU's host addresses: the policy's {@code host} entity, never a management peer.
     * @param management       the DPU's management addresses and peers: what fail-closed still allows.
     * @param establishedFlows what a new policy does to flows already decided.
     * @param dpiConfig        inspection settings.
     * @param ruleVariables    the variables releases' DPI rules are parsed with ({@code $HOME_NET}…).
     * @throws IllegalStateException when the Hyperscan library cannot be loaded (the DPI engine needs it).
     */
    public Enforcer(final List<Prefix> host, final ManagementPlane management,
        final Firewall.EstablishedFlows establishedFlows, final DpiConfig dpiConfig, final RuleVariables ruleVariables)
    {
        this.management = Objects.requireNonNull(management, "management");
        this.ruleVariables = Objects.requireNonNull(ruleVariables, "ruleVariables");
        this.firewall = Firewall.failClosed(management, host, establishedFlows);
        this.dpi = new DpiEngine(dpiConfig, List.of(), ruleVariables);
        this.active = failClosedState(firewall.program());
    }

    /** The firewall the workers enforce (also what the quarantine control changes). */
    public Firewall firewall()
    {
        return firewall;
    }

    /** The inspection engine the workers inspect with. */
    public DpiEngine dpi()
    {
        return dpi;
    }

    public ManagementPlane management()
    {
        return management;
    }

    /** What is enforced now. */
    public Active active()
    {
        return active;
    }

    /**
     * Enforces a verified release: its policy becomes the firewall's program (the quarantine carries over) and its
     * DPI rules the engine's rules. Both load before either takes effect; if either does not, nothing changes.
     *
     * @return what is now enforced.
     * @throws EnforcementException {@link Reason#POLICY_INVALID} or {@link Reason#RULES_INVALID}, with what is wrong.
     */
    public synchronized Active apply(final Bundle bundle) throws EnforcementException
    {
        final Manifest manifest = bundle.manifest();
        final String release = "release " + manifest.version() + " (" + bundle.digestHex().substring(0, 16) + "…)";
        final CompiledPolicy policy = policyOf(bundle, release);
        final List<Rule> rules = rulesOf(bundle, release);
        synchronized (firewall)
        {
            final FirewallProgram prepared;
            try
            {
                prepared = firewall.prepare(policy);
            }
            catch (final IllegalArgumentException e)
            {
                throw new EnforcementException(Reason.POLICY_INVALID, "the policy of " + release + " cannot be " +
                    "enforced: " + e.getMessage() + "; the previous policy stays", e);
            }
            final RuleSet compiled;
            try
            {
                compiled = dpi.reload(rules);
            }
            catch (final RuntimeException e)
            {
                throw new EnforcementException(Reason.RULES_INVALID, "the DPI rules of " + release + " do not " +
                    "compile: " + e.getMessage() + "; fix the rule set and release again. The previous policy and " +
                    "rules stay", e);
            }
            final FirewallProgram program = firewall.publish(prepared);
            final Active now = new Active(false, manifest.version(), policy.name(), bundle.digestHex(),
                policy.rules().size(), compiled.size(), compiled.rejected().size(), program.generation());
            active = now;
            return now;
        }
    }

    /**
     * Installs the fail-closed program (only the management plane's connections pass) and removes every DPI rule:
     * what a DPU without a valid release enforces. The quarantine carries over.
     */
    public synchronized Active failClosed()
    {
        synchronized (firewall)
        {
            final FirewallProgram program = firewall.failClose(management); // first: nothing passes from here on
            dpi.reload(List.of());
            final Active now = failClosedState(program);
            active = now;
            return now;
        }
    }

    private static Active failClosedState(final FirewallProgram program)
    {
        return new Active(true, 0, program.policy().name(), null, 0, 0, 0, program.generation());
    }

    private static CompiledPolicy policyOf(final Bundle bundle, final String release) throws EnforcementException
    {
        final CompiledPolicy policy;
        try
        {
            policy = CompiledPolicyDecoder.decode(bundle.policy());
        }
        catch (final CompiledPolicyDecoder.FormatException e)
        {
            throw new EnforcementException(Reason.POLICY_INVALID, "the policy of " + release + " does not read: " +
                e.getMessage() + "; the policy service signed a policy this agent cannot read (check that both run " +
                "the same version) and the previous policy stays", e);
        }
        if (!policy.name().equals(bundle.manifest().policyName()))
        {
            throw new EnforcementException(Reason.POLICY_INVALID, "the manifest of " + release + " names policy '" +
                bundle.manifest().policyName() + "' but it carries policy '" + policy.name() + "'; release it " +
                "again from the policy service. The previous policy stays");
        }
        return policy;
    }

    /** The release's DPI rules, parsed as the policy service parsed them; every one must load. */
    private List<Rule> rulesOf(final Bundle bundle, final String release) throws EnforcementException
    {
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bundle.rules())).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new EnforcementException(Reason.RULES_INVALID, "the DPI rules of " + release + " are not UTF-8; " +
                "release it again from the policy service. The previous policy and rules stay", e);
        }
        final List<LoadResult> results = RuleFiles.parse(new RuleParser(ruleVariables), text, release);
        final List<Rule> loaded = new ArrayList<>(results.size());
        final List<String> problems = new ArrayList<>();
        for (final LoadResult result : results)
        {
            switch (result)
            {
                case LoadResult.Loaded ok -> loaded.add(ok.rule());
                case LoadResult.Skipped skipped -> problems.add("line " + skipped.line() + (skipped.sid() == 0 ? "" :
                    " (sid " + skipped.sid() + ")") + ": keyword '" + skipped.keyword() + "' is not implemented " +
                    "here");
                case LoadResult.Invalid invalid -> problems.add("line " + invalid.line() + (invalid.sid() == 0 ? "" :
                    " (sid " + invalid.sid() + ")") + ": " + invalid.message());
            }
        }
        if (!problems.isEmpty())
        {
            throw new EnforcementException(Reason.RULES_INVALID, problems.size() + " DPI rule" +
                (problems.size() == 1 ? " of " + release + " does" : "s of " + release + " do") +
                " not load on this DPU: " +
                String.join("; ", problems.subList(0, Math.min(RULES_NAMED, problems.size()))) +
                (problems.size() > RULES_NAMED ? "; and " + (problems.size() - RULES_NAMED) + " more" : "") +
                ". Check that the policy service and the agent run the same version and that the rule variables " +
                "agree; the previous policy and rules stay");
        }
        if (loaded.size() != bundle.manifest().ruleCount())
        {
            throw new EnforcementException(Reason.RULES_INVALID, "the manifest of " + release + " counts " +
                bundle.manifest().ruleCount() + " DPI rules but " + loaded.size() + " were found; release it again " +
                "from the policy service. The previous policy and rules stay");
        }
        return loaded;
    }

    /** Frees the DPI engine's native memory; call after the workers have stopped. */
    @Override
    public void close()
    {
        dpi.close();
    }
}
