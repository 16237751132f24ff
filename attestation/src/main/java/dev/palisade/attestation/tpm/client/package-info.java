/**
 * A TPM 2.0 client that marshals TPM 2.0 Library Part 3 commands itself: transports to swtpm (TCP) and to a kernel
 * TPM device, a managed swtpm process for tests and development, and the commands attestation needs (EK and AK
 * creation, PCRs, quotes, NV, credential activation), with TPM response codes decoded into {@link
 * dev.palisade.attestation.tpm.client.TpmException}.
 * <p>
 * It owns talking to a TPM. It does not judge evidence: verification lives in {@code dev.palisade.attestation.tpm}
 * and enrolment decisions in {@code dev.palisade.attestation.tpm.enrol}.
 */
package dev.palisade.attestation.tpm.client;
