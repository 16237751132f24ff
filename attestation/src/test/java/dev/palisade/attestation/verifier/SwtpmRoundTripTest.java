package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.ear.EarVerifier;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.client.KeyType;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.attestation.tpm.client.Tpm2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole round against a real software TPM: the verifier challenges, the DPU side quotes with swtpm through our own
 * client (qualifying data binding the policy), the verifier appraises and signs an EAR; then the DPU's measurements
 * change and the next round is contraindicated.
 */
class SwtpmRoundTripTest
{
    private static final int[] PCRS = {0, 16};

    @Test
    void challengeQuoteAppraiseWithSwtpm(@TempDir final Path state) throws Exception
    {
        assumeTrue(SwtpmProcess.isInstalled(), "swtpm is not installed (install swtpm swtpm-tools tpm2-tools)");
        long now = 1_800_000_000L;
        final long[] clock = {now};
        final EarSigner signer = EarSigner.generate("verifier");
        final AttestationLedger ledger = new AttestationLedger(() -> clock[0]);
        final TpmAttestationVerifier verifier = new TpmAttestationVerifier(new NonceService(), signer, ledger, 300,
            () -> clock[0], "test");
        final byte[] policy = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bundle v3".getBytes());
        try (SwtpmProcess swtpm = SwtpmProcess.start(state); Tpm2 tpm = swtpm.client())
        {
            tpm.pcrReset(16);
            tpm.pcrExtend(16, TpmAlgorithm.SHA256, TpmAlgorithm.hash(TpmAlgorithm.SHA256,
                "dpu-firmware-v1".getBytes()));
            final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
            final Tpm2.LoadedKey ak = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
            // Enrolment made the AK trusted (see EnrolmentTest); the verifier knows its public key and golden PCRs.
            final Map<Integer, byte[]> golden = tpm.pcrRead(TpmAlgorithm.SHA256, PCRS);
            final PcrReference reference = PcrReference.parse("pcrs: {sha256: {0: " +
                HexFormat.of().formatHex(golden.get(0)) + ", 16: " + HexFormat.of().formatHex(golden.get(16)) + "}}");
            final TpmAttestationVerifier.Attester attester = new TpmAttestationVerifier.Attester("dpu-1",
                ak.publicArea().publicKey(), reference, policy);

            final TpmAttestationVerifier.Result first = round(verifier, tpm, ak.handle(), attester, policy);
            assertEquals(Status.AFFIRMING, first.status(), first.appraisal().reasons()::toString);
            assertTrue(ledger.trusted("dpu-1"));
            final Map<String, Object> claims = new EarVerifier(signer.publicKey()).verify(first.token(), clock[0]);
            assertEquals("affirming", claims.get("ear.status"));

            // Something else gets measured on the DPU: the next round says so.
            tpm.pcrExtend(16, TpmAlgorithm.SHA256, TpmAlgorithm.hash(TpmAlgorithm.SHA256, "implant".getBytes()));
            final TpmAttestationVerifier.Result second = round(verifier, tpm, ak.handle(), attester, policy);
            assertEquals(Status.CONTRAINDICATED, second.status());
            assertEquals("pcr_value_mismatch", second.appraisal().reasons().get(0).code());
            assertFalse(ledger.trusted("dpu-1"));
            tpm.flushQuietly(ak.handle());
            tpm.flushQuietly(ek.handle());
        }
    }

    /** One round as the agent would run it: take the challenge, quote, send quote + PCR values. */
    static TpmAttestationVerifier.Result round(final TpmAttestationVerifier verifier, final Tpm2 tpm, final int ak,
        final TpmAttestationVerifier.Attester attester, final byte[] activePolicy) throws Exception
    {
        final byte[] nonce = verifier.challenge();
        final Tpm2.Quote quote = tpm.quote(ak, PolicyBinding.qualifyingData(nonce, activePolicy), TpmAlgorithm.SHA256,
            PCRS);
        final Map<Integer, byte[]> values = tpm.pcrRead(TpmAlgorithm.SHA256, PCRS);
        final ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
        for (final int pcr : PCRS)
        {
            concatenated.writeBytes(values.get(pcr));
        }
        return verifier.appraise(attester, new TpmAttestationVerifier.Evidence(nonce, quote.attest(),
            quote.signature(), concatenated.toByteArray(), QuoteVerifier.PcrFormat.VALUES));
    }
}
