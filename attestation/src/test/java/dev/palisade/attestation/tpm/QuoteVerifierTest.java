package dev.palisade.attestation.tpm;

import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.TestData;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real quotes made by swtpm with tpm2-tools (shared/data/attestation): they verify, and every field tampered,
 * truncated or replayed is rejected with its reason.
 */
class QuoteVerifierTest
{
    private static final String PCR16 = "93d5799edf61f53913abca90eefc9548a3969e0dd49e52fbe8ed1f185917bbde";
    private static final String ZERO = "00".repeat(32);
    private static final String REFERENCE = "pcrs:\n  sha256:\n    0: " + ZERO + "\n    16: " + PCR16 + "\n";

    private final Path dir = TestData.require("attestation/swtpm-ecdsa");
    private final byte[] quote = TestData.bytes(dir.resolve("quote.msg"));
    private final byte[] signature = TestData.bytes(dir.resolve("quote.sig"));
    private final byte[] pcrs = TestData.bytes(dir.resolve("quote.pcrs"));
    private final byte[] nonce = KeyFiles.hex(TestData.text(dir.resolve("nonce.hex")));
    private final AsymmetricKeyParameter ak = KeyFiles.publicKeyFromPem(TestData.text(dir.resolve("ak.pub")));

    private TpmAppraisal appraise(final byte[] q, final byte[] s, final byte[] n, final byte[] p, final String reference)
    {
        return QuoteVerifier.appraise(q, s, ak, n, p, QuoteVerifier.PcrFormat.AUTO,
            reference == null ? null : PcrReference.parse(reference));
    }

    private static Set<String> codes(final TpmAppraisal a)
    {
        final Set<String> codes = new TreeSet<>();
        a.reasons().stream().map(Reason::code).forEach(codes::add);
        return codes;
    }

    @Test
    void aRealEcdsaQuoteIsAffirmedAgainstItsReferenceValues()
    {
        final TpmAppraisal a = appraise(quote, signature, nonce, pcrs, REFERENCE);
        assertEquals(Status.AFFIRMING, a.status(), a.reasons()::toString);
        assertTrue(a.signatureValid() && a.nonceValid() && a.pcrDigestValid());
        assertEquals("[sha256:0,16]", a.quote().pcrSelect().toString());
        assertArrayEquals(HexFormat.of().parseHex(PCR16), a.pcrs().value(TpmAlgorithm.SHA256, 16));
        assertEquals(1, a.quote().resetCount());
    }

    @Test
    void withoutReferenceValuesAnAuthenticQuoteIsOnlyAWarning()
    {
        final TpmAppraisal a = appraise(quote, signature, nonce, pcrs, null);
        assertEquals(Status.WARNING, a.status());
        assertEquals("no_reference_values", a.warnings().get(0).code());
        assertTrue(a.reasons().isEmpty());
    }

    @Test
    void theValuesFormAndTheRsaAndEkCertificateQuotesVerifyToo()
    {
        final TpmAppraisal values = QuoteVerifier.appraise(TestData.bytes(dir.resolve("quote2.msg")),
            TestData.bytes(dir.resolve("quote2.plain.sig")), ak, nonce, TestData.bytes(dir.resolve("quote2.values")),
            QuoteVerifier.PcrFormat.VALUES, PcrReference.parse(REFERENCE));
        assertEquals(Status.AFFIRMING, values.status(), values.reasons()::toString);

        final TpmAppraisal rsa = QuoteVerifier.appraise(TestData.bytes(dir.resolve("quote_rsa.msg")),
            TestData.bytes(dir.resolve("quote_rsa.sig")),
            KeyFiles.publicKeyFromPem(TestData.text(dir.resolve("ak_rsa.pub"))), nonce,
            TestData.bytes(dir.resolve("quote_rsa.pcrs")), QuoteVerifier.PcrFormat.SERIALIZED,
            PcrReference.parse(REFERENCE));
        assertEquals(Status.AFFIRMING, rsa.status(), rsa.reasons()::toString);
        assertEquals("rsassa", rsa.signature().schemeName());

        final Path other = TestData.require("attestation/swtpm-with-ekcert");
        final TpmAppraisal ekcert = QuoteVerifier.appraise(TestData.bytes(other.resolve("quote.msg")),
            TestData.bytes(other.resolve("quote.sig")),
            KeyFiles.publicKeyFromPem(TestData.text(other.resolve("ak.pub"))),
            KeyFiles.hex(TestData.text(other.resolve("nonce.hex"))), TestData.bytes(other.resolve("quote.pcrs")),
            QuoteVerifier.PcrFormat.AUTO, null);
        assertEquals(Status.WARNING, ekcert.status(), ekcert.reasons()::toString);
        assertTrue(ekcert.signatureValid() && ekcert.pcrDigestValid());
    }

    @Test
    void aReplayedQuoteFailsOnlyOnItsNonce()
    {
        final byte[] other = nonce.clone();
        other[0] ^= 1;
        final TpmAppraisal a = appraise(quote, signature, other, pcrs, REFERENCE);
        assertEquals(Status.CONTRAINDICATED, a.status());
        assertEquals(Set.of("nonce_mismatch"), codes(a));
        assertTrue(a.signatureValid());
    }

