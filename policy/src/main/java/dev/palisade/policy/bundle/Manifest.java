package dev.palisade.policy.bundle;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The signed part of a release: what it is, for whom, for how long, what came before it, and the digests of its
 * payloads. The release's digest (its identity: what a DPU reports, what the next release chains to, what attestation
 * binds) is the SHA-256 of these bytes.
 *
 * <pre>
 *   manifest := "PLSDMAN1" format:u16 (1) version:i64 policyName:string16 target:string16
 *               issuedAtMs:i64 expiresAtMs:i64 previousDigest[32] (zeros for the first release of a target)
 *               policyDigest[32] policyLength:u32 rulesDigest[32] rulesLength:u32 ruleCount:u32
 * </pre>
 *
 * @param version   grows strictly per target; a DPU refuses a release that is not newer than the one it runs.
 * @param expiresAt after which a DPU refuses the release, so that a stale one cannot be replayed forever (TUF's
 *                  freeze protection).
 */
public record Manifest(int format, long version, String policyName, TargetSelector target, Instant issuedAt,
    Instant expiresAt, byte[] previousDigest, byte[] policyDigest, int policyLength, byte[] rulesDigest,
    int rulesLength, int ruleCount)
{
    public static final int FORMAT = 1;
    static final byte[] MAGIC = "PLSDMAN1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NO_PREVIOUS = new byte[32];
    static final int MAX_BYTES = 64 * 1024;

    public Manifest
    {
        previousDigest = previousDigest.clone();
        policyDigest = policyDigest.clone();
        rulesDigest = rulesDigest.clone();
    }

    /** @return whether this release says there was none before it for its target. */
    public boolean isFirst()
    {
        return Arrays.equals(previousDigest, NO_PREVIOUS);
    }

    @Override
    public byte[] previousDigest()
    {
        return previousDigest.clone();
    }

    @Override
    public byte[] policyDigest()
    {
        return policyDigest.clone();
    }

    @Override
    public byte[] rulesDigest()
    {
        return rulesDigest.clone();
    }

    byte[] encode()
    {
        return new WireWriter(256).raw(MAGIC).u16(format).i64(version).string(policyName).string(target.toString())
            .i64(issuedAt.toEpochMilli()).i64(expiresAt.toEpochMilli()).raw(previousDigest).raw(policyDigest)
            .u32(policyLength).raw(rulesDigest).u32(rulesLength).u32(ruleCount).toByteArray();
    }

    static Manifest decode(final byte[] bytes, final int offset) throws BundleFormatException
    {
        final WireReader reader = new WireReader(bytes);
        try
        {
            reader.expectMagic(MAGIC, "release manifest");
            final int format = reader.u16("format");
            if (format != FORMAT)
            {
                throw new BundleFormatException(reader.position() - 2, "format " + format + " (this build reads " +
                    FORMAT + ")");
            }
            final long version = reader.i64("version");
            if (version < 1)
            {
                throw new BundleFormatException(reader.position() - 8, "version " + version + " (versions start at 1)");
            }
            final String policyName = reader.string("policy name");
            final int targetAt = reader.position();
            final TargetSelector target;
            try
            {
                target = TargetSelector.parse(reader.string("target"));
            }
            catch (final IllegalArgumentException e)
            {
                throw new BundleFormatException(targetAt, e.getMessage());
            }
            final Instant issuedAt = Instant.ofEpochMilli(reader.i64("issued-at"));
            final Instant expiresAt = Instant.ofEpochMilli(reader.i64("expires-at"));
            if (!expiresAt.isAfter(issuedAt))
            {
                throw new BundleFormatException(reader.position() - 8, "expires-at is not after issued-at");
            }
            final Manifest manifest = new Manifest(format, version, policyName, target, issuedAt, expiresAt,
                reader.fixed(32, "previous digest"), reader.fixed(32, "policy digest"),
                reader.length32("policy", Bundle.MAX_PAYLOAD_BYTES), reader.fixed(32, "rules digest"),
                reader.length32("rules", Bundle.MAX_PAYLOAD_BYTES), (int)Math.min(reader.u32("rule count"),
                Integer.MAX_VALUE));
            reader.expectEnd("release manifest");
            return manifest;
        }
        catch (final BundleFormatException e)
        {
            throw new BundleFormatException(offset + e.offset(), e.detail());
        }
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof Manifest m && Arrays.equals(encode(), m.encode());
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString()
    {
        final HexFormat hex = HexFormat.of();
        return "release " + version + " of '" + policyName + "' for " + target + ", issued " + issuedAt +
            ", expires " + expiresAt + ", policy " + hex.formatHex(policyDigest).substring(0, 16) + ", " + ruleCount +
            " DPI rules";
    }
}
