package dev.palisade.attestation.spdm;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;

/**
 * The hash algorithms SPDM negotiates, with their bit in the ALGORITHMS response's BaseHashSel field (DSP0274 1.2,
 * "Successful ALGORITHMS response message", BaseHashSel / BaseHashAlgo table) and in MeasurementHashAlgo (where the
 * bits sit one place higher, bit 0 being "raw bit stream only"). SM3_256 is not supported: Bouncy Castle has it, but
 * no SM2 signature path is implemented here, so accepting the hash alone would only half-check the evidence.
 */
public enum SpdmHashAlgorithm
{
    SHA_256(0, 32, "SHA-256"),
    SHA_384(1, 48, "SHA-384"),
    SHA_512(2, 64, "SHA-512"),
    SHA3_256(3, 32, "SHA3-256"),
    SHA3_384(4, 48, "SHA3-384"),
    SHA3_512(5, 64, "SHA3-512");

    private final int baseHashBit;
    private final int digestSizeBytes;
    private final String label;

    SpdmHashAlgorithm(final int baseHashBit, final int digestSizeBytes, final String label)
    {
        this.baseHashBit = baseHashBit;
        this.digestSizeBytes = digestSizeBytes;
        this.label = label;
    }

    /** The bit number in BaseHashAlgo / BaseHashSel. */
    public int baseHashBit()
    {
        return baseHashBit;
    }

    public int digestSizeBytes()
    {
        return digestSizeBytes;
    }

    /** A name such as {@code SHA-384}. */
    public String label()
    {
        return label;
    }

    /** A fresh Bouncy Castle digest for this algorithm. */
    public Digest newDigest()
    {
        return switch (this)
        {
            case SHA_256 -> new SHA256Digest();
            case SHA_384 -> new SHA384Digest();
            case SHA_512 -> new SHA512Digest();
            case SHA3_256 -> new SHA3Digest(256);
            case SHA3_384 -> new SHA3Digest(384);
            case SHA3_512 -> new SHA3Digest(512);
        };
    }

    public byte[] digest(final byte[] data)
    {
        final Digest digest = newDigest();
        digest.update(data, 0, data.length);
        final byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    /** @return the algorithm whose bit is the only one set in a BaseHashSel field, or null. */
    public static SpdmHashAlgorithm fromBaseHashSel(final int baseHashSel)
    {
        if (Integer.bitCount(baseHashSel) != 1)
        {
            return null;
        }
        final int bit = Integer.numberOfTrailingZeros(baseHashSel);
        for (final SpdmHashAlgorithm algorithm : values())
        {
            if (algorithm.baseHashBit == bit)
            {
                return algorithm;
            }
        }
        return null;
    }

    /**
     * Reads MeasurementHashAlgo (DSP0274 1.2, ALGORITHMS response): bit 0 is "raw bit stream only", bits 1..6 are
     * SHA-256 .. SHA3-512, bit 7 SM3.
     *
     * @return the selected digest algorithm, or null for raw bit streams only or an unsupported or ambiguous value.
     */
    public static SpdmHashAlgorithm fromMeasurementHashAlgo(final int measurementHashAlgo)
    {
        if (Integer.bitCount(measurementHashAlgo) != 1 || measurementHashAlgo == 1)
        {
            return null;
        }
        return fromBaseHashSel(measurementHashAlgo >>> 1);
    }

    /** Parses a name as written in configuration: {@code sha384}, {@code SHA-384}, {@code sha3-256}. */
    public static SpdmHashAlgorithm parse(final String name)
    {
        final String normalized = name.strip().toUpperCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
        for (final SpdmHashAlgorithm algorithm : values())
        {
            if (algorithm.label.replace("-", "").equals(normalized))
            {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown hash '" + name + "' (expected sha256, sha384, sha512, " +
            "sha3-256, sha3-384 or sha3-512)");
    }
}
