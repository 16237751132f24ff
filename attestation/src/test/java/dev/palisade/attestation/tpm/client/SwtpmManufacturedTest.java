package dev.palisade.attestation.tpm.client;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.enrol.EkCertificates;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TPM manufactured like a real one (swtpm_setup: EKs, EK certificates in NV signed by the swtpm-localca CA): the EK
 * certificates are read from NV through our client, chain to the swtpm-localca certificates, and certify the EK our
 * client re-creates from the TCG template; wrong CAs, wrong times and wrong keys are rejected with their reasons.
 */
class SwtpmManufacturedTest
{
    private static final int PERSISTENT_RSA_EK = 0x8101_0001;
    private static final int PERSISTENT_ECC_EK = 0x8101_0016;

    @TempDir
    static Path state;
    private static SwtpmProcess swtpm;
    private static Tpm2 tpm;
    private static EkCertificates localCa;
    private static byte[] rsaCertificate;
    private static TpmPublic rsaEk;
    private static Instant now;

    @BeforeAll
    static void manufactureAndStart() throws Exception
    {
        swtpm = SwtpmSupport.startManufactured(state.resolve("tpm"));
        tpm = swtpm.client();
        localCa = EkCertificates.fromPemFiles(List.of(SwtpmProcess.LOCAL_CA_ROOT),
            List.of(SwtpmProcess.LOCAL_CA_ISSUER));
        rsaCertificate = tpm.nvRead(Tpm2.NV_EK_CERT_RSA_2048);
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
        tpm.flushContext(ek.handle());
        rsaEk = ek.publicArea();
        now = Instant.now();
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (tpm != null)
        {
            tpm.close();
        }
        if (swtpm != null)
        {
            swtpm.close();
        }
    }

    @Test
    void theEkCertificateIsReadFromNvInChunksOfAnySize() throws Exception
    {
        final Tpm2.NvPublic nv = tpm.nvReadPublic(Tpm2.NV_EK_CERT_RSA_2048);
        assertEquals(Tpm2.NV_EK_CERT_RSA_2048, nv.index());
        assertTrue((nv.attributes() & Tpm2.NV_AUTHREAD) != 0 && (nv.attributes() & Tpm2.NV_WRITTEN) != 0);
        assertEquals(nv.dataSize(), rsaCertificate.length);
        assertEquals(1024, tpm.nvBufferMax());
        // 1016 bytes fit one TPM_PT_NV_BUFFER_MAX read; smaller chunks exercise the offsets.
        for (final int chunk : new int[] {1, 100, 333, 1015, 4096})
        {
            assertArrayEquals(rsaCertificate, tpm.nvRead(Tpm2.NV_EK_CERT_RSA_2048, chunk), "chunk " + chunk);
        }
        new X509CertificateHolder(rsaCertificate);
    }

    @Test
    void theRsaEkCertificateChainsToSwtpmLocalcaAndCertifiesTheTemplateEk() throws Exception
    {
        // The EK swtpm_setup made and certified is the one the TCG template re-creates.
        assertEquals(rsaEk, tpm.readPublic(PERSISTENT_RSA_EK).publicArea());
        final EkCertificates.Trusted trusted = assertInstanceOf(EkCertificates.Trusted.class,
            localCa.verify(rsaCertificate, rsaEk, now));
        assertEquals(3, trusted.chain().size());
        assertEquals(new X500Name("CN=swtpm-localca"), trusted.certificate().getIssuer());
        assertEquals(new X500Name("CN=swtpm-localca-rootca"), trusted.chain().get(2).getSubject());
        // openssl agrees that the chain holds.
        if (SwtpmProcess.findOnPath("openssl") != null)
        {
            final Path pem = state.resolve("ek_rsa_cert.pem");
            Files.writeString(pem, pem("CERTIFICATE", rsaCertificate));
            final SwtpmSupport.Run run = SwtpmSupport.run(state, List.of("openssl", "verify", "-partial_chain",
                "-CAfile", SwtpmProcess.LOCAL_CA_ROOT.toString(), "-untrusted", SwtpmProcess.LOCAL_CA_ISSUER.toString(),
                pem.toString()));
            assertEquals(0, run.exitCode(), run.output());
        }
    }

    @Test
    void theEccEkCertificateCertifiesTheP384Ek() throws Exception
    {
        // swtpm 0.7 certifies a P-384 EK (TCG "high range" template) at 0x01c00016, not P-256 at 0x01c0000a.
        final TpmPublic eccEk = tpm.readPublic(PERSISTENT_ECC_EK).publicArea();
        assertEquals(TpmPublic.NIST_P384, ((TpmPublic.Ecc)eccEk.parameters()).curveId());
        assertEquals(TpmAlgorithm.SHA384, eccEk.nameAlg());
        final byte[] certificate = tpm.nvRead(Tpm2.NV_EK_CERT_ECC_P384);
        assertInstanceOf(EkCertificates.Trusted.class, localCa.verify(certificate, eccEk, now));
        assertEquals(Set.of("ek_cert_key_mismatch"), codes(localCa.verify(certificate, rsaEk, now)));
        assertEquals("TPM_RC_HANDLE", org.junit.jupiter.api.Assertions.assertThrows(TpmException.class,
            () -> tpm.nvReadPublic(Tpm2.NV_EK_CERT_ECC_P256)).name());
    }

