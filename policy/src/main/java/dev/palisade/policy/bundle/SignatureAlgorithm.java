package dev.palisade.policy.bundle;

import java.util.Locale;

/**
 * The signature algorithms of policy keys. Both are deterministic (Ed25519 by RFC 8032, ECDSA with RFC 6979 nonces), so
 * the same inputs make the same bundle, byte for byte.
 */
public enum SignatureAlgorithm
{
    /** Ed25519 (RFC 8032): 64-byte signatures. The default. */
    ED25519(1, "ed25519", 64),
    /** ECDSA over P-256 with SHA-256: signatures are r ‖ s, 32 bytes each (as JWS ES256). */
    ECDSA_P256(2, "ecdsa-p256", 64);

    private final int code;
    private final String label;
    private final int signatureLength;

    SignatureAlgorithm(final int code, final String label, final int signatureLength)
    {
        this.code = code;
        this.label = label;
        this.signatureLength = signatureLength;
    }

    /** @return the byte that names this algorithm in key statements. */
    public int code()
    {
        return code;
    }

    /** @return the name used on the command line and in JSON: {@code ed25519}, {@code ecdsa-p256}. */
    public String label()
    {
        return label;
    }

    public int signatureLength()
    {
        return signatureLength;
    }

    /** @return the algorithm with this code, or null. */
    public static SignatureAlgorithm ofCode(final int code)
    {
        for (final SignatureAlgorithm algorithm : values())
        {
            if (algorithm.code == code)
            {
                return algorithm;
            }
        }
        return null;
    }

    /** @throws IllegalArgumentException naming the labels that are accepted. */
    public static SignatureAlgorithm ofLabel(final String label)
    {
        for (final SignatureAlgorithm algorithm : values())
        {
            if (algorithm.label.equals(label.toLowerCase(Locale.ROOT)))
            {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown signature algorithm '" + label + "' (use ed25519 or ecdsa-p256)");
    }
}