    @Test
    void everyByteOfTheQuoteTamperedIsRejected()
    {
        for (int i = 0; i < quote.length; i++)
        {
            final byte[] tampered = quote.clone();
            tampered[i] ^= 0x01;
            final TpmAppraisal a = appraise(tampered, signature, nonce, pcrs, REFERENCE);
            assertEquals(Status.CONTRAINDICATED, a.status(), "byte " + i);
            final Set<String> codes = codes(a);
            assertTrue(codes.contains("signature_invalid") || codes.contains("malformed_quote"),
                "byte " + i + ": " + codes);
        }
        // Field by field, the reason names what changed.
        assertEquals(Set.of("malformed_quote"), codes(appraise(flip(quote, 0), signature, nonce, pcrs, null)));
        assertTrue(appraise(flip(quote, 0), signature, nonce, pcrs, null).reasons().get(0).message()
            .contains("TPMS_ATTEST.magic"));
        assertTrue(appraise(flip(quote, 5), signature, nonce, pcrs, null).reasons().get(0).message()
            .contains("TPMS_ATTEST.type"));
        final int extraData = 4 + 2 + 2 + 34 + 2;
        assertEquals(Set.of("signature_invalid", "nonce_mismatch"),
            codes(appraise(flip(quote, extraData), signature, nonce, pcrs, null)));
        assertEquals(Set.of("signature_invalid", "pcr_digest_mismatch"),
            codes(appraise(flip(quote, quote.length - 1), signature, nonce, pcrs, null)));
    }

    @Test
    void truncatedOrExtendedQuotesAreMalformed()
    {
        for (int length = 0; length < quote.length; length++)
        {
            final TpmAppraisal a = appraise(Arrays.copyOf(quote, length), signature, nonce, pcrs, null);
            assertEquals(Set.of("malformed_quote"), codes(a), "length " + length);
        }
        final TpmAppraisal longer = appraise(Arrays.copyOf(quote, quote.length + 1), signature, nonce, pcrs, null);
        assertTrue(longer.reasons().get(0).message().contains("trailing"), longer.reasons()::toString);
    }

    @Test
    void everyByteOfTheSignatureTamperedOrCutIsRejected()
    {
        for (int i = 0; i < signature.length; i++)
        {
            final TpmAppraisal a = appraise(quote, flip(signature, i), nonce, pcrs, null);
            final Set<String> codes = codes(a);
            assertTrue(codes.equals(Set.of("signature_invalid")) || codes.equals(Set.of("malformed_signature")),
                "byte " + i + ": " + codes);
        }
        for (int length = 0; length < signature.length; length++)
        {
            assertEquals(Set.of("malformed_signature"),
                codes(appraise(quote, Arrays.copyOf(signature, length), nonce, pcrs, null)), "length " + length);
        }
    }

    @Test
    void anotherKeyDoesNotVerify()
    {
        final TpmAppraisal rsaKey = QuoteVerifier.appraise(quote, signature,
            KeyFiles.publicKeyFromPem(TestData.text(dir.resolve("ek.pub"))), nonce, pcrs,
            QuoteVerifier.PcrFormat.AUTO, null);
        assertEquals(Set.of("signature_key_mismatch"), codes(rsaKey));
        final Path other = TestData.require("attestation/swtpm-with-ekcert");
        final TpmAppraisal otherAk = QuoteVerifier.appraise(quote, signature,
            KeyFiles.publicKeyFromPem(TestData.text(other.resolve("ak.pub"))), nonce, pcrs,
            QuoteVerifier.PcrFormat.AUTO, null);
        assertEquals(Set.of("signature_invalid"), codes(otherAk));
    }

    @Test
    void pcrValuesThatWereNotQuotedOrDoNotMatchAreNamed()
    {
        // A PCR 16 value changed in the serialized file (at its digest, after the 2-byte size).
        final int pcr16 = 0x8C + 66 + 2;
        assertEquals(Set.of("pcr_digest_mismatch"), codes(appraise(quote, signature, nonce, flip(pcrs, pcr16), REFERENCE)));
        assertEquals(Set.of("malformed_pcrs"), codes(appraise(quote, signature, nonce, Arrays.copyOf(pcrs, 100), null)));
        final String wrong = REFERENCE.replace(PCR16, "11".repeat(32));
        final TpmAppraisal mismatch = appraise(quote, signature, nonce, pcrs, wrong);
        assertEquals(Set.of("pcr_value_mismatch"), codes(mismatch));
        assertTrue(mismatch.reasons().get(0).message().contains("sha256 PCR 16"));
        assertEquals(Set.of("pcr_not_quoted"),
            codes(appraise(quote, signature, nonce, pcrs, REFERENCE + "    7: " + ZERO + "\n")));
        assertEquals(Set.of("pcr_values_missing"), codes(appraise(quote, signature, nonce, null, REFERENCE)));
    }

    @Test
    void referenceFilesWithMistakesSayWhere()
    {
        assertMessage("pcrs.sha999", "pcrs:\n  sha999:\n    0: " + ZERO);
        assertMessage("pcrs.sha256.x", "pcrs:\n  sha256:\n    x: " + ZERO);
        assertMessage("PCR index out of 0..31", "pcrs:\n  sha256:\n    40: " + ZERO);
        assertMessage("16 bytes", "pcrs:\n  sha256:\n    0: " + "00".repeat(16));
        assertMessage("not a hex digit", "pcrs:\n  sha256:\n    0: zz");
        assertNotNull(PcrReference.parse("{\"pcrs\": {\"sha256\": {\"16\": \"" + PCR16 + "\"}}}").values()
            .value(TpmAlgorithm.SHA256, 16), "JSON works too");
        assertNull(PcrReference.parse("other: 1").values().value(TpmAlgorithm.SHA256, 0));
    }

    private static void assertMessage(final String expected, final String yaml)
    {
        final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> PcrReference.parse(yaml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] flip(final byte[] bytes, final int index)
    {
        final byte[] out = bytes.clone();
        out[index] ^= 0x01;
        return out;
    }
}
