package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.ear.EarVerifier;
import dev.palisade.attestation.spdm.SpdmReferenceValues;
import dev.palisade.attestation.spdm.SpdmTestDevice;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.SoftwareAttester;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPDM device evidence beside the TPM quote: both answer one challenge, each device is its own EAR submodule, and
 * any of them failing keeps the DPU from policy. The device is a software SPDM 1.2 responder (see
 * {@code SpdmTestDevice}) signing over the verifier's nonce.
 */
class SpdmDeviceAttestationTest
{
    private static final SpdmTestDevice NIC = SpdmTestDevice.create("Palisade NIC");
    private static final SpdmTestDevice STRANGER = SpdmTestDevice.create("Someone Else");

    private final long nowSeconds = 1_800_000_000L;
    private final EarSigner signer = EarSigner.generate("v1");
    private final AttestationLedger ledger = new AttestationLedger(() -> nowSeconds);
    private final SoftwareAttester dpu = new SoftwareAttester();
    private final byte[] policy = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bundle v7".getBytes());

    private TpmAttestationVerifier verifier(final SpdmPolicy spdm)
    {
        return new TpmAttestationVerifier(new NonceService(), signer, ledger, 300, () -> nowSeconds, "test", spdm);
    }

    private static SpdmPolicy policy(final boolean required)
    {
        return new SpdmPolicy(List.of(NIC.chain().getLast()), SpdmReferenceValues.parse(SpdmTestDevice
            .referenceYaml()), Set.of(), required);
    }

    private TpmAttestationVerifier.Attester attester()
    {
        return new TpmAttestationVerifier.Attester("dpu-1", dpu.publicKey(), PcrReference.parse("pcrs: {sha256: {0: " +
            HexFormat.of().formatHex(dpu.pcr(0)) + "}}"), policy);
    }

    private TpmAttestationVerifier.Evidence quote(final byte[] nonce)
    {
        final SoftwareAttester.Quote q = dpu.quote(PolicyBinding.qualifyingData(nonce, policy), 0);
        return new TpmAttestationVerifier.Evidence(nonce, q.attest(), q.signature(), q.pcrValues(),
            QuoteVerifier.PcrFormat.VALUES);
    }

    private static SpdmEvidence device(final String name, final SpdmTestDevice device, final byte[] nonce)
    {
        return new SpdmEvidence(name, device.measure(nonce), device.vca(), device.chain());
    }

    private static List<String> codes(final TpmAttestationVerifier.Result result)
    {
        return result.reasons().stream().map(Reason::code).toList();
    }

