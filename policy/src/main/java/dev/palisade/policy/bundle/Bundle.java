package dev.palisade.policy.bundle;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed policy release as it travels and rests on disk. Deterministic: the same inputs and keys make the same
 * bytes (both signature algorithms are deterministic).
 *
 * <pre>
 *   bundle     := "PLSDBDL1" manifest:bytes32 policy:bytes32 rules:bytes32
 *                 revocationCount:u8 revocation{count}            (root-signed {@link KeyStatement}s, encoded)
 *                 signatureCount:u8 (1..4) ( certificate:KeyStatement signature:bytes16 ){count}
 *   signature  := the signing key's signature over "palisade release v1\0" ‖ manifest
 * </pre>
 * <p>
 * The policy payload is the compiled policy's canonical bytes ({@code CompiledPolicy.encoded()}); the rules payload
 * is the enabled DPI rules, one per line, UTF-8. This class only reads and writes; {@link BundleVerifier} decides
 * whether to trust one.
 */
public record Bundle(Manifest manifest, byte[] manifestBytes, byte[] policy, byte[] rules,
    List<KeyStatement.Signed> revocations, List<Signature> signatures)
{
    static final byte[] MAGIC = "PLSDBDL1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SIGNING_CONTEXT = "palisade release v1\0".getBytes(StandardCharsets.US_ASCII);
    /** A bound on each payload: a compiled policy of 100,000 rules is a few MB. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
    /** A bound on a whole bundle file. */
    public static final long MAX_BUNDLE_BYTES = 2L * MAX_PAYLOAD_BYTES + 1024 * 1024;
    static final int MAX_SIGNATURES = 4;

    public Bundle
    {
        manifestBytes = manifestBytes.clone();
        policy = policy.clone();
        rules = rules.clone();
        revocations = List.copyOf(revocations);
        signatures = List.copyOf(signatures);
    }

    /** @return the manifest's exact bytes (a copy): what the signatures cover. */
    @Override
    public byte[] manifestBytes()
    {
        return manifestBytes.clone();
    }

    /** @return the compiled policy's canonical bytes (a copy). */
    @Override
    public byte[] policy()
    {
        return policy.clone();
    }

    /** @return the DPI rules, one per line (a copy). */
    @Override
    public byte[] rules()
    {
        return rules.clone();
    }

    /** One signature over the manifest, with the root's certificate for the key that made it. */
    public record Signature(KeyStatement.Signed certificate, byte[] signature)
    {
        public Signature
        {
            signature = signature.clone();
        }

        @Override
        public byte[] signature()
        {
            return signature.clone();
        }
    }

    /**
     * Signs a release.
     *
     * @param certificate the root's certificate for {@code signingKey}.
     * @param revocations root-signed revocations to carry, so that DPUs learn of them with this release.
     */
    public static Bundle sign(final Content content, final SigningKey signingKey,
        final KeyStatement.Signed certificate, final List<KeyStatement.Signed> revocations)
    {
        if (!(certificate.statement() instanceof KeyStatement.Certificate cert) ||
            !cert.key().equals(signingKey.publicKey()))
        {
            throw new IllegalArgumentException("the certificate is not for " + signingKey.publicKey());
        }
        for (final KeyStatement.Signed revocation : revocations)
        {
            if (!(revocation.statement() instanceof KeyStatement.Revocation))
            {
                throw new IllegalArgumentException("not a revocation: " + revocation.describe());
            }
        }
        final Manifest manifest = new Manifest(Manifest.FORMAT, content.version(), content.policyName(),
            content.target(), content.issuedAt(), content.expiresAt(),
            content.previousDigest() == null ? Manifest.NO_PREVIOUS : content.previousDigest(),
            VerificationKey.sha256(content.policy()), content.policy().length, VerificationKey.sha256(content.rules()),
            content.rules().length, content.ruleCount());
        final byte[] manifestBytes = manifest.encode();
        if (manifestBytes.length > Manifest.MAX_BYTES)
        {
            throw new IllegalArgumentException("the manifest is over " + Manifest.MAX_BYTES + " bytes");
        }
        try
        {
            Manifest.decode(manifestBytes, 0);
        }
        catch (final BundleFormatException e)
        {
            throw new IllegalArgumentException("the release would not read back: " + e.detail(), e);
        }
        final byte[] signature = signingKey.sign(signingInput(manifestBytes));
        return new Bundle(manifest, manifestBytes, content.policy(), content.rules(), revocations,
            List.of(new Signature(certificate, signature)));
    }

    /**
     * What a release contains, before it is signed.
     *
     * @param previousDigest the digest of the target's previous release, or null for its first.
     */
    public record Content(String policyName, long version, TargetSelector target, Instant issuedAt, Instant expiresAt,
        byte[] previousDigest, byte[] policy, byte[] rules, int ruleCount)
    {
        public Content
        {
            // The manifest keeps milliseconds; keep the same here so that what is printed is what is signed.
            issuedAt = issuedAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            expiresAt = expiresAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            if (version < 1)
            {
                throw new IllegalArgumentException("release versions start at 1, not " + version);
            }
            if (!expiresAt.isAfter(issuedAt))
            {
                throw new IllegalArgumentException("the release would expire (" + expiresAt + ") before it is " +
                    "issued (" + issuedAt + ")");
            }
            if (previousDigest != null && previousDigest.length != 32)
            {
                throw new IllegalArgumentException("a release digest is 32 bytes, not " + previousDigest.length);
            }
            if (policy.length > MAX_PAYLOAD_BYTES || rules.length > MAX_PAYLOAD_BYTES)
            {
                throw new IllegalArgumentException("a payload is over " + MAX_PAYLOAD_BYTES + " bytes");
            }
        }
    }

    static byte[] signingInput(final byte[] manifestBytes)
    {
        return WireWriter.signingInput(SIGNING_CONTEXT, manifestBytes);
    }

    /** @return SHA-256 of the manifest: the release's identity. */
    public byte[] digest()
    {
        return VerificationKey.sha256(manifestBytes);
    }

    public String digestHex()
    {
        return HexFormat.of().formatHex(digest());
    }

    public byte[] encode()
    {
        final WireWriter out = new WireWriter(manifestBytes.length + policy.length + rules.length + 1024)
            .raw(MAGIC).bytes32(manifestBytes).bytes32(policy).bytes32(rules).u8(revocations.size());
        for (final KeyStatement.Signed revocation : revocations)
        {
            out.raw(revocation.encode());
        }
        out.u8(signatures.size());
        for (final Signature signature : signatures)
        {
            out.raw(signature.certificate().encode()).bytes16(signature.signature());
        }
        return out.toByteArray();
    }

    /**
     * Reads a bundle's structure. Checks nothing cryptographic: use {@link BundleVerifier}.
     *
     * @throws BundleFormatException saying what is malformed and where.
     */
    public static Bundle decode(final byte[] bytes) throws BundleFormatException
    {
        final WireReader reader = new WireReader(bytes);
        reader.expectMagic(MAGIC, "Palisade policy bundle");
        final int manifestAt = reader.position() + 4;
        final byte[] manifestBytes = reader.bytes32("manifest", Manifest.MAX_BYTES);
        final Manifest manifest = Manifest.decode(manifestBytes, manifestAt);
        final int policyAt = reader.position();
        final byte[] policy = reader.bytes32("policy", MAX_PAYLOAD_BYTES);
        if (policy.length != manifest.policyLength())
        {
            throw new BundleFormatException(policyAt, "the policy is " + policy.length + " bytes, the manifest says " +
                manifest.policyLength());
        }
        final int rulesAt = reader.position();
        final byte[] rules = reader.bytes32("rules", MAX_PAYLOAD_BYTES);
        if (rules.length != manifest.rulesLength())
        {
            throw new BundleFormatException(rulesAt, "the rules are " + rules.length + " bytes, the manifest says " +
                manifest.rulesLength());
        }
        final int revocationCount = reader.u8("revocation count");
        final List<KeyStatement.Signed> revocations = new ArrayList<>(revocationCount);
        for (int i = 0; i < revocationCount; i++)
        {
            final int at = reader.position();
            final KeyStatement.Signed revocation = KeyStatement.read(reader);
            if (!(revocation.statement() instanceof KeyStatement.Revocation))
            {
                throw new BundleFormatException(at, "revocation " + (i + 1) + " is a certificate");
            }
            revocations.add(revocation);
        }
        final int signatureCountAt = reader.position();
        final int signatureCount = reader.u8("signature count");
        if (signatureCount < 1 || signatureCount > MAX_SIGNATURES)
        {
            throw new BundleFormatException(signatureCountAt, signatureCount + " signatures (1 to " + MAX_SIGNATURES +
                " are allowed)");
        }
        final List<Signature> signatures = new ArrayList<>(signatureCount);
        for (int i = 0; i < signatureCount; i++)
        {
            final int at = reader.position();
            final KeyStatement.Signed certificate = KeyStatement.read(reader);
            if (!(certificate.statement() instanceof KeyStatement.Certificate))
            {
                throw new BundleFormatException(at, "signature " + (i + 1) + " comes with a revocation, not a " +
                    "certificate");
            }
            signatures.add(new Signature(certificate, reader.bytes16("signature")));
        }
        reader.expectEnd("bundle");
        return new Bundle(manifest, manifestBytes, policy, rules, revocations, signatures);
    }
}
