package dev.palisade.attestation.tpm;

/**
 * TPM_ALG_ID values this code uses (TCG Algorithm Registry), with the digest sizes of the hash algorithms.
 */
public final class TpmAlgorithm
{
    public static final int RSA = 0x0001;
    public static final int SHA1 = 0x0004;
    public static final int HMAC = 0x0005;
    public static final int AES = 0x0006;
    public static final int KEYEDHASH = 0x0008;
    public static final int SHA256 = 0x000B;
    public static final int SHA384 = 0x000C;
    public static final int SHA512 = 0x000D;
    public static final int NULL = 0x0010;
    public static final int RSASSA = 0x0014;
    public static final int RSAES = 0x0015;
    public static final int RSAPSS = 0x0016;
    public static final int OAEP = 0x0017;
    public static final int ECDSA = 0x0018;
    public static final int ECDH = 0x0019;
    public static final int ECC = 0x0023;
    public static final int SYMCIPHER = 0x0025;
    public static final int CFB = 0x0043;

    private TpmAlgorithm()
    {
    }

    /** @return the digest size of hash algorithm {@code alg}, or -1 when it is not a hash this code knows. */
    public static int digestSize(final int alg)
    {
        return switch (alg)
        {
            case SHA1 -> 20;
            case SHA256 -> 32;
            case SHA384 -> 48;
            case SHA512 -> 64;
            default -> -1;
        };
    }

    /** @return the hash's name as tpm2-tools writes it (sha1, sha256…), or the id in hex. */
    public static String hashName(final int alg)
    {
        return switch (alg)
        {
            case SHA1 -> "sha1";
            case SHA256 -> "sha256";
            case SHA384 -> "sha384";
            case SHA512 -> "sha512";
            default -> String.format("0x%04x", alg);
        };
    }

    /** @return the hash algorithm named {@code name} (sha1, sha256, sha384, sha512, any case), or -1. */
    public static int hashByName(final String name)
    {
        return switch (name.toLowerCase(java.util.Locale.ROOT))
        {
            case "sha1" -> SHA1;
            case "sha256" -> SHA256;
            case "sha384" -> SHA384;
            case "sha512" -> SHA512;
            default -> -1;
        };
    }

    /** A Bouncy Castle digest for hash algorithm {@code alg}; @throws IllegalArgumentException for others. */
    public static org.bouncycastle.crypto.Digest digest(final int alg)
    {
        return switch (alg)
        {
            case SHA1 -> new org.bouncycastle.crypto.digests.SHA1Digest();
            case SHA256 -> new org.bouncycastle.crypto.digests.SHA256Digest();
            case SHA384 -> new org.bouncycastle.crypto.digests.SHA384Digest();
            case SHA512 -> new org.bouncycastle.crypto.digests.SHA512Digest();
            default -> throw new IllegalArgumentException("not a supported hash algorithm: " + hashName(alg));
        };
    }

    /** @return {@code alg}'s digest of {@code data}. */
    public static byte[] hash(final int alg, final byte[]... data)
    {
        final org.bouncycastle.crypto.Digest digest = digest(alg);
        for (final byte[] part : data)
        {
            digest.update(part, 0, part.length);
        }
        final byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }
}