    @Test
    void aDeviceAnsweringTheSameChallengeIsItsOwnAffirmingSubmodule() throws Exception
    {
        final TpmAttestationVerifier verifier = verifier(policy(true));
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce),
            List.of(device("nic0", NIC, nonce)));
        assertEquals(Status.AFFIRMING, result.status(), result.reasons()::toString);
        assertEquals(List.of("tpm", "spdm:nic0"), List.copyOf(result.ear().submods().keySet()));
        assertEquals(2, result.ear().submods().get("spdm:nic0").vector().hardware(), "anchored in the NIC's root");
        assertEquals(2, result.ear().submods().get("spdm:nic0").vector().executables());
        assertEquals("1.2", result.devices().get("nic0").version());
        assertTrue(ledger.trusted("dpu-1"));
        final Map<String, Object> claims = new EarVerifier(signer.publicKey()).verify(result.token(), nowSeconds);
        assertTrue(((Map<?, ?>)claims.get("submods")).containsKey("spdm:nic0"), claims::toString);
    }

    @Test
    void aChangedDeviceMeasurementContraindicatesTheDpuInExecutables()
    {
        final SpdmTestDevice implanted = SpdmTestDevice.create("Palisade NIC");
        final TpmAttestationVerifier verifier = verifier(new SpdmPolicy(List.of(implanted.chain().getLast()),
            SpdmReferenceValues.parse(SpdmTestDevice.referenceYaml()), Set.of(), false));
        implanted.measurement(2, new byte[48]);
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce),
            List.of(device("nic0", implanted, nonce)));
        assertEquals(Status.CONTRAINDICATED, result.status());
        assertEquals(Status.AFFIRMING, result.ear().submods().get("tpm").status(), "the TPM side is fine");
        assertEquals(96, result.ear().submods().get("spdm:nic0").vector().executables());
        assertEquals(List.of("spdm_measurement_mismatch"), codes(result));
        assertTrue(result.reasons().getFirst().message().startsWith("device 'nic0': "));
        assertFalse(ledger.trusted("dpu-1"));
    }

    @Test
    void aDeviceFromAnotherManufacturerIsRefusedForItsRoot()
    {
        final TpmAttestationVerifier verifier = verifier(policy(false));
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce),
            List.of(device("nic0", STRANGER, nonce)));
        assertEquals(Status.CONTRAINDICATED, result.status());
        assertTrue(codes(result).contains("spdm_chain_untrusted_root"), codes(result)::toString);
        assertFalse(ledger.trusted("dpu-1"));
    }

    @Test
    void deviceEvidenceOverAnotherNonceIsContraindicatedInIdentity()
    {
        final TpmAttestationVerifier verifier = verifier(policy(false));
        final byte[] old = verifier.challenge();
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce),
            List.of(device("nic0", NIC, old)));
        assertEquals(Status.CONTRAINDICATED, result.status());
        assertEquals(List.of("spdm_nonce_mismatch"), codes(result));
        assertEquals(96, result.ear().submods().get("spdm:nic0").vector().instanceIdentity());
    }

    @Test
    void aReplayedChallengeTakesTheDevicesDownWithTheQuote()
    {
        final TpmAttestationVerifier verifier = verifier(policy(false));
        final byte[] nonce = verifier.challenge();
        final List<SpdmEvidence> devices = List.of(device("nic0", NIC, nonce));
        assertEquals(Status.AFFIRMING, verifier.appraise(attester(), quote(nonce), devices).status());
        final TpmAttestationVerifier.Result replay = verifier.appraise(attester(), quote(nonce), devices);
        assertEquals(Status.CONTRAINDICATED, replay.ear().submods().get("spdm:nic0").status());
        assertEquals(96, replay.ear().submods().get("spdm:nic0").vector().instanceIdentity());
    }

    @Test
    void aVerifierThatRequiresDevicesRefusesAQuoteAlone()
    {
        final TpmAttestationVerifier verifier = verifier(policy(true));
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce), List.of());
        assertEquals(Status.CONTRAINDICATED, result.status());
        assertEquals(List.of(TpmAttestationVerifier.EVIDENCE_MISSING), codes(result));
        assertEquals(96, result.ear().submods().get("spdm").vector().hardware());
        assertFalse(ledger.trusted("dpu-1"));
    }

    @Test
    void withoutTheRequirementADpuWithoutDevicesIsAppraisedOnItsTpm()
    {
        final TpmAttestationVerifier verifier = verifier(policy(false));
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce), List.of());
        assertEquals(Status.AFFIRMING, result.status());
        assertEquals(Set.of("tpm"), result.ear().submods().keySet());
        assertTrue(result.devices().isEmpty());
    }

    @Test
    void evidenceAVerifierWithoutAnSpdmPolicyGetsIsAtBestAWarning()
    {
        final TpmAttestationVerifier verifier = verifier(null);
        assertNull(verifier.spdm());
        final byte[] nonce = verifier.challenge();
        final TpmAttestationVerifier.Result result = verifier.appraise(attester(), quote(nonce),
            List.of(device("nic0", NIC, nonce)));
        assertEquals(Status.WARNING, result.status(), "no root to anchor it and nothing to compare it with");
        assertEquals(32, result.ear().submods().get("spdm:nic0").vector().hardware());
        assertEquals(33, result.ear().submods().get("spdm:nic0").vector().executables());
        assertFalse(ledger.trusted("dpu-1"));
    }

    @Test
    void tooManyDevicesOrOneNamedTwiceIsRefusedBeforeAnythingIsRecorded()
    {
        final TpmAttestationVerifier verifier = verifier(policy(false));
        final byte[] nonce = verifier.challenge();
        final SpdmEvidence nic = device("nic0", NIC, nonce);
        assertThrows(IllegalArgumentException.class, () -> verifier.appraise(attester(), quote(nonce),
            List.of(nic, nic)));
        final List<SpdmEvidence> many = new ArrayList<>();
        for (int i = 0; i <= TpmAttestationVerifier.MAX_DEVICES; i++)
        {
            many.add(new SpdmEvidence("nic" + i, nic.transcript(), nic.vca(), nic.chain()));
        }
        assertThrows(IllegalArgumentException.class, () -> verifier.appraise(attester(), quote(nonce), many));
        assertEquals(Status.NONE, ledger.status("dpu-1"));
        assertThrows(IllegalArgumentException.class, () -> new SpdmEvidence("../etc", new byte[0], null, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SpdmPolicy(List.of(), null, Set.of(), true));
    }
}
