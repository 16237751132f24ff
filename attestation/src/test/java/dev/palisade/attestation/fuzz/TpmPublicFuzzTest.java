package dev.palisade.attestation.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Arbitrary bytes as a TPM2B_PUBLIC and as a TPMT_PUBLIC (an attester sends them for its EK and AK): parsing either
 * succeeds or throws {@link TpmFormatException}, nothing else; what parses marshals back to exactly the input (so the
 * Name the verifier computes is the TPM's); and the Name and public key of a parsed area come out or fail with a
 * {@link TpmFormatException} too. In {@code mvn test} only the seeds in {@code
 * TpmPublicFuzzTestInputs/parsePublicArea} run (swtpm and TCG template public areas); {@code JAZZER_FUZZ=1} fuzzes.
 */
class TpmPublicFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void parsePublicArea(final byte[] input) throws TpmFormatException
    {
        for (final boolean sized : new boolean[] {true, false})
        {
            final TpmPublic area;
            try
            {
                area = TpmPublic.parse(input, sized);
            }
            catch (final TpmFormatException expected)
            {
                continue;
            }
            assertArrayEquals(input, sized ? area.marshalSized() : area.marshal(), "marshal(parse(x)) == x");
            assertEquals(area, TpmPublic.parse(area.marshal(), false));
            assertEquals(2 + TpmAlgorithm.digestSize(area.nameAlg()), area.name().length);
            try
            {
                area.publicKey();
                area.subjectPublicKeyInfo();
            }
            catch (final TpmFormatException notAKey)
            {
                // A template or a point off the curve: refused with a reason, which is all that is asked.
            }
            area.isRestrictedSigningKey();
            area.toString();
        }
    }
}
