package dev.palisade.attestation.tpm;

/**
 * A TPMT_SIGNATURE (TPM 2.0 Part 2 section 11.3.4) for the schemes an attestation key uses: ECDSA (r and s as
 * TPM2B_ECC_PARAMETER), RSASSA-PKCS1-v1_5 and RSA-PSS (TPM2B_PUBLIC_KEY_RSA).
 *
 * @param sigAlg  {@link TpmAlgorithm#ECDSA}, {@link TpmAlgorithm#RSASSA} or {@link TpmAlgorithm#RSAPSS}.
 * @param hashAlg the hash the message was signed with.
 * @param r       ECDSA r (null for RSA).
 * @param s       ECDSA s, or the RSA signature.
 */
public record TpmtSignature(int sigAlg, int hashAlg, byte[] r, byte[] s)
{
    /** An ECC parameter is at most 66 bytes (P-521); an RSA signature at most 512 bytes (RSA-4096). */
    static final int MAX_ECC_PARAMETER = 66;
    static final int MAX_RSA = 512;

    /** Parses tpm2-tools' {@code quote.sig} (the TSS form, the default of {@code tpm2_quote -f}). */
    public static TpmtSignature parse(final byte[] bytes) throws TpmFormatException
    {
        final TpmReader in = new TpmReader(bytes);
        final int sigAlg = in.u16("TPMT_SIGNATURE.sigAlg");
        final int hashAt = in.position();
        final int hashAlg = in.u16("TPMT_SIGNATURE.signature.hash");
        if (TpmAlgorithm.digestSize(hashAlg) < 0)
        {
            throw new TpmFormatException("TPMT_SIGNATURE.signature.hash", hashAt, "unsupported hash algorithm " +
                TpmAlgorithm.hashName(hashAlg));
        }
        final TpmtSignature signature = switch (sigAlg)
        {
            case TpmAlgorithm.ECDSA -> new TpmtSignature(sigAlg, hashAlg,
                in.sized("TPMS_SIGNATURE_ECDSA.signatureR", MAX_ECC_PARAMETER),
                in.sized("TPMS_SIGNATURE_ECDSA.signatureS", MAX_ECC_PARAMETER));
            case TpmAlgorithm.RSASSA, TpmAlgorithm.RSAPSS -> new TpmtSignature(sigAlg, hashAlg, null,
                in.sized("TPMS_SIGNATURE_RSA.sig", MAX_RSA));
            default -> throw new TpmFormatException("TPMT_SIGNATURE.sigAlg", 0, String.format(
                "0x%04x is not a supported signature scheme (ECDSA 0x0018, RSASSA 0x0014, RSAPSS 0x0016)", sigAlg));
        };
        in.expectEnd("TPMT_SIGNATURE");
        return signature;
    }

    /** The scheme's name: ecdsa, rsassa or rsapss. */
    public String schemeName()
    {
        return switch (sigAlg)
        {
            case TpmAlgorithm.ECDSA -> "ecdsa";
            case TpmAlgorithm.RSASSA -> "rsassa";
            default -> "rsapss";
        };
    }

    /**
     * Reads a signature in tpm2-tools' "plain" form ({@code tpm2_quote -f plain}): for ECDSA a DER ECDSA-Sig-Value
     * (SEQUENCE of r and s). The plain form does not carry the hash, so it is given.
     */
    public static TpmtSignature parsePlainEcdsa(final byte[] der, final int hashAlg) throws TpmFormatException
    {
        try
        {
            final org.bouncycastle.asn1.ASN1Sequence seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(
                org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
            if (seq.size() != 2)
            {
                throw new TpmFormatException("ECDSA-Sig-Value", 0, seq.size() + " elements, expected r and s");
            }
            final java.math.BigInteger r = org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(0))
                .getPositiveValue();
            final java.math.BigInteger s = org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(1))
                .getPositiveValue();
            if (r.bitLength() > MAX_ECC_PARAMETER * 8 || s.bitLength() > MAX_ECC_PARAMETER * 8)
            {
                throw new TpmFormatException("ECDSA-Sig-Value", 0, "r or s longer than any curve's order");
            }
            if (!java.util.Arrays.equals(der, seq.getEncoded("DER")))
            {
                throw new TpmFormatException("ECDSA-Sig-Value", 0, "not DER (trailing bytes or a non-minimal encoding)");
            }
            return new TpmtSignature(TpmAlgorithm.ECDSA, hashAlg, org.bouncycastle.util.BigIntegers.asUnsignedByteArray(r),
                org.bouncycastle.util.BigIntegers.asUnsignedByteArray(s));
        }
        catch (final java.io.IOException | RuntimeException e)
        {
            throw new TpmFormatException("ECDSA-Sig-Value", 0, "not a DER ECDSA signature: " + e.getMessage());
        }
    }

    /** Reads the TSS form, or failing that, a DER ECDSA signature (tpm2-tools' plain form) made with SHA-256. */
    public static TpmtSignature parseAny(final byte[] bytes) throws TpmFormatException
    {
        try
        {
            return parse(bytes);
        }
        catch (final TpmFormatException e)
        {
            if (bytes.length > 0 && bytes[0] == 0x30)
            {
                try
                {
                    return parsePlainEcdsa(bytes, TpmAlgorithm.SHA256);
                }
                catch (final TpmFormatException ignored)
                {
                    throw e;
                }
            }
            throw e;
        }
    }
}