    @Test
    void anotherEksKeyIsAMismatch() throws Exception
    {
        final Tpm2.LoadedKey eccEk = tpm.createEk(KeyType.ECC);
        tpm.flushContext(eccEk.handle());
        assertEquals(Set.of("ek_cert_key_mismatch"), codes(localCa.verify(rsaCertificate, eccEk.publicArea(), now)));
        // Another RSA-2048 key of the same TPM: an AK.
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
        try
        {
            final Tpm2.LoadedKey ak = tpm.createAttestationKey(ek.handle(), KeyType.RSA);
            tpm.flushContext(ak.handle());
            assertEquals(Set.of("ek_cert_key_mismatch"), codes(localCa.verify(rsaCertificate, ak.publicArea(), now)));
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
        // A template (zero unique) holds no key at all.
        assertEquals(Set.of("ek_public_malformed"), codes(localCa.verify(rsaCertificate, Templates.ekRsa2048(), now)));
    }

    @Test
    void outsideTheValidityPeriodIsRejected()
    {
        // swtpm_localca certificates run from manufacture until 9999-12-31 (the TCG "no expiry" date).
        final Instant afterAll = Instant.parse("+10000-01-01T00:00:00Z");
        final Set<String> expired = codes(localCa.verify(rsaCertificate, rsaEk, afterAll));
        assertTrue(expired.containsAll(Set.of("ek_cert_expired", "ca_cert_expired")), expired::toString);
        final Set<String> early = codes(localCa.verify(rsaCertificate, rsaEk, Instant.parse("2000-01-01T00:00:00Z")));
        assertTrue(early.containsAll(Set.of("ek_cert_not_yet_valid", "ca_cert_not_yet_valid")), early::toString);
    }

    @Test
    void anotherCaIsNotTrusted() throws Exception
    {
        // A CA we generate, first under an unrelated name, then impersonating swtpm-localca's name.
        final X509CertificateHolder stranger = selfSignedCa("CN=Some Other TPM Vendor Root");
        assertEquals(Set.of("ek_cert_issuer_unknown"), codes(new EkCertificates(List.of(stranger), List.of())
            .verify(rsaCertificate, rsaEk, now)));
        final X509CertificateHolder impostor = selfSignedCa("CN=swtpm-localca");
        assertEquals(Set.of("ek_cert_signature_invalid"), codes(new EkCertificates(List.of(impostor), List.of())
            .verify(rsaCertificate, rsaEk, now)));
        // The right root without the intermediate: the chain cannot be built.
        assertEquals(Set.of("ek_cert_issuer_unknown"), codes(new EkCertificates(
            EkCertificates.readPem(SwtpmProcess.LOCAL_CA_ROOT), List.of()).verify(rsaCertificate, rsaEk, now)));
        // The intermediate as an anchor is enough (as openssl -partial_chain).
        assertInstanceOf(EkCertificates.Trusted.class, new EkCertificates(
            EkCertificates.readPem(SwtpmProcess.LOCAL_CA_ISSUER), List.of()).verify(rsaCertificate, rsaEk, now));
    }

    @Test
    void bytesThatAreNotOneCertificateAreMalformed()
    {
        assertEquals(Set.of("ek_cert_malformed"), codes(localCa.verify(new byte[] {0x30, 0x03, 1, 2, 3}, rsaEk, now)));
        assertEquals(Set.of("ek_cert_malformed"), codes(localCa.verify(new byte[0], rsaEk, now)));
        // NV padding after the DER is refused, not skipped.
        final byte[] padded = Arrays.copyOf(rsaCertificate, rsaCertificate.length + 4);
        assertEquals(Set.of("ek_cert_malformed"), codes(localCa.verify(padded, rsaEk, now)));
        // A changed signature byte: swtpm-localca's name, not its signature.
        final byte[] resigned = rsaCertificate.clone();
        resigned[resigned.length - 5] ^= 1;
        assertEquals(Set.of("ek_cert_signature_invalid"), codes(localCa.verify(resigned, rsaEk, now)));
    }

    private static Set<String> codes(final EkCertificates.Result result)
    {
        final EkCertificates.Rejected rejected = assertInstanceOf(EkCertificates.Rejected.class, result);
        final Set<String> codes = new TreeSet<>();
        rejected.reasons().stream().map(Reason::code).forEach(codes::add);
        return codes;
    }

    private static X509CertificateHolder selfSignedCa(final String name) throws Exception
    {
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1),
            new SecureRandom()));
        final AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        final SubjectPublicKeyInfo spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pair.getPublic());
        final X500Name subject = new X500Name(name);
        final X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, BigInteger.ONE,
            Date.from(Instant.parse("2020-01-01T00:00:00Z")), Date.from(Instant.parse("9999-12-31T23:59:59Z")), subject,
            spki);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
        final AlgorithmIdentifier signature = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
        final AlgorithmIdentifier digest = new DefaultDigestAlgorithmIdentifierFinder().find(signature);
        return builder.build(new BcECContentSignerBuilder(signature, digest).build(pair.getPrivate()));
    }

    private static String pem(final String type, final byte[] der) throws Exception
    {
        final StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text))
        {
            writer.writeObject(new PemObject(type, der));
        }
        return text.toString();
    }
}
