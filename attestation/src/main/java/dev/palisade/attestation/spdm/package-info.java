/**
 * SPDM 1.1 / 1.2 measurement evidence (DMTF DSP0274 GET_MEASUREMENTS / MEASUREMENTS) and the TCG DICE certificate
 * chains that sign it, as NVIDIA BlueField-3 and GPU attestation tools capture them: parsing, signature and chain
 * verification, and appraisal against reference values into an {@link dev.palisade.attestation.spdm.SpdmAppraisal}.
 * <p>
 * Owns: the SPDM message layouts, L1/L2 and SPDM 1.2 signing-context rules, DICE TcbInfo / MultiTcbInfo / UEID
 * decoding. May not touch: the network or devices (evidence arrives as bytes), other attestation formats
 * ({@code tpm}), EAR encoding. Entry point: {@link dev.palisade.attestation.spdm.SpdmVerifier}.
 */
package dev.palisade.attestation.spdm;
