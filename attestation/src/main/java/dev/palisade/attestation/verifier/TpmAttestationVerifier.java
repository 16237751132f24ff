package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.Ear;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.ear.TrustworthinessVector;
import dev.palisade.attestation.spdm.SpdmAppraisal;
import dev.palisade.attestation.spdm.SpdmReasons;
import dev.palisade.attestation.spdm.SpdmVerifier;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAppraisal;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The verifier (RFC 9334's Verifier): issues challenges, appraises the quotes that answer them against the attester's
 * enrolled attestation key, its reference values and the policy it should enforce, and turns the appraisal into a
 * signed EAR that expires (continuous attestation: an attester that stops answering lapses), recorded in the
 * {@link AttestationLedger} that the policy service consults.
 * <p>
 * With an {@link SpdmPolicy}, SPDM device evidence answering the same challenge (the GET_MEASUREMENTS request carries
 * the challenge's nonce) is appraised beside the quote, each device as its own EAR submodule {@code spdm:NAME}; the
 * EAR's status is the worst of them, so a device whose measurements changed keeps the DPU from policy as surely as a
 * changed PCR. Thread-safe.
 */
public final class TpmAttestationVerifier
{
    public static final String POLICY_ID = "palisade/tpm-appraisal/v1";
    /** The reason when a verifier that requires device evidence gets a quote alone. */
    public static final String EVIDENCE_MISSING = "spdm_evidence_missing";
    public static final String SPDM_POLICY_ID = "palisade/spdm-appraisal/v1";
    /** The EAR submodule of a device: this prefix and its name. */
    public static final String SPDM_SUBMOD = "spdm:";
    /** Devices one DPU may present: a bound on the work one answer can cause. */
    public static final int MAX_DEVICES = 8;

    private final NonceService nonces;
    private final EarSigner signer;
    private final AttestationLedger ledger;
    private final long resultLifetimeSeconds;
    private final LongSupplier clockSeconds;
    private final String build;
    private final SpdmPolicy spdm;

    public TpmAttestationVerifier(final NonceService nonces, final EarSigner signer, final AttestationLedger ledger,
        final long resultLifetimeSeconds, final LongSupplier clockSeconds, final String build)
    {
        this(nonces, signer, ledger, resultLifetimeSeconds, clockSeconds, build, null);
    }

    /** @param spdm how device evidence is appraised; null: this verifier takes TPM evidence only. */
    public TpmAttestationVerifier(final NonceService nonces, final EarSigner signer, final AttestationLedger ledger,
        final long resultLifetimeSeconds, final LongSupplier clockSeconds, final String build, final SpdmPolicy spdm)
    {
        this.spdm = spdm;
        this.nonces = nonces;
        this.signer = signer;
        this.ledger = ledger;
        this.resultLifetimeSeconds = resultLifetimeSeconds;
        this.clockSeconds = clockSeconds;
        this.build = build;
    }

    /** Evidence answering a challenge: the nonce it answers, the quote, its signature, the PCR values (or null). */
    public record Evidence(byte[] nonce, byte[] quote, byte[] signature, byte[] pcrs, QuoteVerifier.PcrFormat format)
    {
    }

    /** What is known of the attester: its enrolled key, its reference values, the policy digest it should run. */
    public record Attester(String id, AsymmetricKeyParameter ak, PcrReference reference, byte[] policyDigest)
    {
    }

    /**
     * The appraisal, the EAR made of it and its signed token.
     *
     * @param devices each device's SPDM appraisal, by name (empty without device evidence).
     * @param reasons every reason, freshness first, then the quote's, then the devices' ({@code spdm_} codes).
     */
    public record Result(TpmAppraisal appraisal, List<Reason> freshness, Map<String, SpdmAppraisal> devices, Ear ear,
        String token, List<Reason> reasons)
    {
        public Status status()
        {
            return ear.status();
        }
    }

    /** @return how device evidence is appraised, or null when this verifier takes none. */
    public SpdmPolicy spdm()
    {
        return spdm;
    }

    /** A nonce for the next quote. */
    public byte[] challenge()
    {
        return nonces.issue();
    }

    public Result appraise(final Attester attester, final Evidence evidence)
    {
        return appraise(attester, evidence, List.of());
    }

    /**
     * Appraises a quote and the SPDM evidence of the DPU's devices, all answering the same challenge.
     *
     * @throws IllegalArgumentException for more than {@link #MAX_DEVICES} devices or a device named twice (the caller
     *                                  refuses such input before; nothing is recorded).
     */
    public Result appraise(final Attester attester, final Evidence evidence, final List<SpdmEvidence> devices)
    {
        checkDevices(devices);
        final List<Reason> freshness = new ArrayList<>();
        final NonceService.Redemption redemption = nonces.redeem(evidence.nonce());
        if (redemption != NonceService.Redemption.FRESH)
        {
            freshness.add(new Reason("nonce_" + redemption.name().toLowerCase(java.util.Locale.ROOT), switch (redemption)
            {
                case UNKNOWN -> "the evidence answers a nonce this verifier did not issue";
                case EXPIRED -> "the evidence answers a nonce that had expired";
                default -> "the evidence answers a nonce that was already used: a replay";
            }));
        }
        final byte[] expected = PolicyBinding.qualifyingData(evidence.nonce(), attester.policyDigest());
        final TpmAppraisal appraisal = QuoteVerifier.appraise(evidence.quote(), evidence.signature(), attester.ak(),
            expected, evidence.pcrs(), evidence.format(), attester.reference());

        final boolean referenceFailed = appraisal.reasons().stream().anyMatch(r -> r.code().startsWith("pcr_"));
        final Integer executables = attester.reference() == null ? Integer.valueOf(TrustworthinessVector.UNRECOGNIZED) :
            referenceFailed ? TrustworthinessVector.CONTRAINDICATED : TrustworthinessVector.APPROVED;
        final Integer configuration = attester.policyDigest() == null ? null :
            appraisal.nonceValid() ? TrustworthinessVector.APPROVED : TrustworthinessVector.CONTRAINDICATED;
        final boolean authentic = appraisal.signatureValid() && freshness.isEmpty() &&
            appraisal.reasons().stream().noneMatch(r -> r.code().startsWith("malformed"));
        final int identity = authentic ? TrustworthinessVector.APPROVED : TrustworthinessVector.CONTRAINDICATED;
        final TrustworthinessVector vector = new TrustworthinessVector(identity, configuration, executables, null);
        Status status = appraisal.status().worst(vector.worst());
        if (!freshness.isEmpty())
        {
            status = Status.CONTRAINDICATED;
        }
        final long now = clockSeconds.getAsLong();
        final Map<String, Ear.Submod> submods = new LinkedHashMap<>();
        submods.put("tpm", new Ear.Submod(status, vector, POLICY_ID));
        final List<Reason> reasons = new ArrayList<>(freshness);
        reasons.addAll(appraisal.reasons());
        final Map<String, SpdmAppraisal> appraised = appraiseDevices(evidence.nonce(), now, devices,
            !freshness.isEmpty(), submods, reasons);
        final Ear ear = new Ear(submods, evidence.nonce(), now, now + resultLifetimeSeconds, build, "palisade",
            attester.id());
        final String token = signer.sign(ear);
        ledger.record(attester.id(), ear, token, reasons);
        return new Result(appraisal, List.copyOf(freshness), appraised, ear, token, List.copyOf(reasons));
    }

    private static void checkDevices(final List<SpdmEvidence> devices)
    {
        if (devices.size() > MAX_DEVICES)
        {
            throw new IllegalArgumentException(devices.size() + " devices; at most " + MAX_DEVICES);
        }
        final Set<String> names = new HashSet<>();
        for (final SpdmEvidence device : devices)
        {
            if (!names.add(device.device()))
            {
                throw new IllegalArgumentException("device '" + device.device() + "' is named twice");
            }
        }
    }

    /**
     * Each device's transcript against the policy's roots and reference values, with the challenge's nonce as the
     * one its signed request must carry. Without a policy the verifier's fail-closed defaults apply (no root: not
     * anchored, no reference: unrecognised), so evidence nobody asked for can only lower the result.
     */
    private Map<String, SpdmAppraisal> appraiseDevices(final byte[] nonce, final long now,
        final List<SpdmEvidence> devices,
        final boolean stale, final Map<String, Ear.Submod> submods, final List<Reason> reasons)
    {
        if (devices.isEmpty())
        {
            if (spdm != null && spdm.required())
            {
                reasons.add(new Reason(EVIDENCE_MISSING, "no SPDM device evidence came with the quote, and this " +
                    "verifier requires it"));
                submods.put("spdm", new Ear.Submod(Status.CONTRAINDICATED, new TrustworthinessVector(null, null,
                    null, TrustworthinessVector.CONTRAINDICATED), SPDM_POLICY_ID));
            }
            return Map.of();
        }
        final Map<String, SpdmAppraisal> appraised = new LinkedHashMap<>();
        for (final SpdmEvidence device : devices)
        {
            final SpdmVerifier.Builder builder = SpdmVerifier.builder().expectedNonce(nonce)
                .validationTime(Instant.ofEpochSecond(now)).vca(device.vca());
            if (spdm != null)
            {
                builder.roots(spdm.roots()).referenceValues(spdm.reference()).allowTcbFlags(spdm.allowedTcbFlags());
            }
            final SpdmAppraisal appraisal = builder.build().verify(device.transcript(), device.chain());
            appraised.put(device.device(), appraisal);
            final boolean referenceFailed = appraisal.reasons().stream().anyMatch(r -> r.code().equals(
                SpdmReasons.MEASUREMENT_MISMATCH) || r.code().equals(SpdmReasons.MEASUREMENT_MISSING) ||
                r.code().startsWith("tcb_"));
            final int identity = appraisal.signatureValid() && !stale && !appraisal.hasReason(
                SpdmReasons.NONCE_MISMATCH) ? TrustworthinessVector.APPROVED : TrustworthinessVector.CONTRAINDICATED;
            final int hardware = !appraisal.chainValid() ? TrustworthinessVector.CONTRAINDICATED :
                appraisal.chainAnchored() ? TrustworthinessVector.APPROVED : TrustworthinessVector.UNSAFE;
            final int executables = referenceFailed ? TrustworthinessVector.CONTRAINDICATED :
                spdm == null || spdm.reference() == null ? TrustworthinessVector.UNRECOGNIZED :
                TrustworthinessVector.APPROVED;
            final TrustworthinessVector vector = new TrustworthinessVector(identity, null, executables, hardware);
            Status status = appraisal.status().worst(vector.worst());
            if (stale)
            {
                status = Status.CONTRAINDICATED;
            }
            submods.put(SPDM_SUBMOD + device.device(), new Ear.Submod(status, vector, SPDM_POLICY_ID));
            for (final Reason reason : appraisal.reasons())
            {
                reasons.add(new Reason("spdm_" + reason.code(), "device '" + device.device() + "': " +
                    reason.message()));
            }
        }
        return Collections.unmodifiableMap(appraised);
    }
}
