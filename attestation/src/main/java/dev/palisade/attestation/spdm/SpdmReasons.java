package dev.palisade.attestation.spdm;

import java.util.Set;

/**
 * The stable reason codes of an SPDM appraisal. They are part of the interface (alerting rules, EAR claims and tests
 * match on them), so a code is never renamed; a new check gets a new code. Only the codes in {@link #WARNINGS} leave
 * authentic evidence at {@code WARNING}; every other code contraindicates it.
 */
public final class SpdmReasons
{
    // Transcript framing (DSP0274 GET_MEASUREMENTS / MEASUREMENTS layouts).
    /** The input holds no complete GET_MEASUREMENTS request. */
    public static final String TRUNCATED_REQUEST = "truncated_request";
    /** The MEASUREMENTS response ends before a field it announces. */
    public static final String TRUNCATED_RESPONSE = "truncated_response";
    /** RequestResponseCode of the request is not GET_MEASUREMENTS (0xE0). */
    public static final String BAD_REQUEST_CODE = "bad_request_code";
    /** RequestResponseCode of the response is not MEASUREMENTS (0x60) nor ERROR. */
    public static final String BAD_RESPONSE_CODE = "bad_response_code";
    /** The responder answered with an SPDM ERROR (0x7F) message. */
    public static final String ERROR_RESPONSE = "error_response";
    /** SPDMVersion is not 1.1 or 1.2, whose layouts this verifier implements. */
    public static final String UNSUPPORTED_VERSION = "unsupported_version";
    /** Request, response and VCA do not all carry the same SPDMVersion. */
    public static final String VERSION_MISMATCH = "version_mismatch";
    /** The measurement blocks do not fill MeasurementRecordLength exactly (or NumberOfBlocks disagrees). */
    public static final String RECORD_LENGTH_MISMATCH = "record_length_mismatch";
    /**
     * A measurement block is inconsistent: DMTF sizes disagree, reserved index, an index twice in one response,
     * digest size.
     */
    public static final String MEASUREMENT_BLOCK_MALFORMED = "measurement_block_malformed";
    /**
     * One measurement index is returned by more than one exchange of the transcript: the values need not agree, and
     * which of them a reference value would be compared with is then a guess.
     */
    public static final String MEASUREMENT_INDEX_REPEATED = "measurement_index_repeated";
    /** The blocks returned are not the ones the request's MeasurementOperation asked for. */
    public static final String UNEXPECTED_BLOCKS = "unexpected_blocks";
    /** OpaqueDataLength exceeds the 1024 bytes DSP0274 allows. */
    public static final String OPAQUE_LENGTH = "opaque_length";
    /** The response's SlotID is not the one the request named. */
    public static final String SLOT_MISMATCH = "slot_mismatch";
    /** Bytes follow the signature of the last response. */
    public static final String TRAILING_BYTES = "trailing_bytes";
    /** The transcript holds more than {@link SpdmTranscript#MAX_EXCHANGES} exchanges. */
    public static final String TOO_MANY_EXCHANGES = "too_many_exchanges";
    /** The optional VCA messages (GET_VERSION .. ALGORITHMS) do not decode. */
    public static final String VCA_MALFORMED = "vca_malformed";

    // Authenticity and freshness.
    /** No request in the transcript asked for a signature, so nothing in it is authenticated. */
    public static final String SIGNATURE_NOT_REQUESTED = "signature_not_requested";
    /** The signature field does not have the size the leaf key's algorithm produces. */
    public static final String SIGNATURE_LENGTH = "signature_length";
    /** The signature does not verify over the L1/L2 transcript with the leaf key. */
    public static final String SIGNATURE_INVALID = "signature_invalid";
    /**
     * The signature could not be checked at all: no leaf key (empty chain, undecodable key), or no algorithm to check
     * it with (the leaf key is not an SPDM one, or ALGORITHMS / the configuration selected one the key cannot do).
     * The message names which; the cause has its own reason too.
     */
    public static final String SIGNATURE_UNVERIFIABLE = "signature_unverifiable";
    /** The leaf key is not one SPDM signs with, or does not fit the negotiated algorithm. */
    public static final String LEAF_KEY_UNSUPPORTED = "leaf_key_unsupported";
    /** The request's nonce is not the nonce the verifier expected (a replay, or another session's evidence). */
    public static final String NONCE_MISMATCH = "nonce_mismatch";
    /** No expected nonce was given, so a replay cannot be excluded. */
    public static final String FRESHNESS_NOT_CHECKED = "freshness_not_checked";
    /**
     * SPDM 1.2: the responder saw its measurements change while the transcript was built (MEASUREMENTS Param2 bits
     * 5:4 = 01b, DSP0274 1.2 "MEASUREMENTS response message"). A warning, not a contraindication: every value in the
     * transcript is still signed, each index appears once ({@link #MEASUREMENT_INDEX_REPEATED} otherwise) and is
     * compared with its reference value, so what is reported is authentic; what the flag adds is that the device may
     * no longer be in that state (a runtime update happened mid-attestation), so a relying party should attest again
     * rather than keep the result.
     */
    public static final String CONTENT_CHANGED = "content_changed";

