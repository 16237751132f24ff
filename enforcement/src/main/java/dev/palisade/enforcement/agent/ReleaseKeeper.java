package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.VerificationKey;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a DPU does with a release the policy service pushes: verify it (root-pinned signature chain, targeted at this
 * DPU, not expired, version strictly greater than the active one and chained to it, payload digests), enforce it, keep
 * it on disk, and answer ACK or NACK with the reason. The real agent, the simulated agents of {@code bench agents}
 * and the tests all answer through this one class; the simulated ones leave out enforcement and the disk.
 *
 * <p>Order: verify, then enforce, then persist. A release that fails to persist is taken back (the previous one is
 * enforced again, or fail-closed when there was none) and NACKed {@code storage_failed}, so that what runs is what the
 * service was told and, but for a failed final directory flush (then the new release may be what a restart loads),
 * what a restart loads.
 */
public final class ReleaseKeeper implements PolicyClient.Target
{
    /** NACK reason: the release verified and enforced but could not be written to disk, so it was taken back. */
    public static final String STORAGE_FAILED = "storage_failed";

    /** Enforces a verified release; {@link Enforcer#apply} in the agent. */
    @FunctionalInterface
    public interface Enforcement
    {
        void enforce(Bundle bundle) throws Enforcer.EnforcementException;

        /** What a DPU without a valid release runs; called when a release is taken back and none preceded it. */
        default void failClosed()
        {
        }
    }

    /** Told of each decision, for the agent's event log. */
    public interface Listener
    {
        Listener NONE = new Listener()
        {
        };

        default void accepted(final long releaseId, final Bundle bundle)
        {
        }

        default void refused(final long releaseId, final long version, final String reason, final String detail)
        {
        }

        default void quarantine(final String reason)
        {
        }
    }

    private final String dpuId;
    private final Map<String, String> labels;
    private final VerificationKey root;
    private final InstantSource clock;
    private final Enforcement enforcement;
    private final BundleStore store;
    private final Supplier<JsonObject> counters;
    private final Listener listener;

    private volatile Bundle active;

    /**
     * @param enforcement what enforces a release, or null to only verify (simulated agents).
     * @param store       where accepted releases are kept, or null to keep none.
     * @param counters    the data plane's counters for reports.
     */
    public ReleaseKeeper(final String dpuId, final Map<String, String> labels, final VerificationKey root,
        final InstantSource clock, final Enforcement enforcement, final BundleStore store,
        final Supplier<JsonObject> counters, final Listener listener)
    {
        this.dpuId = Objects.requireNonNull(dpuId, "dpuId");
        this.labels = Map.copyOf(labels);
        this.root = Objects.requireNonNull(root, "root");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.enforcement = enforcement;
        this.store = store;
        this.counters = Objects.requireNonNull(counters, "counters");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Verifies only: what a simulated agent keeps (nothing enforced, nothing stored). */
    public static ReleaseKeeper verifyOnly(final String dpuId, final Map<String, String> labels,
        final VerificationKey root)
    {
        return new ReleaseKeeper(dpuId, labels, root, InstantSource.system(), null, null, JsonObject::new,
            Listener.NONE);
    }

    /**
     * Verifies a release as one arriving now would be (root, time, target; not the version, since nothing runs yet):
     * what trusted boot checks the stored release with.
     */
    public BundleVerifier bootVerifier()
    {
        return BundleVerifier.builder().root(root).now(clock.instant()).target(dpuId, labels).build();
    }

    /** Trusted boot found {@code bundle} on disk, verified it again and enforces it: it is the active release. */
    public synchronized void booted(final Bundle bundle)
    {
        active = Objects.requireNonNull(bundle, "bundle");
    }

    /** @return the active release, or null while fail-closed. */
    public Bundle active()
    {
        return active;
    }

    @Override
    public long activeVersion()
    {
        final Bundle bundle = active;
        return bundle == null ? 0 : bundle.manifest().version();
    }

    @Override
    public String activeDigest()
    {
        final Bundle bundle = active;
        return bundle == null ? null : bundle.digestHex();
    }

    @Override
    public synchronized PolicyClient.Outcome offer(final long releaseId, final byte[] encoded)
    {
        final Bundle previous = active;
        final List<KeyStatement.Signed> revocations = previous == null ? List.of() : previous.revocations();
        final BundleVerifier verifier = BundleVerifier.builder().root(root).now(clock.instant())
            .target(dpuId, labels).knownRevocations(revocations)
            .running(previous == null ? 0 : previous.manifest().version(), previous == null ? null : previous.digest())
            .build();
        final Bundle bundle;
        switch (verifier.verify(encoded))
        {
            case BundleVerifier.Rejected rejected ->
            {
                return refuse(releaseId, 0, rejected.reason().label(), rejected.detail());
            }
            case BundleVerifier.Verified verified -> bundle = verified.bundle();
        }
        final long version = bundle.manifest().version();
        if (enforcement != null)
        {
            try
            {
                enforcement.enforce(bundle);
            }
            catch (final Enforcer.EnforcementException e)
            {
                return refuse(releaseId, version, e.reason().label(), e.getMessage());
            }
        }
        if (store != null)
        {
            try
            {
                store.store(encoded);
            }
            catch (final IOException | RuntimeException e)
            {
                final String restored = restore(previous);
                return refuse(releaseId, version, STORAGE_FAILED, "release " + version + " could not be kept in " +
                    store.directory() + ": " + e.getMessage() + "; " + restored + ". Check the disk and the " +
                    "directory's permissions; the service sends the release again on reconnect");
            }
        }
        active = bundle;
        listener.accepted(releaseId, bundle);
        return new PolicyClient.Ack(version, bundle.digestHex());
    }

    /**
     * Enforces {@code previous} again (or fail-closed), and makes what is enforced the active release: what the hello
     * and the quotes then name. @return what was done.
     */
    private String restore(final Bundle previous)
    {
        if (enforcement == null)
        {
            return "nothing was enforced";
        }
        if (previous == null)
        {
            enforcement.failClosed();
            active = null;
            return "the agent is fail-closed again";
        }
        try
        {
            enforcement.enforce(previous);
            active = previous;
            return "release " + previous.manifest().version() + " is enforced again";
        }
        catch (final Enforcer.EnforcementException e)
        {
            enforcement.failClosed();
            active = null;
            return "release " + previous.manifest().version() + " could not be enforced again (" + e.getMessage() +
                "), so the agent is fail-closed";
        }
    }

    private PolicyClient.Outcome refuse(final long releaseId, final long version, final String reason,
        final String detail)
    {
        listener.refused(releaseId, version, reason, detail);
        return new PolicyClient.Nack(version, reason, detail);
    }

    @Override
    public JsonObject counters()
    {
        return counters.get();
    }

    @Override
    public void quarantine(final String reason)
    {
        listener.quarantine(reason);
    }
}
