package dev.palisade.attestation.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAppraisal;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Arbitrary bytes as a quote, its signature and its PCR file, appraised with a real attestation key: the appraisal
 * must come back (never an exception), contraindicated with reasons unless everything checks out. In {@code mvn test}
 * only the seeds in {@code TpmEvidenceFuzzTestInputs/appraiseArbitraryEvidence} run; {@code JAZZER_FUZZ=1} fuzzes.
 * <p>
 * Input layout: two 16-bit big-endian lengths (quote, signature), then the quote, the signature, and the PCR file
 * (the rest), which is also tried as a TCG event log. The seed is the real swtpm quote of shared/data/attestation/swtpm-ecdsa in that layout.
 */
class TpmEvidenceFuzzTest
{
    /** shared/data/attestation/swtpm-ecdsa/ak.pub, kept here so the fuzz target needs no files. */
    private static final String AK_PEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEs3L/LpHwVP/tLAoroR4TW2ud7WqV
        hKz7FQm/dPJOJf/ugwF37V8v0lUi+DCHE4Q20EiJCkMAFC4XE778lw+g8A==
        -----END PUBLIC KEY-----
        """;
    private static final AsymmetricKeyParameter AK = KeyFiles.publicKeyFromPem(AK_PEM);
    private static final byte[] NONCE =
        KeyFiles.hex("a0e0161703cea58218b2f4d00cb16c9507162be2ba6b9a120a7ef5451938effd");
    private static final PcrReference REFERENCE = PcrReference.parse("pcrs: {sha256: {16: " + "00".repeat(32) + "}}");

    @FuzzTest(maxDuration = "30s")
    void appraiseArbitraryEvidence(final byte[] input)
    {
        if (input.length < 4)
        {
            return;
        }
        final int quoteLength = Math.min(((input[0] & 0xFF) << 8) | (input[1] & 0xFF), input.length - 4);
        final int signatureLength = Math.min(((input[2] & 0xFF) << 8) | (input[3] & 0xFF),
            input.length - 4 - quoteLength);
        final byte[] quote = Arrays.copyOfRange(input, 4, 4 + quoteLength);
        final byte[] signature = Arrays.copyOfRange(input, 4 + quoteLength, 4 + quoteLength + signatureLength);
        final byte[] pcrs = Arrays.copyOfRange(input, 4 + quoteLength + signatureLength, input.length);
        for (final QuoteVerifier.PcrFormat format : QuoteVerifier.PcrFormat.values())
        {
            final TpmAppraisal a = QuoteVerifier.appraise(quote, signature, AK, NONCE, pcrs, format, REFERENCE);
            assertNotNull(a.status());
            assertEquals(a.reasons().isEmpty(), a.status() != Status.CONTRAINDICATED, a.reasons()::toString);
            assertNotNull(a.toJson());
            if (!a.signatureValid())
            {
                assertFalse(a.status() == Status.AFFIRMING);
            }
        }
        // The trailing bytes as a TCG event log, with and without PCR values.
        for (final byte[] values : new byte[][] {null, pcrs})
        {
            final TpmAppraisal a = QuoteVerifier.appraise(quote, signature, AK, NONCE, values,
                QuoteVerifier.PcrFormat.AUTO, REFERENCE, pcrs);
            assertEquals(a.reasons().isEmpty(), a.status() != Status.CONTRAINDICATED, a.reasons()::toString);
        }
    }
}
