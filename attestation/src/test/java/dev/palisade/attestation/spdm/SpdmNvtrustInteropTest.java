package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Status;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real-world vector: an NVIDIA H100 SPDM 1.1 transcript and its device certificate chain, as published in NVIDIA's
 * nvtrust repository (see {@code nvtrust/SOURCE.txt} beside the files for the exact paths and commits). nvtrust's
 * verifier checks it with ECDSA P-384 / SHA-384 over request || response-without-signature, as this verifier does.
 */
class SpdmNvtrustInteropTest
{
    private static final Instant WHEN = Instant.parse("2024-06-01T00:00:00Z");
    private static final byte[] NONCE =
        HexFormat.of().parseHex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");

    static String resource(final String name) throws IOException
    {
        try (InputStream in = SpdmNvtrustInteropTest.class.getResourceAsStream("nvtrust/" + name))
        {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void hopperReportVerifiesWithItsChain() throws Exception
    {
        final byte[] transcript = SpdmVerifier.parseHex(resource("hopperAttestationReport.txt"));
        final List<X509CertificateHolder> chain = SpdmVerifier.readPem(resource("hopperCertChain.pem"));
        final SpdmAppraisal appraisal = SpdmVerifier.builder()
            .roots(List.of(chain.getLast()))
            .expectedNonce(NONCE)
            .validationTime(WHEN)
            .build()
            .verify(transcript, chain);

        assertTrue(appraisal.signatureValid(), appraisal.reasons().toString());
        assertTrue(appraisal.chainValid(), appraisal.reasons().toString());
        assertTrue(appraisal.chainAnchored());
        assertEquals("leaf_first", appraisal.chainOrder());
        assertEquals("1.1", appraisal.version());
        assertEquals("ECDSA_P384", appraisal.signatureAlgorithm());
        assertEquals(64, appraisal.measurements().size());
        assertEquals(1, appraisal.measurements().getFirst().index());
        assertEquals("mutable_firmware", appraisal.measurements().getFirst().typeName());
        assertFalse(appraisal.measurements().getFirst().raw());
        assertEquals(48, appraisal.measurements().getFirst().value().length);
        assertArrayEquals(NONCE, appraisal.nonce());
        // The GSP FMC certificate carries the RIoT CompositeDeviceID form of OID 2.23.133.5.4.1 with a SHA-384 FWID.
        final DiceTcbInfo composite = appraisal.tcbInfos().getFirst();
        assertEquals("riot_composite_device_id", composite.source());
        assertEquals("2.16.840.1.101.3.4.2.2", composite.fwids().getFirst().hashAlgorithm());
        assertEquals(Status.WARNING, appraisal.status(), "no reference values were given");
        assertEquals(List.of(SpdmReasons.NO_REFERENCE_VALUES),
            appraisal.reasons().stream().map(r -> r.code()).toList());
    }

    @Test
    void rootFirstOrderIsDetected() throws Exception
    {
        final byte[] transcript = SpdmVerifier.parseHex(resource("hopperAttestationReport.txt"));
        final List<X509CertificateHolder> chain = SpdmVerifier.readPem(resource("hopperCertChain.pem"));
        final SpdmAppraisal appraisal = SpdmVerifier.builder()
            .roots(List.of(chain.getLast()))
            .expectedNonce(NONCE)
            .validationTime(WHEN)
            .build()
            .verify(transcript, chain.reversed());
        assertEquals("root_first", appraisal.chainOrder());
        assertTrue(appraisal.signatureValid() && appraisal.chainValid() && appraisal.chainAnchored());
    }

    @Test
    void oneFlippedBitInTheRealTranscriptIsRejected() throws Exception
    {
        final byte[] transcript = SpdmVerifier.parseHex(resource("hopperAttestationReport.txt"));
        final List<X509CertificateHolder> chain = SpdmVerifier.readPem(resource("hopperCertChain.pem"));
        transcript[37 + 8 + 4 + 3 + 10] ^= 0x01; // a byte of measurement 1's digest
        final SpdmAppraisal appraisal = SpdmVerifier.builder()
            .roots(List.of(chain.getLast()))
            .expectedNonce(NONCE)
            .validationTime(WHEN)
            .build()
            .verify(transcript, chain);
        assertFalse(appraisal.signatureValid());
        assertTrue(appraisal.hasReason(SpdmReasons.SIGNATURE_INVALID));
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
    }
}
