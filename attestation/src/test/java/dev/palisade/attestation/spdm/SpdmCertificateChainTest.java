package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.spdm.SpdmTestResponder.Device;
import dev.palisade.attestation.spdm.SpdmTestResponder.KeyKind;
import dev.palisade.attestation.spdm.SpdmTestResponder.Variant;
import dev.palisade.attestation.spdm.SpdmTestResponder.Vector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.bc.BcECContentVerifierProviderBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leaf and signature rules of {@link SpdmCertificateChain}: the measurement-signing key is not a CA and, when its
 * certificate lists purposes, is for SPDM responder authentication; critical extensions that are not processed are
 * refused; certificate signatures with SHA-1 or MD5 are not relied on; and ASN.1 nested deep enough to overflow Bouncy
 * Castle's recursive parser is a malformed certificate, not a StackOverflowError. One device per failure mode.
 */
class SpdmCertificateChainTest
{
    private static final KeyPurposeId REQUESTER_AUTH =
        KeyPurposeId.getInstance(new ASN1ObjectIdentifier("1.3.6.1.4.1.412.274.4"));
    /** Nesting far beyond what Bouncy Castle's parser survives on a default stack. */
    private static final int DEEP = 30_000;

    private static SpdmAppraisal appraise(final Device device)
    {
        final Vector vector = SpdmTestResponder.vector(device, SpdmAsymAlgorithm.ECDSA_P384,
            SpdmHashAlgorithm.SHA_384, 0x12, false);
        return vector.verifier().build().verify(vector.transcript(), device.chain());
    }

    private static Device leaf(final SpdmTestResponder.ExtensionChanges changes)
    {
        return SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Leaf", Variant.leaf(changes));
    }

    @Test
    void aLeafThatIsACaIsRejected()
    {
        final SpdmAppraisal ca = appraise(leaf(b -> b.addExtension(Extension.basicConstraints, true,
            new BasicConstraints(true))));
        assertEquals(List.of(SpdmReasons.LEAF_IS_CA), codes(ca));
        assertFalse(ca.chainValid());
        assertEquals(Status.CONTRAINDICATED, ca.status());

        final SpdmAppraisal endEntity = appraise(leaf(b -> b.addExtension(Extension.basicConstraints, true,
            new BasicConstraints(false))));
        assertEquals(Status.AFFIRMING, endEntity.status(), endEntity.reasons()::toString);
    }

