package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.Ear;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.ear.TrustworthinessVector;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAppraisal;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The verifier's TPM side (RFC 9334's Verifier): issues challenges, appraises the quotes that answer them against the
 * attester's enrolled attestation key, its reference values and the policy it should enforce, and turns the appraisal
 * into a signed EAR that expires (continuous attestation: an attester that stops answering lapses), recorded in the
 * {@link AttestationLedger} that the policy service consults. Thread-safe.
 */
public final class TpmAttestationVerifier
{
    public static final String POLICY_ID = "palisade/tpm-appraisal/v1";

    private final NonceService nonces;
    private final EarSigner signer;
    private final AttestationLedger ledger;
    private final long resultLifetimeSeconds;
    private final LongSupplier clockSeconds;
    private final String build;

    public TpmAttestationVerifier(final NonceService nonces, final EarSigner signer, final AttestationLedger ledger,
        final long resultLifetimeSeconds, final LongSupplier clockSeconds, final String build)
    {
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

    /** The appraisal, the EAR made of it and its signed token. */
    public record Result(TpmAppraisal appraisal, List<Reason> freshness, Ear ear, String token)
    {
        public Status status()
        {
            return ear.status();
        }
    }

    /** A nonce for the next quote. */
    public byte[] challenge()
    {
        return nonces.issue();
    }

    public Result appraise(final Attester attester, final Evidence evidence)
    {
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
        final Ear ear = new Ear(submods, evidence.nonce(), now, now + resultLifetimeSeconds, build, "palisade",
            attester.id());
        final String token = signer.sign(ear);
        final List<Reason> reasons = new ArrayList<>(freshness);
        reasons.addAll(appraisal.reasons());
        ledger.record(attester.id(), ear, token, reasons);
        return new Result(appraisal, List.copyOf(freshness), ear, token);
    }
}
