package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.ear.EarVerifier;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.SoftwareAttester;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifier's round: challenge, quote (from a software attester in the TPM's formats), appraisal, signed EAR, the
 * ledger's status, and what makes an attester contraindicated: a replay, another policy, other measurements, lapsing.
 */
class TpmAttestationVerifierTest
{
    private long nowSeconds = 1_800_000_000L;
    private final EarSigner signer = EarSigner.generate("v1");
    private final AttestationLedger ledger = new AttestationLedger(() -> nowSeconds);
    private final TpmAttestationVerifier verifier = new TpmAttestationVerifier(new NonceService(), signer, ledger, 300,
        () -> nowSeconds, "test");
    private final SoftwareAttester dpu = new SoftwareAttester();
    private final byte[] policy = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bundle v7".getBytes());
    private final List<String> changes = new ArrayList<>();

    private PcrReference reference()
    {
        return PcrReference.parse("pcrs: {sha256: {0: " + HexFormat.of().formatHex(dpu.pcr(0)) + ", 16: " +
            HexFormat.of().formatHex(dpu.pcr(16)) + "}}");
    }

    private TpmAttestationVerifier.Result round(final byte[] reportedPolicy, final PcrReference reference)
    {
        final byte[] nonce = verifier.challenge();
        final SoftwareAttester.Quote q = dpu.quote(PolicyBinding.qualifyingData(nonce, reportedPolicy), 0, 16);
        return verifier.appraise(new TpmAttestationVerifier.Attester("dpu-1", dpu.publicKey(), reference, policy),
            new TpmAttestationVerifier.Evidence(nonce, q.attest(), q.signature(), q.pcrValues(),
                QuoteVerifier.PcrFormat.VALUES));
    }

    @Test
    void aGoodDpuIsAffirmedAndTheEarSaysSo() throws Exception
    {
        dpu.extend(16, TpmAlgorithm.hash(TpmAlgorithm.SHA256, "dpu-firmware-v1".getBytes()));
        ledger.addListener((id, from, to, reasons) -> changes.add(id + " " + from.label() + "->" + to.label()));
        final TpmAttestationVerifier.Result r = round(policy, reference());
        assertEquals(Status.AFFIRMING, r.status(), r.appraisal().reasons()::toString);
        assertTrue(ledger.trusted("dpu-1"));
        final Map<String, Object> claims = new EarVerifier(signer.publicKey()).verify(r.token(), nowSeconds);
        assertEquals("affirming", claims.get("ear.status"));
        assertEquals("dpu-1", claims.get("sub"));
        assertEquals(List.of("dpu-1 none->affirming"), changes);
    }

    @Test
    void aDpuOnAnotherPolicyIsContraindicatedInConfiguration()
    {
        final byte[] other = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bundle v6".getBytes());
        final TpmAttestationVerifier.Result r = round(other, reference());
        assertEquals(Status.CONTRAINDICATED, r.status());
        assertEquals(96, r.ear().submods().get("tpm").vector().configuration());
        assertEquals(2, r.ear().submods().get("tpm").vector().instanceIdentity(), "the quote itself is genuine");
        assertFalse(ledger.trusted("dpu-1"));
    }

    @Test
    void changedMeasurementsAreContraindicatedInExecutables()
    {
        final PcrReference golden = reference();
        dpu.extend(16, TpmAlgorithm.hash(TpmAlgorithm.SHA256, "implant".getBytes()));
        final TpmAttestationVerifier.Result r = round(policy, golden);
        assertEquals(Status.CONTRAINDICATED, r.status());
        assertEquals(96, r.ear().submods().get("tpm").vector().executables());
        assertEquals("pcr_value_mismatch", r.appraisal().reasons().get(0).code());
    }

    @Test
    void withoutReferenceValuesTheResultIsAWarning()
    {
        final TpmAttestationVerifier.Result r = round(policy, null);
        assertEquals(Status.WARNING, r.status());
        assertEquals(33, r.ear().submods().get("tpm").vector().executables());
    }

    @Test
    void replayedEvidenceIsContraindicatedAndNamed()
    {
        final byte[] nonce = verifier.challenge();
        final SoftwareAttester.Quote q = dpu.quote(PolicyBinding.qualifyingData(nonce, policy), 0, 16);
        final TpmAttestationVerifier.Attester attester =
            new TpmAttestationVerifier.Attester("dpu-1", dpu.publicKey(), reference(), policy);
        final TpmAttestationVerifier.Evidence evidence = new TpmAttestationVerifier.Evidence(nonce, q.attest(),
            q.signature(), q.pcrValues(), QuoteVerifier.PcrFormat.VALUES);
        assertEquals(Status.AFFIRMING, verifier.appraise(attester, evidence).status());
        final TpmAttestationVerifier.Result replay = verifier.appraise(attester, evidence);
        assertEquals(Status.CONTRAINDICATED, replay.status());
        assertEquals(List.of("nonce_replayed"), replay.freshness().stream().map(Reason::code).toList());
        final SoftwareAttester.Quote own = dpu.quote(new byte[32], 0, 16);
        final TpmAttestationVerifier.Result unknown = verifier.appraise(attester, new TpmAttestationVerifier.Evidence(
            new byte[32], own.attest(), own.signature(), own.pcrValues(), QuoteVerifier.PcrFormat.VALUES));
        assertEquals("nonce_unknown", unknown.freshness().get(0).code());
    }

    @Test
    void aResultLapsesAndTheLedgerSaysSo()
    {
        ledger.addListener((id, from, to, reasons) -> changes.add(from.label() + "->" + to.label() +
            (reasons.isEmpty() ? "" : " " + reasons.get(0).code())));
        assertEquals(Status.AFFIRMING, round(policy, reference()).status());
        nowSeconds += 299;
        assertTrue(ledger.trusted("dpu-1"));
        assertEquals(0, ledger.sweep());
        nowSeconds += 1;
        assertEquals(Status.CONTRAINDICATED, ledger.status("dpu-1"), "lapsed without fresh evidence");
        assertEquals(1, ledger.sweep());
        assertEquals(List.of("affirming->contraindicated attestation_lapsed"), changes.subList(1, 2));
        assertEquals(Status.AFFIRMING, round(policy, reference()).status(), "fresh evidence restores it");
        assertTrue(ledger.trusted("dpu-1"));
        assertEquals(Status.NONE, ledger.status("never-seen"));
    }
}
