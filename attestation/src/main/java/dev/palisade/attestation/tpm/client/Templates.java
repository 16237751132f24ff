package dev.palisade.attestation.tpm.client;

import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmPublic;

import java.util.HexFormat;

/**
 * Public-area templates for the keys an attestation flow needs. The EK templates must be bit-exact: a TPM derives a
 * primary key deterministically from its endorsement seed and the template, so only the standard template re-creates
 * the key the manufacturer certified (TCG EK Credential Profile 2.x, Annex B.3, templates L-1 and L-2).
 */
public final class Templates
{
    /**
     * The EK authPolicy: TPM2_PolicySecret(TPM_RH_ENDORSEMENT) computed with SHA-256 (EK Credential Profile section
     * B.3.3 "PolicyA"): using the EK needs the endorsement hierarchy's authorization, not an authValue of the key.
     */
    public static final byte[] EK_AUTH_POLICY_SHA256 =
        HexFormat.of().parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    /** fixedTPM, fixedParent, sensitiveDataOrigin, adminWithPolicy, restricted, decrypt (0x000300b2). */
    public static final int EK_ATTRIBUTES = TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT |
        TpmPublic.SENSITIVE_DATA_ORIGIN | TpmPublic.ADMIN_WITH_POLICY | TpmPublic.RESTRICTED | TpmPublic.DECRYPT;

    /** fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign (0x00050072), as tpm2_createak. */
    public static final int AK_ATTRIBUTES = TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT |
        TpmPublic.SENSITIVE_DATA_ORIGIN | TpmPublic.USER_WITH_AUTH | TpmPublic.RESTRICTED | TpmPublic.SIGN;

    private Templates()
    {
    }

    /** Template L-1: RSA-2048, AES-128-CFB, no scheme, exponent 0 (65537), unique = 256 zero bytes. */
    public static TpmPublic ekRsa2048()
    {
        return new TpmPublic(TpmAlgorithm.SHA256, EK_ATTRIBUTES, EK_AUTH_POLICY_SHA256, new TpmPublic.Rsa(
            TpmPublic.Symmetric.AES_128_CFB, TpmPublic.Scheme.NULL, 2048, 0, new byte[256]));
    }

    /** Template L-2: ECC NIST P-256, AES-128-CFB, no scheme, no KDF, unique = x and y of 32 zero bytes each. */
    public static TpmPublic ekEccP256()
    {
        return new TpmPublic(TpmAlgorithm.SHA256, EK_ATTRIBUTES, EK_AUTH_POLICY_SHA256, new TpmPublic.Ecc(
            TpmPublic.Symmetric.AES_128_CFB, TpmPublic.Scheme.NULL, TpmPublic.NIST_P256, TpmPublic.Scheme.NULL,
            new byte[32], new byte[32]));
    }

    public static TpmPublic ek(final KeyType type)
    {
        return type == KeyType.RSA ? ekRsa2048() : ekEccP256();
    }

    /**
     * A restricted signing key as {@code tpm2_createak -g sha256} makes it: ECDSA/SHA-256 on P-256 ({@code -G ecc -s
     * ecdsa}) or RSASSA-PKCS1-v1_5/SHA-256 with RSA-2048 ({@code -G rsa -s rsassa}); empty authValue and authPolicy.
     */
    public static TpmPublic attestationKey(final KeyType type)
    {
        final TpmPublic.Parameters parameters = type == KeyType.RSA
            ? new TpmPublic.Rsa(TpmPublic.Symmetric.NULL, TpmPublic.Scheme.of(TpmAlgorithm.RSASSA, TpmAlgorithm.SHA256),
                2048, 0, new byte[0])
            : new TpmPublic.Ecc(TpmPublic.Symmetric.NULL, TpmPublic.Scheme.of(TpmAlgorithm.ECDSA, TpmAlgorithm.SHA256),
                TpmPublic.NIST_P256, TpmPublic.Scheme.NULL, new byte[0], new byte[0]);
        return new TpmPublic(TpmAlgorithm.SHA256, AK_ATTRIBUTES, new byte[0], parameters);
    }
}
