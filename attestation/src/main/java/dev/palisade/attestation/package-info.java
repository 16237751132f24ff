/**
 * Hardware root-of-trust attestation, in the roles of the IETF RATS architecture (RFC 9334): evidence formats and
 * their verification (TPM 2.0 quotes in {@code tpm}, SPDM measurements and DICE certificates in {@code spdm}),
 * appraisal against reference values, and attestation results as EAR tokens ({@code ear}).
 * <p>
 * Evidence is untrusted bytes: every parser here is bounded, rejects with a named reason, and is fuzzed.
 */
package dev.palisade.attestation;