    @Test
    void aLeafThatListsPurposesMustAllowSpdmResponderAuthentication()
    {
        for (final KeyPurposeId[] allowed : new KeyPurposeId[][] {{SpdmCertificateChain.RESPONDER_AUTH},
            {KeyPurposeId.anyExtendedKeyUsage}, {KeyPurposeId.id_kp_serverAuth, SpdmCertificateChain.RESPONDER_AUTH},
            {REQUESTER_AUTH, SpdmCertificateChain.RESPONDER_AUTH}})
        {
            final SpdmAppraisal appraisal = appraise(leaf(b -> b.addExtension(Extension.extendedKeyUsage, true,
                new ExtendedKeyUsage(allowed))));
            assertEquals(Status.AFFIRMING, appraisal.status(), appraisal.reasons()::toString);
        }
        for (final KeyPurposeId[] refused : new KeyPurposeId[][] {{KeyPurposeId.id_kp_serverAuth},
            {REQUESTER_AUTH}, {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_codeSigning}})
        {
            final SpdmAppraisal appraisal = appraise(leaf(b -> b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(refused))));
            assertEquals(List.of(SpdmReasons.LEAF_EXTENDED_KEY_USAGE), codes(appraisal));
            assertTrue(appraisal.reasons().getFirst().message().contains(refused[0].getId()),
                appraisal.reasons()::toString);
            assertEquals(Status.CONTRAINDICATED, appraisal.status());
        }
    }

    @Test
    void criticalExtensionsThatAreNotProcessedAreRefused()
    {
        final CertificatePolicies policies = new CertificatePolicies(new PolicyInformation(
            new ASN1ObjectIdentifier("2.23.133.2.1")));
        assertEquals(List.of(SpdmReasons.CHAIN_UNKNOWN_CRITICAL_EXTENSION),
            codes(appraise(leaf(b -> b.addExtension(Extension.certificatePolicies, true, policies)))));
        assertEquals(Status.AFFIRMING,
            appraise(leaf(b -> b.addExtension(Extension.certificatePolicies, false, policies))).status());

        final CRLDistPoint crl = new CRLDistPoint(new DistributionPoint[] {new DistributionPoint(
            new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                "http://crl.example/device.crl"))), null, null)});
        assertEquals(List.of(SpdmReasons.CHAIN_UNKNOWN_CRITICAL_EXTENSION),
            codes(appraise(leaf(b -> b.addExtension(Extension.cRLDistributionPoints, true, crl)))));
    }

    @Test
    void aCertificateSignedWithSha1IsNotReliedOn() throws Exception
    {
        final Device device = SpdmTestResponder.newDevice(KeyKind.P384, "Palisade SHA-1",
            new Variant(X9ObjectIdentifiers.ecdsa_with_SHA1, b -> { }, b -> { }));
        final SpdmAppraisal appraisal = appraise(device);
        assertEquals(List.of(SpdmReasons.CHAIN_SIGNATURE_ALGORITHM), codes(appraisal));
        assertTrue(appraisal.reasons().getFirst().message().contains("ECDSAWITHSHA1 (1.2.840.10045.4.1)"), appraisal.reasons()::toString);
        assertFalse(appraisal.chainValid());
        assertTrue(appraisal.signatureValid(), "the SPDM signature itself is fine");
        assertEquals(Status.CONTRAINDICATED, appraisal.status());
        // The SHA-1 signature does verify mathematically: the refusal is the algorithm's, not a broken chain.
        assertTrue(device.leaf().isSignatureValid(new BcECContentVerifierProviderBuilder(
            new DefaultDigestAlgorithmIdentifierFinder()).build(device.intermediate())));
        assertFalse(SpdmCertificateChain.signedBy(device.leaf(), device.intermediate()));
    }

    @Test
    void onlySha2AndSha3SignatureAlgorithmsAreAccepted()
    {
        for (final ASN1ObjectIdentifier accepted : new ASN1ObjectIdentifier[] {
            PKCSObjectIdentifiers.sha256WithRSAEncryption, PKCSObjectIdentifiers.sha512WithRSAEncryption,
            X9ObjectIdentifiers.ecdsa_with_SHA384, NISTObjectIdentifiers.id_ecdsa_with_sha3_256,
            EdECObjectIdentifiers.id_Ed25519})
        {
            assertNull(SpdmCertificateChain.signatureAlgorithmProblem(new AlgorithmIdentifier(accepted)),
                accepted::getId);
        }
        for (final ASN1ObjectIdentifier refused : new ASN1ObjectIdentifier[] {
            PKCSObjectIdentifiers.sha1WithRSAEncryption, PKCSObjectIdentifiers.md5WithRSAEncryption,
            X9ObjectIdentifiers.ecdsa_with_SHA1, X9ObjectIdentifiers.id_dsa_with_sha1})
        {
            assertNotNull(SpdmCertificateChain.signatureAlgorithmProblem(new AlgorithmIdentifier(refused)),
                refused::getId);
        }
        // RSASSA-PSS: RFC 4055 defaults (absent parameters) are SHA-1; explicit SHA-256 with MGF1-SHA-256 is fine.
        final String defaults = SpdmCertificateChain.signatureAlgorithmProblem(
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSASSA_PSS));
        assertNotNull(defaults);
        assertTrue(defaults.contains("SHA1") || defaults.contains("SHA-1"), defaults);
        final AlgorithmIdentifier sha256 = new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE);
        assertNull(SpdmCertificateChain.signatureAlgorithmProblem(new AlgorithmIdentifier(
            PKCSObjectIdentifiers.id_RSASSA_PSS, new RSASSAPSSparams(sha256,
                new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1, sha256), new ASN1Integer(32),
                RSASSAPSSparams.DEFAULT_TRAILER_FIELD))));
        assertNotNull(SpdmCertificateChain.signatureAlgorithmProblem(new AlgorithmIdentifier(
            PKCSObjectIdentifiers.id_RSASSA_PSS, new RSASSAPSSparams(sha256,
                RSASSAPSSparams.DEFAULT_MASK_GEN_FUNCTION, new ASN1Integer(32),
                RSASSAPSSparams.DEFAULT_TRAILER_FIELD))), "MGF1 with SHA-1");
    }

    @Test
    void deeplyNestedExtensionsAreMalformedNotAStackOverflow()
    {
        final byte[] deep = SpdmTestResponder.nestedSequences(DEEP);
        final SpdmAppraisal tcbInfo = appraise(leaf(b -> b.replaceExtension(DiceExtensions.TCB_INFO, true, deep)));
        assertEquals(List.of(SpdmReasons.DICE_EXTENSION_MALFORMED), codes(tcbInfo));
        assertTrue(tcbInfo.reasons().getFirst().message().contains("nests more than 64"), tcbInfo.reasons()::toString);
        assertEquals(Status.CONTRAINDICATED, tcbInfo.status());

        final SpdmAppraisal multi = appraise(SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Deep",
            Variant.intermediate(b -> b.replaceExtension(DiceExtensions.MULTI_TCB_INFO, false, deep))));
        assertEquals(List.of(SpdmReasons.DICE_EXTENSION_MALFORMED), codes(multi));

        final SpdmAppraisal constraints = appraise(leaf(b -> b.addExtension(Extension.basicConstraints, true, deep)));
        assertEquals(List.of(SpdmReasons.LEAF_IS_CA), codes(constraints));
        assertTrue(constraints.reasons().getFirst().message().contains("does not decode"),
            constraints.reasons()::toString);
    }

    @Test
    void deeplyNestedDerIsNotReadAsACertificate() throws IOException
    {
        final StringWriter pem = new StringWriter();
        try (PemWriter writer = new PemWriter(pem))
        {
            writer.writeObject(new PemObject("CERTIFICATE", SpdmTestResponder.nestedSequences(DEEP)));
        }
        final SpdmFormatException e = assertThrows(SpdmFormatException.class,
            () -> SpdmVerifier.readPem(pem.toString()));
        assertEquals("pem_malformed", e.code());
        assertTrue(e.getMessage().contains("nests more than 64"), e.getMessage());
        // A real certificate still reads.
        final X509CertificateHolder leaf = SpdmTestResponder.device(KeyKind.P384).leaf();
        final StringWriter real = new StringWriter();
        try (PemWriter writer = new PemWriter(real))
        {
            writer.writeObject(new PemObject("CERTIFICATE", leaf.getEncoded()));
        }
        assertDoesNotThrowFormat(real.toString(), leaf);
    }

    private static void assertDoesNotThrowFormat(final String pem, final X509CertificateHolder expected)
    {
        try
        {
            assertEquals(List.of(expected), SpdmVerifier.readPem(pem));
        }
        catch (final SpdmFormatException e)
        {
            throw new AssertionError(e);
        }
    }

    static List<String> codes(final SpdmAppraisal appraisal)
    {
        return appraisal.reasons().stream().map(Reason::code).toList();
    }
}
