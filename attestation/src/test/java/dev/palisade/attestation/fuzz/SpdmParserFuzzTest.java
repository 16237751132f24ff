package dev.palisade.attestation.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.spdm.SpdmAppraisal;
import dev.palisade.attestation.spdm.SpdmFormatException;
import dev.palisade.attestation.spdm.SpdmReasons;
import dev.palisade.attestation.spdm.SpdmTranscript;
import dev.palisade.attestation.spdm.SpdmVca;
import dev.palisade.attestation.spdm.SpdmVerifier;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as an SPDM GET_MEASUREMENTS transcript (what a device, or whoever relays its evidence, sends): the
 * parser and the verifier never throw, every rejection carries a reason code, and nothing but the unmodified seeds
 * is ever affirmed. In {@code mvn test} only the seeds in {@code SpdmParserFuzzTestInputs/verifyTranscript} run;
 * {@code JAZZER_FUZZ=1} fuzzes.
 * <p>
 * The seeds are signed SPDM 1.1 and 1.2 transcripts (ECDSA P-384 / SHA-384, nonce 32 x 0x5A) for the chain in
 * {@code spdm-fuzz-chain.pem}, made by {@code SpdmFuzzSeeds} in the spdm test package; the chain's root anchors them,
 * valid 2024..2124.
 * <p>
 * {@link #verifyLeafCertificate} fuzzes the other untrusted input, the device's certificates: its seeds (in
 * {@code SpdmParserFuzzTestInputs/verifyLeafCertificate}) are the chain's leaf, the leaf with a TcbInfo extension of
 * 30,000 nested SEQUENCEs, and such DER on its own, which overflowed the stack before extension values and
 * certificates were bounded ({@link dev.palisade.attestation.DerNesting}).
 */
class SpdmParserFuzzTest
{
    private static final List<X509CertificateHolder> CHAIN = chain();
    private static final byte[] NONCE = filled(32, 0x5A);
    private static final byte[] SIGNED_V12 = resource("SpdmParserFuzzTestInputs/verifyTranscript/signed-all-v12");
    private static final SpdmVerifier VERIFIER = SpdmVerifier.builder()
        .roots(List.of(CHAIN.getLast()))
        .expectedNonce(NONCE)
        .validationTime(Instant.parse("2025-06-01T00:00:00Z"))
        .build();

    /**
     * Arbitrary bytes as the DER leaf certificate of the fuzz chain, given as PEM as the CLI reads it: reading fails
     * with {@code pem_malformed} or gives a certificate, and verifying the signed 1.2 seed with it never throws (no
     * StackOverflowError from nesting, in an extension or anywhere else). Only an authentic chain and signature can
     * leave the result short of CONTRAINDICATED.
     */
    @FuzzTest(maxDuration = "30s")
    void verifyLeafCertificate(final byte[] input)
    {
        final String pem = "-----BEGIN CERTIFICATE-----\n" +
            Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(input) + "\n-----END CERTIFICATE-----\n";
        final List<X509CertificateHolder> leaf;
        try
        {
            leaf = SpdmVerifier.readPem(pem);
        }
        catch (final SpdmFormatException e)
        {
            assertEquals("pem_malformed", e.code());
            return;
        }
        final SpdmAppraisal appraisal = VERIFIER.verify(SIGNED_V12, List.of(leaf.getFirst(), CHAIN.get(1),
            CHAIN.get(2)));
        assertNotNull(appraisal.toJson());
        if (appraisal.status() != Status.CONTRAINDICATED)
        {
            assertTrue(appraisal.signatureValid() && appraisal.chainValid(), appraisal.reasons().toString());
        }
        else
        {
            assertFalse(appraisal.reasons().isEmpty());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void verifyTranscript(final byte[] input)
    {
        for (final int signatureSize : new int[] {0, 64, 96})
        {
            try
            {
                final SpdmTranscript transcript = SpdmTranscript.parse(input, signatureSize);
                assertFalse(transcript.exchanges().isEmpty());
                assertTrue(transcript.signedBytes().length <= input.length);
            }
            catch (final SpdmFormatException e)
            {
                assertNotNull(e.code());
                assertTrue(e.offset() >= 0 && e.offset() <= input.length, e.getMessage());
            }
        }
        try
        {
            SpdmVca.parse(input);
        }
        catch (final SpdmFormatException e)
        {
            assertEquals(SpdmReasons.VCA_MALFORMED, e.code());
        }
        try
        {
            SpdmVerifier.parseHex(new String(input, StandardCharsets.ISO_8859_1));
        }
        catch (final SpdmFormatException e)
        {
            assertEquals("hex_malformed", e.code());
        }

        final SpdmAppraisal appraisal = VERIFIER.verify(input, CHAIN);
        assertNotNull(appraisal.toJson());
        if (appraisal.status() != Status.CONTRAINDICATED)
        {
            // Only a transcript the responder signed can be authentic; with an appended or cut byte it is not.
            assertTrue(appraisal.signatureValid(), appraisal.reasons().toString());
        }
        else
        {
            assertFalse(appraisal.reasons().isEmpty());
        }
    }

    private static List<X509CertificateHolder> chain()
    {
        try
        {
            return SpdmVerifier.readPem(new String(resource("spdm-fuzz-chain.pem"), StandardCharsets.US_ASCII));
        }
        catch (final SpdmFormatException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(final String name)
    {
        try (InputStream in = SpdmParserFuzzTest.class.getResourceAsStream(name))
        {
            return in.readAllBytes();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] filled(final int size, final int fill)
    {
        final byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte)fill);
        return bytes;
    }
}
