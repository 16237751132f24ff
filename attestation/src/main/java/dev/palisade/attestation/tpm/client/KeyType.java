package dev.palisade.attestation.tpm.client;

/** The two key families the TCG EK Credential Profile defaults and {@code tpm2_createak} offer. */
public enum KeyType
{
    /** RSA-2048. */
    RSA,
    /** ECC on NIST P-256. */
    ECC
}
