/**
 * Attestation key enrolment: TPM2_MakeCredential in software (the verifier's half of credential activation), the
 * TPM KDFs, EK certificate checks against manufacturer CAs, and the challenge/answer flow that makes a verifier trust
 * an AK only after the TPM with a certified EK proved it holds that AK.
 * <p>
 * Decisions come back as values with stable reason codes; it uses the client only on the attester's side.
 */
package dev.palisade.attestation.tpm.enrol;
