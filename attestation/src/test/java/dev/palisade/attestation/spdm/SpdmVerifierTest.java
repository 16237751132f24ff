package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.spdm.SpdmTestResponder.Device;
import dev.palisade.attestation.spdm.SpdmTestResponder.KeyKind;
import dev.palisade.attestation.spdm.SpdmTestResponder.Vector;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.palisade.attestation.spdm.SpdmTestResponder.NONCE;
import static dev.palisade.attestation.spdm.SpdmTestResponder.VALIDATION_TIME;
import static dev.palisade.attestation.spdm.SpdmTestResponder.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPDM evidence made by {@link SpdmTestResponder}: every algorithm and version affirms, and every field tampered
 * with, truncated or replayed is rejected with its own reason code. A fixed clock throughout.
 */
class SpdmVerifierTest
{
    static Stream<Arguments> algorithms()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final int version : new int[] {0x11, 0x12})
        {
            for (final boolean withVca : new boolean[] {false, true})
            {
                arguments.add(Arguments.of(KeyKind.P256, SpdmAsymAlgorithm.ECDSA_P256, version, withVca));
                arguments.add(Arguments.of(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, version, withVca));
                arguments.add(Arguments.of(KeyKind.RSA3072, SpdmAsymAlgorithm.RSASSA_3072, version, withVca));
                arguments.add(Arguments.of(KeyKind.RSA3072, SpdmAsymAlgorithm.RSAPSS_3072, version, withVca));
                arguments.add(Arguments.of(KeyKind.ED25519, SpdmAsymAlgorithm.EDDSA_ED25519, version, withVca));
                arguments.add(Arguments.of(KeyKind.ED448, SpdmAsymAlgorithm.EDDSA_ED448, version, withVca));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} {1} version {2} vca {3}")
    @MethodSource("algorithms")
    void everyAlgorithmAndVersionAffirms(final KeyKind kind, final SpdmAsymAlgorithm algorithm, final int version,
        final boolean withVca)
    {
        final Vector vector = SpdmTestResponder.vector(kind, algorithm, version, withVca);
        final SpdmAppraisal appraisal = vector.verifier().build().verify(vector.transcript(), vector.device().chain());
        assertEquals(List.of(), appraisal.reasons());
        assertEquals(Status.AFFIRMING, appraisal.status());
        assertTrue(appraisal.signatureValid() && appraisal.chainValid() && appraisal.chainAnchored());
        assertEquals(algorithm.name(), appraisal.signatureAlgorithm());
        assertEquals(algorithm.defaultHash().label(), appraisal.hashAlgorithm());
        assertEquals(version == 0x11 ? "1.1" : "1.2", appraisal.version());
        assertEquals(3, appraisal.measurements().size());
        assertArrayEquals(NONCE, appraisal.nonce());
        assertArrayEquals(SpdmTestResponder.RESPONDER_NONCE, appraisal.responderNonce());
        assertArrayEquals(SpdmTestResponder.OPAQUE, appraisal.opaqueData());
    }

    @Test
    void explicitHashOptionIsUsed()
    {
        final Device device = SpdmTestResponder.device(KeyKind.P256);
        final Vector vector = SpdmTestResponder.vector(device, SpdmAsymAlgorithm.ECDSA_P256,
            SpdmHashAlgorithm.SHA_384, 0x12, false);
        final SpdmAppraisal inferred = vector.verifier().build().verify(vector.transcript(), device.chain());
        assertTrue(inferred.hasReason(SpdmReasons.SIGNATURE_INVALID), "P-256 implies SHA-256 by default");
        final SpdmAppraisal explicit = vector.verifier().hash(SpdmHashAlgorithm.SHA_384).build()
            .verify(vector.transcript(), device.chain());
        assertEquals(Status.AFFIRMING, explicit.status(), explicit.reasons().toString());
        assertEquals("SHA-384", explicit.hashAlgorithm());
    }

    @Test
    void spdm12SignsTheVcaMessages()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, true);
        final SpdmAppraisal withoutVca = vector.verifier().vca(null).build()
            .verify(vector.transcript(), vector.device().chain());
        assertTrue(withoutVca.hasReason(SpdmReasons.SIGNATURE_INVALID));
        assertTrue(withoutVca.reasons().toString().contains("VCA"), "the reason hints at the missing VCA");
        final byte[] otherVca = vector.vca().clone();
        otherVca[10] ^= 0x01; // GET_CAPABILITIES byte: signed, so the signature must fail
        final SpdmAppraisal wrongVca = vector.verifier().vca(otherVca).build()
            .verify(vector.transcript(), vector.device().chain());
        assertTrue(wrongVca.hasReason(SpdmReasons.SIGNATURE_INVALID), wrongVca.reasons().toString());
    }

    @Test
    void vcaSelectingAnotherAlgorithmThanTheLeafKeyIsRejected()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P256, SpdmAsymAlgorithm.ECDSA_P256, 0x12, false);
        final byte[] vca = SpdmTestResponder.vca(0x12, SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384);
        final SpdmAppraisal appraisal = vector.verifier().vca(vca).build()
            .verify(vector.transcript(), vector.device().chain());
        assertTrue(appraisal.hasReason(SpdmReasons.LEAF_KEY_UNSUPPORTED), appraisal.reasons().toString());
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
        // The signature was never checked, so it is not called invalid: the reason says why it could not be.
        assertEquals(List.of(SpdmReasons.LEAF_KEY_UNSUPPORTED, SpdmReasons.SIGNATURE_UNVERIFIABLE), codes(appraisal));
        assertTrue(appraisal.reasons().get(1).message().contains("ALGORITHMS in the VCA selected ECDSA_P384"),
            appraisal.reasons().toString());
    }

    @Test
    void aSignatureThatCannotBeCheckedSaysWhy()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P256, SpdmAsymAlgorithm.ECDSA_P256, 0x12, false);
        final SpdmAppraisal configured = vector.verifier().signatureAlgorithm(SpdmAsymAlgorithm.RSASSA_3072).build()
            .verify(vector.transcript(), vector.device().chain());
        assertEquals(List.of(SpdmReasons.LEAF_KEY_UNSUPPORTED, SpdmReasons.SIGNATURE_UNVERIFIABLE), codes(configured));
        assertTrue(configured.reasons().get(1).message().contains("the configured algorithm is RSASSA_3072"),
            configured.reasons().toString());

        final SpdmAppraisal noChain = vector.verifier().build().verify(vector.transcript(), List.of());
        assertEquals(List.of(SpdmReasons.CHAIN_EMPTY, SpdmReasons.SIGNATURE_UNVERIFIABLE), codes(noChain));
        assertTrue(noChain.reasons().get(1).message().contains("no certificate chain was given"),
            noChain.reasons().toString());
    }

    @Test
    void moreExchangesThanTheBoundHaveTheirOwnReason() throws SpdmFormatException
    {
        final byte[] count = concat(SpdmTestResponder.request(0x12, false, 0x00, null, 0),
            SpdmTestResponder.response(0x12, 3, 0, List.of(), SpdmTestResponder.RESPONDER_NONCE, new byte[0]));
        final byte[] signed = concat(SpdmTestResponder.request(0x12, true, 0x02, NONCE, 0),
            SpdmTestResponder.response(0x12, 0, 0, List.of(SpdmTestResponder.block(2, 0x01, SpdmTestResponder.VALUE_2)),
                SpdmTestResponder.RESPONDER_NONCE, new byte[0]), new byte[96]);
        // At the bound: 255 unsigned exchanges and the signed one.
        final byte[] atBound = concat(repeat(count, SpdmTranscript.MAX_EXCHANGES - 1), signed);
        assertEquals(SpdmTranscript.MAX_EXCHANGES, SpdmTranscript.parse(atBound, 96).exchanges().size());

        final byte[] over = concat(repeat(count, SpdmTranscript.MAX_EXCHANGES), signed);
        final SpdmFormatException e = assertThrows(SpdmFormatException.class, () -> SpdmTranscript.parse(over, 96));
        assertEquals(SpdmReasons.TOO_MANY_EXCHANGES, e.code());
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final SpdmAppraisal appraisal = vector.verifier().build().verify(over, vector.device().chain());
        assertEquals(List.of(SpdmReasons.TOO_MANY_EXCHANGES), codes(appraisal));
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
    }

    private static byte[] repeat(final byte[] part, final int times)
    {
        final byte[][] parts = new byte[times][];
        Arrays.fill(parts, part);
        return concat(parts);
    }

    @Test
    void anIndexReturnedByTwoExchangesIsRejected()
    {
        // Index 1 unsigned with its reference value, then all indices signed with another value of index 1: the
        // signature covers both, and comparing the reference with the first one alone would affirm.
        final Device device = SpdmTestResponder.device(KeyKind.P384);
        final byte[] firstRequest = SpdmTestResponder.request(0x12, false, 0x01, null, 0);
        final byte[] firstResponse = SpdmTestResponder.response(0x12, 0, 0,
            List.of(SpdmTestResponder.block(1, 0x00, SpdmTestResponder.VALUE_1)),
            SpdmTestResponder.RESPONDER_NONCE, new byte[0]);
        final byte[] signedRequest = SpdmTestResponder.request(0x12, true, 0xFF, NONCE, 0);
        final byte[] signedResponse = SpdmTestResponder.response(0x12, 0, 0,
            List.of(SpdmTestResponder.block(1, 0x00, SpdmTestResponder.filled(48, 0xEE)),
                SpdmTestResponder.block(2, 0x01, SpdmTestResponder.VALUE_2),
                SpdmTestResponder.block(3, 0x82, SpdmTestResponder.VALUE_3)),
            SpdmTestResponder.RESPONDER_NONCE, new byte[0]);
        final byte[] l1l2 = concat(firstRequest, firstResponse, signedRequest, signedResponse);
        final byte[] transcript = concat(l1l2, SpdmTestResponder.sign(SpdmAsymAlgorithm.ECDSA_P384,
            SpdmHashAlgorithm.SHA_384, device.leafPrivate(), 0x12, l1l2));
        final SpdmAppraisal appraisal = SpdmVerifier.builder().roots(List.of(device.root())).expectedNonce(NONCE)
            .validationTime(VALIDATION_TIME).referenceValues(SpdmTestResponder.references()).build()
            .verify(transcript, device.chain());
        assertTrue(appraisal.signatureValid(), appraisal.reasons().toString());
        assertEquals(List.of(SpdmReasons.MEASUREMENT_INDEX_REPEATED), codes(appraisal));
        assertTrue(appraisal.reasons().stream().anyMatch(r -> r.message().contains("measurement index 1 was " +
            "already returned by the exchange at byte 0")), appraisal.reasons().toString());
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
    }

    @Test
    void malformedVcaIsAReason()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, true);
        final byte[] vca = Arrays.copyOf(vector.vca(), vector.vca().length - 1);
        final SpdmAppraisal appraisal = vector.verifier().vca(vca).build()
            .verify(vector.transcript(), vector.device().chain());
        assertTrue(appraisal.hasReason(SpdmReasons.VCA_MALFORMED), appraisal.reasons().toString());
    }

    @Test
    void spdm12SignatureDoesNotVerifyAsSpdm11AndBack()
    {
        final Vector v12 = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final byte[] as11 = v12.transcript().clone();
        as11[0] = 0x11;
        as11[v12.responseStart()] = 0x11;
        final SpdmAppraisal relabelled = v12.verifier().build().verify(as11, v12.device().chain());
        assertEquals(List.of(SpdmReasons.SIGNATURE_INVALID), codes(relabelled), "only the signing context differs");

        final Vector v11 = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x11, false);
        final byte[] as12 = v11.transcript().clone();
        as12[0] = 0x12;
        as12[v11.responseStart()] = 0x12;
        final SpdmAppraisal promoted = v11.verifier().build().verify(as12, v11.device().chain());
        assertEquals(List.of(SpdmReasons.SIGNATURE_INVALID), codes(promoted));
    }

    @Test
    void signingContextIsTheDsp0274Layout()
    {
        final String expected = HexFormat.of().formatHex(("dmtf-spdm-v1.2.*".repeat(4))
            .getBytes(StandardCharsets.US_ASCII)) + "000000000000" +
            HexFormat.of().formatHex("responder-measurements signing".getBytes(StandardCharsets.US_ASCII));
        assertEquals(expected, HexFormat.of().formatHex(SpdmSignatures.signingContext(0x12)));
        assertEquals(100, SpdmSignatures.signingContext(0x12).length);
    }

    /** Which byte is flipped, how, and the reason code that must name it. */
    record Tamper(String region, int offset, int xor, String code)
    {
    }

    static List<Tamper> tampers(final Vector v)
    {
        final int r = v.responseStart();
        final List<Tamper> tampers = new ArrayList<>(List.of(
            new Tamper("request SPDMVersion", 0, 0x01, SpdmReasons.UNSUPPORTED_VERSION),
            new Tamper("request RequestResponseCode", 1, 0x01, SpdmReasons.BAD_REQUEST_CODE),
            new Tamper("request Param1 SignatureRequested", 2, 0x01, SpdmReasons.BAD_RESPONSE_CODE),
            new Tamper("request Param1 RawBitStreamRequested", 2, 0x02, SpdmReasons.SIGNATURE_INVALID),
            new Tamper("request Param2 operation", 3, 0x01, SpdmReasons.UNEXPECTED_BLOCKS),
            new Tamper("request Nonce", 4 + 9, 0x01, SpdmReasons.NONCE_MISMATCH),
            new Tamper("request SlotIDParam", 36, 0x01, SpdmReasons.SLOT_MISMATCH),
            new Tamper("response SPDMVersion", r, 0x01, SpdmReasons.VERSION_MISMATCH),
            new Tamper("response RequestResponseCode", r + 1, 0x01, SpdmReasons.BAD_RESPONSE_CODE),
            new Tamper("response ERROR code", r + 1, 0x60 ^ 0x7F, SpdmReasons.ERROR_RESPONSE),
            new Tamper("response Param1", r + 2, 0x01, SpdmReasons.SIGNATURE_INVALID),
            new Tamper("response Param2 SlotID", r + 3, 0x01, SpdmReasons.SLOT_MISMATCH),
            new Tamper("response Param2 content changed", r + 3, 0x10, SpdmReasons.CONTENT_CHANGED),
            new Tamper("response NumberOfBlocks", r + 4, 0x01, SpdmReasons.RECORD_LENGTH_MISMATCH),
            new Tamper("response MeasurementRecordLength low", r + 5, 0x01, SpdmReasons.RECORD_LENGTH_MISMATCH),
            new Tamper("response MeasurementRecordLength high", r + 7, 0x01, SpdmReasons.RECORD_LENGTH_MISMATCH),
            new Tamper("response Nonce", v.responderNonceStart() + 3, 0x01, SpdmReasons.SIGNATURE_INVALID),
            new Tamper("response OpaqueDataLength +1", v.opaqueLengthStart(), 0x01, SpdmReasons.SIGNATURE_LENGTH),
            new Tamper("response OpaqueDataLength > 1024", v.opaqueLengthStart() + 1, 0x04,
                SpdmReasons.OPAQUE_LENGTH),
            new Tamper("response OpaqueData", v.opaqueStart() + 1, 0x01, SpdmReasons.SIGNATURE_INVALID),
            new Tamper("response Signature first", v.signatureStart(), 0x01, SpdmReasons.SIGNATURE_INVALID),
            new Tamper("response Signature last", v.transcript().length - 1, 0x80, SpdmReasons.SIGNATURE_INVALID)));
        for (int k = 0; k < v.blockStarts().size(); k++)
        {
            final int b = v.blockStarts().get(k);
            final String block = "block " + (k + 1) + " ";
            tampers.add(new Tamper(block + "Index", b, 0x04, SpdmReasons.SIGNATURE_INVALID));
            tampers.add(new Tamper(block + "Index (measurement missing)", b, 0x04, SpdmReasons.MEASUREMENT_MISSING));
            tampers.add(new Tamper(block + "MeasurementSpecification", b + 1, 0x02, SpdmReasons.SIGNATURE_INVALID));
            tampers.add(new Tamper(block + "MeasurementSize", b + 2, 0x01, SpdmReasons.MEASUREMENT_BLOCK_MALFORMED));
            tampers.add(new Tamper(block + "MeasurementSize high", b + 3, 0x01,
                SpdmReasons.MEASUREMENT_BLOCK_MALFORMED));
            tampers.add(new Tamper(block + "DMTFSpecMeasurementValueType", b + 4, 0x01,
                SpdmReasons.SIGNATURE_INVALID));
            tampers.add(new Tamper(block + "DMTFSpecMeasurementValueSize", b + 5, 0x01,
                SpdmReasons.MEASUREMENT_BLOCK_MALFORMED));
            tampers.add(new Tamper(block + "DMTFSpecMeasurementValue", b + 8, 0x01, SpdmReasons.SIGNATURE_INVALID));
            tampers.add(new Tamper(block + "DMTFSpecMeasurementValue (reference)", b + 8, 0x01,
                SpdmReasons.MEASUREMENT_MISMATCH));
        }
        return tampers;
    }

    @Test
    void everyTamperedFieldIsRejectedWithItsReason()
    {
        for (final boolean withVca : new boolean[] {false, true})
        {
            final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, withVca);
            final SpdmVerifier verifier = vector.verifier().build();
            for (final Tamper tamper : tampers(vector))
            {
                final byte[] transcript = vector.transcript().clone();
                transcript[tamper.offset()] ^= (byte)tamper.xor();
                final SpdmAppraisal appraisal = verifier.verify(transcript, vector.device().chain());
                final String what = tamper.region() + " (vca " + withVca + "): " + appraisal.reasons();
                assertEquals(Status.CONTRAINDICATED, appraisal.status(), what);
                assertTrue(appraisal.hasReason(tamper.code()), what);
                assertFalse(appraisal.signatureValid() && tamper.code().equals(SpdmReasons.SIGNATURE_INVALID), what);
            }
        }
    }

    @Test
    void appendedBytesAreTrailing()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final byte[] transcript = concat(vector.transcript(), new byte[] {0x00});
        final SpdmAppraisal appraisal = vector.verifier().build().verify(transcript, vector.device().chain());
        assertEquals(List.of(SpdmReasons.TRAILING_BYTES), codes(appraisal));
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
    }

    @Test
    void truncationAtEveryOffsetIsRejected()
    {
        for (final KeyKind kind : new KeyKind[] {KeyKind.P384, KeyKind.ED25519})
        {
            final SpdmAsymAlgorithm algorithm = kind == KeyKind.P384 ? SpdmAsymAlgorithm.ECDSA_P384 :
                SpdmAsymAlgorithm.EDDSA_ED25519;
            final Vector vector = SpdmTestResponder.vector(kind, algorithm, 0x12, false);
            final SpdmVerifier verifier = vector.verifier().build();
            for (int cut = 0; cut < vector.transcript().length; cut++)
            {
                final SpdmAppraisal appraisal =
                    verifier.verify(Arrays.copyOf(vector.transcript(), cut), vector.device().chain());
                final String expected = cut < GetMeasurementsRequest.SIGNED_LENGTH ? SpdmReasons.TRUNCATED_REQUEST :
                    cut < vector.signatureStart() ? SpdmReasons.TRUNCATED_RESPONSE : SpdmReasons.SIGNATURE_LENGTH;
                assertEquals(Status.CONTRAINDICATED, appraisal.status(), "cut at " + cut);
                assertEquals(List.of(expected), codes(appraisal), "cut at " + cut + ": " + appraisal.reasons());
                assertFalse(appraisal.signatureValid());
            }
        }
    }

    @Test
    void replayWithAnotherNonceIsRejected()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final byte[] fresh = SpdmTestResponder.filled(32, 0x77);
        final SpdmAppraisal replayed = vector.verifier().expectedNonce(fresh).build()
            .verify(vector.transcript(), vector.device().chain());
        assertEquals(List.of(SpdmReasons.NONCE_MISMATCH), codes(replayed));
        assertTrue(replayed.signatureValid(), "the evidence is authentic, just not fresh");
        assertEquals(Status.CONTRAINDICATED, replayed.status());

        final SpdmAppraisal unchecked = vector.verifier().expectedNonce(null).build()
            .verify(vector.transcript(), vector.device().chain());
        assertEquals(List.of(SpdmReasons.FRESHNESS_NOT_CHECKED), codes(unchecked));
        assertEquals(Status.WARNING, unchecked.status());
    }

    @Test
    void unsupportedAndMismatchedVersionsAreRejected()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        for (final int version : new int[] {0x10, 0x13, 0x00, 0xFF})
        {
            final byte[] transcript = vector.transcript().clone();
            transcript[0] = (byte)version;
            transcript[vector.responseStart()] = (byte)version;
            final SpdmAppraisal appraisal = vector.verifier().build().verify(transcript, vector.device().chain());
            assertEquals(List.of(SpdmReasons.UNSUPPORTED_VERSION), codes(appraisal), "version " + version);
        }
        final byte[] mixed = vector.transcript().clone();
        mixed[vector.responseStart()] = 0x11;
        final SpdmAppraisal appraisal = vector.verifier().build().verify(mixed, vector.device().chain());
        assertTrue(appraisal.hasReason(SpdmReasons.VERSION_MISMATCH), appraisal.reasons().toString());
        assertEquals(Status.CONTRAINDICATED, appraisal.status());

        final Vector v11 = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x11, false);
        final byte[] vca12 = SpdmTestResponder.vca(0x12, SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384);
        final SpdmAppraisal vcaMismatch = v11.verifier().vca(vca12).build()
            .verify(v11.transcript(), v11.device().chain());
        assertEquals(List.of(SpdmReasons.VERSION_MISMATCH), codes(vcaMismatch));
    }

    @Test
    void chainOrderProblemsAreReasons()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final Device device = vector.device();
        final SpdmVerifier verifier = vector.verifier().build();

        final SpdmAppraisal rootFirst = verifier.verify(vector.transcript(), device.chain().reversed());
        assertEquals(Status.AFFIRMING, rootFirst.status(), rootFirst.reasons().toString());
        assertEquals("root_first", rootFirst.chainOrder());
        assertEquals("leaf_first", verifier.verify(vector.transcript(), device.chain()).chainOrder());

        final SpdmAppraisal shuffled = verifier.verify(vector.transcript(),
            List.of(device.intermediate(), device.leaf(), device.root()));
        assertTrue(shuffled.hasReason(SpdmReasons.CHAIN_OUT_OF_ORDER), shuffled.reasons().toString());
        assertEquals("unordered", shuffled.chainOrder());
        assertEquals(Status.CONTRAINDICATED, shuffled.status());

        final SpdmAppraisal empty = verifier.verify(vector.transcript(), List.of());
        assertTrue(empty.hasReason(SpdmReasons.CHAIN_EMPTY));
        assertTrue(empty.hasReason(SpdmReasons.SIGNATURE_UNVERIFIABLE), "no key, no signature");
        assertFalse(empty.hasReason(SpdmReasons.SIGNATURE_INVALID), "not checked is not invalid");

        // Without the root in the chain, the configured root still anchors the intermediate.
        final SpdmAppraisal withoutRoot = verifier.verify(vector.transcript(),
            List.of(device.leaf(), device.intermediate()));
        assertEquals(Status.AFFIRMING, withoutRoot.status(), withoutRoot.reasons().toString());
    }

    @Test
    void brokenExpiredAndUntrustedChainsAreRejected()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final Device device = vector.device();
        // Same names, other keys: the names chain but the signatures do not.
        final Device impostor = SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Test");

        final SpdmAppraisal broken = vector.verifier().build().verify(vector.transcript(),
            List.of(device.leaf(), impostor.intermediate(), device.root()));
        assertTrue(broken.hasReason(SpdmReasons.CHAIN_BROKEN), broken.reasons().toString());
        assertFalse(broken.chainValid());
        assertTrue(broken.signatureValid(), "the transcript itself is fine");
        assertEquals(Status.CONTRAINDICATED, broken.status());

        for (final Instant when : new Instant[] {Instant.parse("2040-01-01T00:00:00Z"),
            Instant.parse("2020-01-01T00:00:00Z")})
        {
            final SpdmAppraisal expired = vector.verifier().validationTime(when).build()
                .verify(vector.transcript(), device.chain());
            assertTrue(expired.hasReason(SpdmReasons.CHAIN_EXPIRED), expired.reasons().toString());
            assertEquals(Status.CONTRAINDICATED, expired.status());
        }

        final SpdmAppraisal untrusted = vector.verifier().roots(List.of(impostor.root())).build()
            .verify(vector.transcript(), device.chain());
        assertEquals(List.of(SpdmReasons.CHAIN_UNTRUSTED_ROOT), codes(untrusted));
        assertFalse(untrusted.chainAnchored());
        assertEquals(Status.CONTRAINDICATED, untrusted.status());

        final SpdmAppraisal unanchored = vector.verifier().roots(List.of()).build()
            .verify(vector.transcript(), device.chain());
        assertEquals(List.of(SpdmReasons.CHAIN_NOT_ANCHORED), codes(unanchored));
        assertTrue(unanchored.chainValid());
        assertFalse(unanchored.chainAnchored());
        assertEquals(Status.WARNING, unanchored.status());

        // The impostor's whole chain with its own root: valid, but the key did not sign this transcript.
        final SpdmAppraisal wrongKey = vector.verifier().roots(List.of(impostor.root())).build()
            .verify(vector.transcript(), impostor.chain());
        assertEquals(List.of(SpdmReasons.SIGNATURE_INVALID), codes(wrongKey));
    }

    @Test
    void issuersMustBeCas()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final Device device = vector.device();
        final X509CertificateHolder below = SpdmTestResponder.issueBelowLeaf(device);
        final SpdmAppraisal appraisal = vector.verifier().build().verify(vector.transcript(),
            List.of(below, device.leaf(), device.intermediate(), device.root()));
        final List<String> messages = appraisal.reasons().stream().map(Reason::message).toList();
        assertTrue(appraisal.hasReason(SpdmReasons.CHAIN_NOT_CA), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("basicConstraints")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("allows 0 CA certificates")), messages.toString());
        assertFalse(appraisal.chainValid());
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
    }

    @Test
    void expiredIntermediateAlone()
    {
        final Device shortLived = SpdmTestResponder.newDevice(KeyKind.P256, "Short",
            Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z"));
        final Vector vector = SpdmTestResponder.vector(shortLived, SpdmAsymAlgorithm.ECDSA_P256,
            SpdmHashAlgorithm.SHA_256, 0x11, false);
        final SpdmAppraisal appraisal = vector.verifier().build().verify(vector.transcript(), shortLived.chain());
        assertTrue(appraisal.hasReason(SpdmReasons.CHAIN_EXPIRED), appraisal.reasons().toString());
        assertTrue(appraisal.reasons().toString().contains("expired at 2025-01-01"));
    }

    @Test
    void referenceValuesDecide()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final List<X509CertificateHolder> chain = vector.device().chain();

        final SpdmReferenceValues differs = SpdmReferenceValues.of(Map.of(2, SpdmTestResponder.filled(48, 0xB3)),
            List.of());
        final SpdmAppraisal mismatch = vector.verifier().referenceValues(differs).build()
            .verify(vector.transcript(), chain);
        assertEquals(List.of(SpdmReasons.MEASUREMENT_MISMATCH), codes(mismatch));
        assertEquals(Status.CONTRAINDICATED, mismatch.status());

        final SpdmReferenceValues missing = SpdmReferenceValues.of(Map.of(1, SpdmTestResponder.VALUE_1,
            9, SpdmTestResponder.VALUE_1), List.of());
        final SpdmAppraisal absent = vector.verifier().referenceValues(missing).build()
            .verify(vector.transcript(), chain);
        assertEquals(List.of(SpdmReasons.MEASUREMENT_MISSING), codes(absent));

        final SpdmAppraisal none = vector.verifier().referenceValues(null).build().verify(vector.transcript(), chain);
        assertEquals(List.of(SpdmReasons.NO_REFERENCE_VALUES), codes(none));
        assertEquals(Status.WARNING, none.status());
    }

    @Test
    void yamlReferencesWithTcbExpectations()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final String fwid33 = "33".repeat(48);
        final String yaml = """
            measurements:
              1: "%s"
              "2": "0x%s"
              3: "010203040506"
            tcb:
              - vendor: Palisade
                model: DPU-RT
                version: 3.1.4
                svn_min: %d
                fwid: "%s"
              - vendor: Palisade
                model: DPU-FMC
                fwid: ["%s", "%s"]
            """;
        final String good = yaml.formatted(HexFormat.of().formatHex(SpdmTestResponder.VALUE_1),
            HexFormat.of().formatHex(SpdmTestResponder.VALUE_2), 7, fwid33, "00".repeat(48), "22".repeat(48));
        final SpdmAppraisal affirmed = vector.verifier().referenceValues(SpdmReferenceValues.parse(good)).build()
            .verify(vector.transcript(), vector.device().chain());
        assertEquals(Status.AFFIRMING, affirmed.status(), affirmed.reasons().toString());

        final String newerSvn = good.replace("svn_min: 7", "svn_min: 8");
        assertEquals(List.of(SpdmReasons.TCB_SVN_TOO_LOW), codes(vector.verifier()
            .referenceValues(SpdmReferenceValues.parse(newerSvn)).build()
            .verify(vector.transcript(), vector.device().chain())));
        final String otherFwid = good.replace(fwid33, "34".repeat(48));
        assertEquals(List.of(SpdmReasons.TCB_FWID_MISMATCH), codes(vector.verifier()
            .referenceValues(SpdmReferenceValues.parse(otherFwid)).build()
            .verify(vector.transcript(), vector.device().chain())));
        final String otherModel = good.replace("model: DPU-RT", "model: DPU-X");
        assertEquals(List.of(SpdmReasons.TCB_MISSING), codes(vector.verifier()
            .referenceValues(SpdmReferenceValues.parse(otherModel)).build()
            .verify(vector.transcript(), vector.device().chain())));
        final String otherVersion = good.replace("version: 3.1.4", "version: 3.1.5");
        assertEquals(List.of(SpdmReasons.TCB_VERSION_MISMATCH), codes(vector.verifier()
            .referenceValues(SpdmReferenceValues.parse(otherVersion)).build()
            .verify(vector.transcript(), vector.device().chain())));

        final IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
            () -> SpdmReferenceValues.parse(good.replace("svn_min", "svnmin")));
        assertTrue(typo.getMessage().contains("svnmin"), typo.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpdmReferenceValues.parse("measurements: {0: \"00\"}"));
        assertThrows(IllegalArgumentException.class, () -> SpdmReferenceValues.parse("measurements: {1: \"0g\"}"));
        assertEquals(1, SpdmReferenceValues.parse("{\"measurements\": {\"1\": \"ab\"}}").measurements().size());
    }

    @Test
    void diceExtensionsAreExposed()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final SpdmAppraisal appraisal = vector.verifier().build().verify(vector.transcript(), vector.device().chain());
        assertEquals(3, appraisal.tcbInfos().size(), appraisal.tcbInfos().toString());
        final DiceTcbInfo leaf = appraisal.tcbInfos().getFirst();
        assertEquals(0, leaf.certIndex());
        assertEquals("tcb_info", leaf.source());
        assertEquals("Palisade", leaf.vendor());
        assertEquals("DPU-RT", leaf.model());
        assertEquals("3.1.4", leaf.version());
        assertEquals(7, leaf.svn().intValue());
        assertEquals(2, leaf.layer().intValue());
        assertEquals(0, leaf.index().intValue());
        assertEquals(List.of("notImmutable"), leaf.flags());
        assertEquals("2.16.840.1.101.3.4.2.2", leaf.fwids().getFirst().hashAlgorithm());
        assertArrayEquals(SpdmTestResponder.filled(48, 0x33), leaf.fwids().getFirst().digest());
        assertArrayEquals(new byte[] {(byte)0xCA, (byte)0xFE}, leaf.vendorInfo());
        assertEquals("runtime", new String(leaf.type(), StandardCharsets.US_ASCII));
        assertEquals("multi_tcb_info", appraisal.tcbInfos().get(1).source());
        assertEquals(1, appraisal.tcbInfos().get(1).certIndex());
        assertEquals("DPU-FMC", appraisal.tcbInfos().get(2).model());
        assertEquals(1, appraisal.ueids().size());
        assertArrayEquals(SpdmTestResponder.ueid(), appraisal.ueids().getFirst().ueid());
    }

    @Test
    void unsignedExchangesBeforeTheSignedOneAreInL1L2()
    {
        final Device device = SpdmTestResponder.device(KeyKind.P384);
        final byte[] countRequest = SpdmTestResponder.request(0x12, false, 0x00, null, 0);
        final byte[] countResponse = SpdmTestResponder.response(0x12, 3, 0, List.of(),
            SpdmTestResponder.RESPONDER_NONCE, new byte[0]);
        final byte[] oneRequest = SpdmTestResponder.request(0x12, false, 0x01, null, 0);
        final byte[] oneResponse = SpdmTestResponder.response(0x12, 0, 0,
            List.of(SpdmTestResponder.block(1, 0x00, SpdmTestResponder.VALUE_1)), SpdmTestResponder.RESPONDER_NONCE,
            new byte[0]);
        final byte[] signedRequest = SpdmTestResponder.request(0x12, true, 0x02, NONCE, 0);
        final byte[] signedResponse = SpdmTestResponder.response(0x12, 0, 0,
            List.of(SpdmTestResponder.block(2, 0x01, SpdmTestResponder.VALUE_2)), SpdmTestResponder.RESPONDER_NONCE,
            new byte[0]);
        final byte[] l1l2 = concat(countRequest, countResponse, oneRequest, oneResponse, signedRequest, signedResponse);
        final byte[] signature = SpdmTestResponder.sign(SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384,
            device.leafPrivate(), 0x12, l1l2);
        final SpdmVerifier verifier = SpdmVerifier.builder().roots(List.of(device.root())).expectedNonce(NONCE)
            .validationTime(VALIDATION_TIME)
            .referenceValues(SpdmReferenceValues.of(Map.of(1, SpdmTestResponder.VALUE_1, 2, SpdmTestResponder.VALUE_2),
                List.of()))
            .build();
        final SpdmAppraisal appraisal = verifier.verify(concat(l1l2, signature), device.chain());
        assertEquals(Status.AFFIRMING, appraisal.status(), appraisal.reasons().toString());
        assertEquals(2, appraisal.measurements().size());

        // Only the signed exchange: the signature covered more, so it fails.
        final byte[] lastOnly = concat(signedRequest, signedResponse, signature);
        assertTrue(verifier.verify(lastOnly, device.chain()).hasReason(SpdmReasons.SIGNATURE_INVALID));

        final SpdmAppraisal unsigned = verifier.verify(concat(countRequest, countResponse), device.chain());
        assertTrue(unsigned.hasReason(SpdmReasons.SIGNATURE_NOT_REQUESTED), unsigned.reasons().toString());
        assertEquals(Status.CONTRAINDICATED, unsigned.status());
    }

    @Test
    void errorResponseIsNamed()
    {
        final Device device = SpdmTestResponder.device(KeyKind.P384);
        final byte[] transcript = concat(SpdmTestResponder.request(0x12, true, 0xFF, NONCE, 0),
            new byte[] {0x12, 0x7F, 0x05, 0x00});
        final SpdmAppraisal appraisal = SpdmVerifier.builder().roots(List.of(device.root()))
            .validationTime(VALIDATION_TIME).build().verify(transcript, device.chain());
        assertTrue(appraisal.hasReason(SpdmReasons.ERROR_RESPONSE));
        assertTrue(appraisal.reasons().toString().contains("Unspecified"), appraisal.reasons().toString());
    }

    @Test
    void randomMutationsNeverAffirmNorThrow()
    {
        final long seed = 0x5EED_5EEDL;
        final Random random = new Random(seed);
        final Vector vector = SpdmTestResponder.vector(KeyKind.P256, SpdmAsymAlgorithm.ECDSA_P256, 0x11, false);
        final SpdmVerifier verifier = vector.verifier().build();
        for (int i = 0; i < 400; i++)
        {
            byte[] transcript = vector.transcript().clone();
            final int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++)
            {
                switch (random.nextInt(4))
                {
                    case 0 -> transcript[random.nextInt(transcript.length)] ^= (byte)(1 + random.nextInt(255));
                    case 1 -> transcript = Arrays.copyOf(transcript, random.nextInt(transcript.length + 1));
                    case 2 -> transcript = concat(transcript, new byte[1 + random.nextInt(8)]);
                    default -> transcript[random.nextInt(Math.max(1, transcript.length))] = (byte)random.nextInt(256);
                }
                if (transcript.length == 0)
                {
                    break;
                }
            }
            final SpdmAppraisal appraisal = verifier.verify(transcript, vector.device().chain());
            if (!Arrays.equals(transcript, vector.transcript()))
            {
                assertNotEquals(Status.AFFIRMING, appraisal.status(), "seed " + seed + " iteration " + i + ": " +
                    HexFormat.of().formatHex(transcript));
            }
        }
    }

    @Test
    void hexParsingSaysWhereItFailed() throws SpdmFormatException
    {
        assertArrayEquals(new byte[] {0x11, (byte)0xE0, 0x01, (byte)0xFF},
            SpdmVerifier.parseHex(" 0x11 0XE0\n\t01ff \r\n"));
        assertArrayEquals(new byte[] {0x11, (byte)0xE0}, SpdmVerifier.parseHex("0x11e0"));
        final SpdmFormatException bad = assertThrows(SpdmFormatException.class,
            () -> SpdmVerifier.parseHex("11e0\n01zz"));
        assertTrue(bad.getMessage().contains("line 2, column 3"), bad.getMessage());
        final SpdmFormatException odd = assertThrows(SpdmFormatException.class, () -> SpdmVerifier.parseHex("abc"));
        assertTrue(odd.getMessage().contains("odd"), odd.getMessage());
        assertThrows(SpdmFormatException.class, () -> SpdmVerifier.parseHex("a0x1"));
    }

    @Test
    void pemReadingRefusesWhatIsNotACertificate()
    {
        assertThrows(SpdmFormatException.class, () -> SpdmVerifier.readPem(""));
        assertThrows(SpdmFormatException.class,
            () -> SpdmVerifier.readPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
        assertThrows(SpdmFormatException.class,
            () -> SpdmVerifier.readPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    }

    @Test
    void jsonViewHasTheDocumentedKeys()
    {
        final Vector vector = SpdmTestResponder.vector(KeyKind.P384, SpdmAsymAlgorithm.ECDSA_P384, 0x12, false);
        final Map<String, Object> json = vector.verifier().build().verify(vector.transcript(),
            vector.device().chain()).toJson();
        assertEquals(List.of("version", "signature_valid", "chain_valid", "chain_anchored", "chain_order",
            "signature_algorithm", "hash_algorithm", "measurements", "nonce", "responder_nonce", "opaque_data",
            "tcb_info", "ueid", "status", "reasons"), new ArrayList<>(json.keySet()));
        assertEquals("affirming", json.get("status"));
        assertEquals("1.2", json.get("version"));
        assertEquals(HexFormat.of().formatHex(NONCE), json.get("nonce"));
        final Object third = ((List<?>)json.get("measurements")).get(2);
        assertEquals(Map.of("index", 3, "specification", 1, "type", 2, "type_name", "hardware_configuration",
            "raw", true, "value", "010203040506"), third);
    }

    static List<String> codes(final SpdmAppraisal appraisal)
    {
        return appraisal.reasons().stream().map(Reason::code).toList();
    }
}
