package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of appraising SPDM measurement evidence: what was found (measurements, nonces, DICE TcbInfos) and
 * whether it is authentic, fresh and as expected. It is a value: every failed check is a {@link Reason} with a stable
 * code from {@link SpdmReasons}, and {@link #status()} follows from them (any code outside
 * {@link SpdmReasons#WARNINGS} contraindicates; only warnings leave WARNING; no reason at all is AFFIRMING).
 *
 * @param version            "1.1" or "1.2", or null when the transcript did not decode that far.
 * @param signatureValid     the last response's signature verifies over L1/L2 with the leaf key.
 * @param chainValid         the chain is internally consistent (signatures, validity, CA rules).
 * @param chainAnchored      the chain ends in a configured root.
 * @param chainOrder         how the chain was given: leaf_first, root_first, single, unordered or empty.
 * @param signatureAlgorithm the algorithm the signature was checked with (e.g. ECDSA_P384), or null.
 * @param hashAlgorithm      the hash used for L1/L2 (e.g. SHA-384), or null.
 * @param measurements       every measurement block of the transcript.
 * @param nonce              the requester's nonce of the signed request (the freshness one), or null.
 * @param responderNonce     the responder's nonce of the signed response, or null.
 * @param opaqueData         OpaqueData of the signed response, or null.
 * @param tcbInfos           DICE TcbInfos from every certificate of the chain, leaf first.
 * @param ueids              DICE UEIDs from the chain.
 */
public record SpdmAppraisal(String version, boolean signatureValid, boolean chainValid, boolean chainAnchored,
    String chainOrder, String signatureAlgorithm, String hashAlgorithm, List<SpdmMeasurement> measurements,
    byte[] nonce, byte[] responderNonce, byte[] opaqueData, List<DiceTcbInfo> tcbInfos, List<DiceUeid> ueids,
    Status status, List<Reason> reasons)
{
    public SpdmAppraisal
    {
        measurements = List.copyOf(measurements);
        nonce = nonce == null ? null : nonce.clone();
        responderNonce = responderNonce == null ? null : responderNonce.clone();
        opaqueData = opaqueData == null ? null : opaqueData.clone();
        tcbInfos = List.copyOf(tcbInfos);
        ueids = List.copyOf(ueids);
        reasons = List.copyOf(reasons);
    }

    @Override
    public byte[] nonce()
    {
        return nonce == null ? null : nonce.clone();
    }

    @Override
    public byte[] responderNonce()
    {
        return responderNonce == null ? null : responderNonce.clone();
    }

    @Override
    public byte[] opaqueData()
    {
        return opaqueData == null ? null : opaqueData.clone();
    }

    /** @return whether some reason has this code. */
    public boolean hasReason(final String code)
    {
        for (final Reason reason : reasons)
        {
            if (reason.code().equals(code))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The status the reasons imply. Authentic means a valid signature and a valid chain: without both nothing can be
     * affirmed or merely warned about, whatever the reasons say.
     */
    static Status statusOf(final List<Reason> reasons, final boolean signatureValid, final boolean chainValid)
    {
        for (final Reason reason : reasons)
        {
            if (!SpdmReasons.WARNINGS.contains(reason.code()))
            {
                return Status.CONTRAINDICATED;
            }
        }
        if (!signatureValid || !chainValid)
        {
            return Status.CONTRAINDICATED;
        }
        return reasons.isEmpty() ? Status.AFFIRMING : Status.WARNING;
    }

    /**
     * A JSON-ready view (maps, lists, strings, numbers, booleans; bytes as lowercase hex) with the keys version,
     * signature_valid, chain_valid, chain_anchored, chain_order, signature_algorithm, hash_algorithm, measurements
     * ([{index, specification, type, type_name, raw, value}]), nonce, responder_nonce, opaque_data, tcb_info, ueid,
     * status (the EAR label) and reasons ([{code, message}]).
     */
    public Map<String, Object> toJson()
    {
        final HexFormat hex = HexFormat.of();
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", version);
        json.put("signature_valid", signatureValid);
        json.put("chain_valid", chainValid);
        json.put("chain_anchored", chainAnchored);
        json.put("chain_order", chainOrder);
        json.put("signature_algorithm", signatureAlgorithm);
        json.put("hash_algorithm", hashAlgorithm);
        final List<Map<String, Object>> blocks = new ArrayList<>(measurements.size());
        for (final SpdmMeasurement measurement : measurements)
        {
            final Map<String, Object> block = new LinkedHashMap<>();
            block.put("index", measurement.index());
            block.put("specification", measurement.specification());
            block.put("type", measurement.typeNumber());
            block.put("type_name", measurement.typeName());
            block.put("raw", measurement.raw());
            block.put("value", hex.formatHex(measurement.value()));
            blocks.add(block);
        }
        json.put("measurements", blocks);
        json.put("nonce", nonce == null ? null : hex.formatHex(nonce));
        json.put("responder_nonce", responderNonce == null ? null : hex.formatHex(responderNonce));
        json.put("opaque_data", opaqueData == null ? null : hex.formatHex(opaqueData));
        final List<Map<String, Object>> tcb = new ArrayList<>(tcbInfos.size());
        for (final DiceTcbInfo info : tcbInfos)
        {
            tcb.add(info.toJson());
        }
        json.put("tcb_info", tcb);
        final List<Map<String, Object>> ueidList = new ArrayList<>(ueids.size());
        for (final DiceUeid ueid : ueids)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("cert_index", ueid.certIndex());
            entry.put("ueid", hex.formatHex(ueid.ueid()));
            ueidList.add(entry);
        }
        json.put("ueid", ueidList);
        json.put("status", status.label());
        final List<Map<String, Object>> reasonList = new ArrayList<>(reasons.size());
        for (final Reason reason : reasons)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("code", reason.code());
            entry.put("message", reason.message());
            reasonList.add(entry);
        }
        json.put("reasons", reasonList);
        return java.util.Collections.unmodifiableMap(json);
    }
}