    // Certificate chain.
    /** No certificates were given. */
    public static final String CHAIN_EMPTY = "chain_empty";
    /** The certificates are neither leaf-first nor root-first. */
    public static final String CHAIN_OUT_OF_ORDER = "chain_out_of_order";
    /** A certificate's signature does not verify with the next certificate's key. */
    public static final String CHAIN_BROKEN = "chain_broken";
    /** A certificate is outside its validity period at the validation time. */
    public static final String CHAIN_EXPIRED = "chain_expired";
    /** An issuing certificate is not a CA (basicConstraints, keyUsage or path length). */
    public static final String CHAIN_NOT_CA = "chain_not_ca";
    /** A certificate has a critical extension this verifier does not process. */
    public static final String CHAIN_UNKNOWN_CRITICAL_EXTENSION = "chain_unknown_critical_extension";
    /**
     * A certificate is signed with an algorithm this verifier does not rely on (SHA-1, MD5, RSASSA-PSS with SHA-1,
     * or one it does not know): its signature is not checked, so it proves nothing.
     */
    public static final String CHAIN_SIGNATURE_ALGORITHM = "chain_signature_algorithm";
    /** The leaf's keyUsage does not allow digitalSignature. */
    public static final String LEAF_KEY_USAGE = "leaf_key_usage";
    /** The leaf is a CA (basicConstraints cA TRUE): the measurement-signing key could issue certificates. */
    public static final String LEAF_IS_CA = "leaf_is_ca";
    /** The leaf's extendedKeyUsage allows neither SPDM responder authentication nor any purpose. */
    public static final String LEAF_EXTENDED_KEY_USAGE = "leaf_extended_key_usage";
    /** Roots were configured and the chain ends in none of them. */
    public static final String CHAIN_UNTRUSTED_ROOT = "chain_untrusted_root";
    /** No roots were configured: the chain is only internally consistent. */
    public static final String CHAIN_NOT_ANCHORED = "chain_not_anchored";
    /** A TCG DICE extension (TcbInfo, MultiTcbInfo, UEID) does not decode. */
    public static final String DICE_EXTENSION_MALFORMED = "dice_extension_malformed";
    /** A certificate whose contents throw when read (a name that is not valid UTF-8, say). */
    public static final String CERTIFICATE_MALFORMED = "certificate_malformed";

    // Reference values.
    /** No reference values were configured. */
    public static final String NO_REFERENCE_VALUES = "no_reference_values";
    /** A measurement differs from its reference value. */
    public static final String MEASUREMENT_MISMATCH = "measurement_mismatch";
    /** A referenced measurement index is not in the response. */
    public static final String MEASUREMENT_MISSING = "measurement_missing";
    /** No DICE TcbInfo in the chain matches a reference's vendor and model. */
    public static final String TCB_MISSING = "tcb_missing";
    /**
     * A DICE TcbInfo in the chain says its layer is not in a secure production state: OperationalFlags notConfigured,
     * notSecure, recovery or debug (TCG DICE Attestation Architecture, "OperationalFlags"), unless allowed with
     * {@link SpdmVerifier.Builder#allowTcbFlags}.
     */
    public static final String TCB_OPERATIONAL_FLAGS = "tcb_operational_flags";
    /** A TcbInfo a reference selects has an svn below the reference's svn_min. */
    public static final String TCB_SVN_TOO_LOW = "tcb_svn_too_low";
    /** A TcbInfo a reference selects has none of the reference's FWID digests. */
    public static final String TCB_FWID_MISMATCH = "tcb_fwid_mismatch";
    /** A TcbInfo a reference selects has another version string than the reference's. */
    public static final String TCB_VERSION_MISMATCH = "tcb_version_mismatch";

    /** Codes that leave authentic evidence at WARNING rather than CONTRAINDICATED. */
    public static final Set<String> WARNINGS =
        Set.of(CHAIN_NOT_ANCHORED, NO_REFERENCE_VALUES, FRESHNESS_NOT_CHECKED, CONTENT_CHANGED);

    private SpdmReasons()
    {
    }
}
