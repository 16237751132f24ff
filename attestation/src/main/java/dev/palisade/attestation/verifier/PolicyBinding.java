package dev.palisade.attestation.verifier;

import dev.palisade.attestation.tpm.TpmAlgorithm;

import java.nio.charset.StandardCharsets;

/**
 * Binds the policy a DPU enforces into its evidence: the attester asks the TPM to quote with qualifying data
 * SHA-256(label ‖ nonce ‖ digest of the active policy bundle) instead of the bare nonce, so a quote that verifies
 * proves both freshness and which policy the agent reported at quote time. The verifier recomputes it with the
 * digest of the release it expects the DPU to run; a DPU on another policy fails the check.
 */
public final class PolicyBinding
{
    static final byte[] LABEL = "palisade/attest/policy-binding/v1\0".getBytes(StandardCharsets.US_ASCII);

    private PolicyBinding()
    {
    }

    /** The quote's qualifying data; the bare nonce when no policy is bound ({@code policyDigest} null). */
    public static byte[] qualifyingData(final byte[] nonce, final byte[] policyDigest)
    {
        return policyDigest == null ? nonce.clone() : TpmAlgorithm.hash(TpmAlgorithm.SHA256, LABEL, nonce,
            policyDigest);
    }
}
