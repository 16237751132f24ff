package dev.palisade.attestation.tpm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The appraisal of one TPM quote: whether it is authentic (signed by the attestation key), fresh (carries the
 * verifier's nonce), what PCR values it vouches for, and whether those match the reference values.
 *
 * @param status          affirming, warning (authentic, but no reference values to compare with) or contraindicated.
 * @param reasons         what contradicts the evidence (empty unless contraindicated).
 * @param warnings        what keeps authentic evidence from being affirmed.
 * @param signatureValid  the attestation key signed the quote.
 * @param nonceValid      the quote's qualifying data is the expected nonce.
 * @param pcrDigestValid  the PCR values given hash to the quote's pcrDigest (null: no values were given).
 * @param quote           the parsed quote (null when it did not parse).
 * @param signature       the parsed signature (null when it did not parse).
 * @param pcrs            the PCR values the quote vouches for (null unless pcrDigestValid).
 * @param eventLogValid   the event log replays to the quoted PCR values (null: no log was given).
 * @param eventLogEvents  events in the log (0 without one).
 */
public record TpmAppraisal(
    Status status,
    List<Reason> reasons,
    List<Reason> warnings,
    boolean signatureValid,
    boolean nonceValid,
    Boolean pcrDigestValid,
    TpmsAttest quote,
    TpmtSignature signature,
    PcrValues pcrs,
    Boolean eventLogValid,
    int eventLogEvents)
{
    /** The appraisal as JSON-ready maps and lists, with snake_case keys and hex byte strings. */
    public Map<String, Object> toJson()
    {
        final HexFormat hex = HexFormat.of();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.label());
        m.put("signature_valid", signatureValid);
        m.put("nonce_valid", nonceValid);
        m.put("pcr_digest_valid", pcrDigestValid);
        m.put("reasons", reasons.stream().map(TpmAppraisal::reason).toList());
        m.put("warnings", warnings.stream().map(TpmAppraisal::reason).toList());
        if (quote != null)
        {
            final Map<String, Object> q = new LinkedHashMap<>();
            q.put("pcr_select", quote.pcrSelect().stream().map(PcrSelection::toString).toList());
            q.put("pcr_digest", hex.formatHex(quote.pcrDigest()));
            q.put("extra_data", hex.formatHex(quote.extraData()));
            q.put("qualified_signer", hex.formatHex(quote.qualifiedSigner()));
            q.put("clock", quote.clock());
            q.put("reset_count", Integer.toUnsignedLong(quote.resetCount()));
            q.put("restart_count", Integer.toUnsignedLong(quote.restartCount()));
            q.put("safe", quote.safe());
            q.put("firmware_version", String.format("%016x", quote.firmwareVersion()));
            m.put("quote", q);
        }
        if (signature != null)
        {
            m.put("signature", Map.of("scheme", signature.schemeName(), "hash",
                TpmAlgorithm.hashName(signature.hashAlg())));
        }
        if (eventLogValid != null)
        {
            m.put("event_log", Map.of("valid", eventLogValid, "events", eventLogEvents));
        }
        if (pcrs != null)
        {
            final Map<String, Object> banks = new LinkedHashMap<>();
            pcrs.banks().forEach((bank, values) ->
            {
                final Map<String, Object> byIndex = new LinkedHashMap<>();
                values.forEach((index, value) -> byIndex.put(String.valueOf(index), hex.formatHex(value)));
                banks.put(TpmAlgorithm.hashName(bank), byIndex);
            });
            m.put("pcrs", banks);
        }
        return m;
    }

    private static Map<String, Object> reason(final Reason r)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", r.code());
        m.put("message", r.message());
        return m;
    }
}
