package dev.palisade.policy.bundle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a DPU may run a bundle. Fails closed: a bundle is {@link Verified} only when every check below
 * holds, and otherwise {@link Rejected} with the first check that failed.
 * <ol>
 * <li>it reads as a bundle ({@code malformed_bundle});</li>
 * <li>every signature's certificate is from the pinned root ({@code unknown_root}) and signed by it
 *     ({@code certificate_invalid}); every revocation carried, or already known, is signed by the root
 *     ({@code revocation_invalid});</li>
 * <li>the signing key was certified when the release was issued ({@code signing_key_not_valid}) and not revoked by
 *     then ({@code signing_key_revoked});</li>
 * <li>each signature over the manifest holds ({@code signature_invalid});</li>
 * <li>the payloads are the ones the manifest names ({@code payload_digest_mismatch});</li>
 * <li>it was not issued in the future ({@code issued_in_future}) and has not expired ({@code expired});</li>
 * <li>when asked: it targets this DPU ({@code not_targeted}), is newer than the running release
 *     ({@code version_not_newer}), and chains to it ({@code previous_mismatch}).</li>
 * </ol>
 */
public final class BundleVerifier
{
    /** Why a bundle was refused; {@link #label()} is the stable snake_case name that CLIs, events and NACKs carry. */
    public enum Reason
    {
        MALFORMED_BUNDLE,
        UNKNOWN_ROOT,
        CERTIFICATE_INVALID,
        REVOCATION_INVALID,
        SIGNING_KEY_NOT_VALID,
        SIGNING_KEY_REVOKED,
        SIGNATURE_INVALID,
        PAYLOAD_DIGEST_MISMATCH,
        ISSUED_IN_FUTURE,
        EXPIRED,
        NOT_TARGETED,
        VERSION_NOT_NEWER,
        PREVIOUS_MISMATCH;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The outcome of {@link #verify}. */
    public sealed interface Result
    {
    }

    /** Every check held. */
    public record Verified(Bundle bundle) implements Result
    {
    }

    /** A check failed: which one, and what exactly. */
    public record Rejected(Reason reason, String detail) implements Result
    {
        @Override
        public String toString()
        {
            return reason.label() + ": " + detail;
        }
    }

    private final VerificationKey root;
    private final Instant now;
    private final Duration clockSkew;
    private final List<KeyStatement.Signed> knownRevocations;
    private final String dpuId;
    private final Map<String, String> dpuLabels;
    private final long runningVersion;
    private final byte[] runningDigest;

    private BundleVerifier(final Builder builder)
    {
        this.root = Objects.requireNonNull(builder.root, "root");
        this.now = Objects.requireNonNull(builder.now, "now");
        this.clockSkew = builder.clockSkew;
        this.knownRevocations = List.copyOf(builder.knownRevocations);
        this.dpuId = builder.dpuId;
        this.dpuLabels = builder.dpuLabels;
        this.runningVersion = builder.runningVersion;
        this.runningDigest = builder.runningDigest;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Reads and checks an encoded bundle; never throws on bad bytes. */
    public Result verify(final byte[] encoded)
    {
        final Bundle bundle;
        try
        {
            bundle = Bundle.decode(encoded);
        }
        catch (final BundleFormatException e)
        {
            return new Rejected(Reason.MALFORMED_BUNDLE, e.getMessage());
        }
        return verify(bundle);
    }

    /** Checks a decoded bundle. */
    public Result verify(final Bundle bundle)
    {
        if (bundle.signatures().isEmpty())
        {
            return new Rejected(Reason.MALFORMED_BUNDLE, "no signatures");
        }
        final Manifest manifest = bundle.manifest();
        final List<KeyStatement.Revocation> revocations = new ArrayList<>();
        final List<KeyStatement.Signed> allRevocations = new ArrayList<>(knownRevocations);
        allRevocations.addAll(bundle.revocations());
        for (final KeyStatement.Signed revocation : allRevocations)
        {
            if (!(revocation.statement() instanceof KeyStatement.Revocation statement))
            {
                return new Rejected(Reason.MALFORMED_BUNDLE, "a certificate among the revocations: " +
                    revocation.describe());
            }
            if (!revocation.signedBy(root))
            {
                return new Rejected(Reason.REVOCATION_INVALID, revocation.describe() + " is not signed by the pinned " +
                    "root " + root);
            }
            revocations.add(statement);
        }
        final byte[] signingInput = Bundle.signingInput(bundle.manifestBytes());
        int index = 0;
        for (final Bundle.Signature signature : bundle.signatures())
        {
            index++;
            if (!(signature.certificate().statement() instanceof KeyStatement.Certificate certificate))
            {
                return new Rejected(Reason.MALFORMED_BUNDLE, "a signature comes with a revocation, not a certificate");
            }
            final String which = bundle.signatures().size() == 1 ? "the signature" : "signature " + index;
            if (!root.hasKeyId(certificate.rootKeyId()))
            {
                return new Rejected(Reason.UNKNOWN_ROOT, which + " is certified by root " + shortHex(
                    certificate.rootKeyId()) + ", not by the pinned root " + shortHex(root.keyId()));
            }
            if (!signature.certificate().signedBy(root))
            {
                return new Rejected(Reason.CERTIFICATE_INVALID, "the root's signature on " +
                    signature.certificate().describe() + " does not hold");
            }
            if (!certificate.covers(manifest.issuedAt()))
            {
                return new Rejected(Reason.SIGNING_KEY_NOT_VALID, "the release was issued " + manifest.issuedAt() +
                    ", outside " + signature.certificate().describe());
            }
            for (final KeyStatement.Revocation revocation : revocations)
            {
                if (Arrays.equals(revocation.subjectKeyId(), certificate.subjectKeyId()) &&
                    !manifest.issuedAt().isBefore(revocation.revokedAt()))
                {
                    return new Rejected(Reason.SIGNING_KEY_REVOKED, "the signing key " + certificate.key() + " was " +
                        "revoked from " + revocation.revokedAt() + " (" + revocation.reason() + "); the release " +
                        "was issued " + manifest.issuedAt());
                }
            }
            if (!certificate.key().verify(signingInput, signature.signature()))
            {
                return new Rejected(Reason.SIGNATURE_INVALID, which + " by " + certificate.key() + " does not " +
                    "hold over the manifest");
            }
        }
        if (!Arrays.equals(VerificationKey.sha256(bundle.policy()), manifest.policyDigest()))
        {
            return new Rejected(Reason.PAYLOAD_DIGEST_MISMATCH, "the policy's SHA-256 is not the manifest's " +
                shortHex(manifest.policyDigest()));
        }
        if (!Arrays.equals(VerificationKey.sha256(bundle.rules()), manifest.rulesDigest()))
        {
            return new Rejected(Reason.PAYLOAD_DIGEST_MISMATCH, "the rules' SHA-256 is not the manifest's " +
                shortHex(manifest.rulesDigest()));
        }
        if (manifest.issuedAt().isAfter(now.plus(clockSkew)))
        {
            return new Rejected(Reason.ISSUED_IN_FUTURE, "issued " + manifest.issuedAt() + ", and it is " + now +
                " here (allowing " + clockSkew.toSeconds() + " s of clock skew)");
        }
        if (!now.isBefore(manifest.expiresAt()))
        {
            return new Rejected(Reason.EXPIRED, "expired " + manifest.expiresAt() + "; it is " + now);
        }
        if (dpuId != null && !manifest.target().matches(dpuId, dpuLabels))
        {
            return new Rejected(Reason.NOT_TARGETED, "the release is for " + manifest.target() + ", not DPU '" +
                dpuId + "' " + dpuLabels);
        }
        if (manifest.version() <= runningVersion)
        {
            return new Rejected(Reason.VERSION_NOT_NEWER, "version " + manifest.version() + " is not newer than the " +
                "running version " + runningVersion);
        }
        if (runningDigest != null && manifest.version() == runningVersion + 1 &&
            !Arrays.equals(manifest.previousDigest(), runningDigest))
        {
            // Only the next version must chain to ours: a DPU that missed releases catches up to the latest.
            return new Rejected(Reason.PREVIOUS_MISMATCH, "version " + manifest.version() + " follows release " +
                shortHex(manifest.previousDigest()) + ", not the running " + shortHex(runningDigest));
        }
        return new Verified(bundle);
    }

    private static String shortHex(final byte[] bytes)
    {
        return HexFormat.of().formatHex(bytes).substring(0, 16);
    }

    public static final class Builder
    {
        private VerificationKey root;
        private Instant now;
        private Duration clockSkew = Duration.ofMinutes(5);
        private final List<KeyStatement.Signed> knownRevocations = new ArrayList<>();
        private String dpuId;
        private Map<String, String> dpuLabels = Map.of();
        private long runningVersion;
        private byte[] runningDigest;

        /** The pinned root key (required). */
        public Builder root(final VerificationKey root)
        {
            this.root = root;
            return this;
        }

        /** The time to check expiry against (required; a parameter so that tests and offline checks choose it). */
        public Builder now(final Instant now)
        {
            this.now = now;
            return this;
        }

        /** How far in the future an issue time may be (default 5 minutes). */
        public Builder clockSkew(final Duration clockSkew)
        {
            if (clockSkew.isNegative())
            {
                throw new IllegalArgumentException("negative clock skew");
            }
            this.clockSkew = clockSkew;
            return this;
        }

        /** Revocations learnt earlier (from earlier bundles or from the operator); each must be root-signed. */
        public Builder knownRevocations(final List<KeyStatement.Signed> revocations)
        {
            for (final KeyStatement.Signed revocation : revocations)
            {
                if (!(revocation.statement() instanceof KeyStatement.Revocation))
                {
                    throw new IllegalArgumentException("not a revocation: " + revocation.describe());
                }
            }
            knownRevocations.addAll(revocations);
            return this;
        }

        /** Requires the release to target this DPU. */
        public Builder target(final String dpuId, final Map<String, String> labels)
        {
            this.dpuId = Objects.requireNonNull(dpuId);
            this.dpuLabels = Map.copyOf(labels);
            return this;
        }

        /**
         * Requires the release to be newer than the running one and, when it is the very next version, to chain to
         * it.
         *
         * @param digest the running release's digest, or null when only the version is known.
         */
        public Builder running(final long version, final byte[] digest)
        {
            this.runningVersion = version;
            this.runningDigest = digest == null ? null : digest.clone();
            return this;
        }

        public BundleVerifier build()
        {
            return new BundleVerifier(this);
        }
    }
}
