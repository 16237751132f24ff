package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.DeepDer;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.client.Templates;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EK certificate chains built here, one per failure mode, for the reasons that a manufactured swtpm cannot show:
 * configured intermediates that loop (a self-signed intermediate, two that certify each other) are named as a loop,
 * not as a bad signature or an unknown issuer; and a DER certificate nested too deep for Bouncy Castle's recursive
 * parser is malformed, not a StackOverflowError. A fixed validation time throughout.
 */
class EkCertificatesTest
{
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant AT = Instant.parse("2025-06-01T00:00:00Z");

    private final AsymmetricCipherKeyPair ekKeys = keys();
    private final TpmPublic ek = eccEk((ECPublicKeyParameters)ekKeys.getPublic());

    @Test
    void aChainThroughConfiguredCasIsTrusted() throws Exception
    {
        final AsymmetricCipherKeyPair rootKeys = keys();
        final AsymmetricCipherKeyPair issuerKeys = keys();
        final X509CertificateHolder root = ca("CN=Root", "CN=Root", rootKeys, rootKeys);
        final X509CertificateHolder issuer = ca("CN=Root", "CN=Issuer", issuerKeys, rootKeys);
        final EkCertificates cas = new EkCertificates(List.of(root), List.of(issuer));
        final EkCertificates.Trusted trusted = assertInstanceOf(EkCertificates.Trusted.class,
            cas.verify(ekCertificate("CN=Issuer", issuerKeys).getEncoded(), ek, AT));
        assertEquals(3, trusted.chain().size());
    }

    @Test
    void aSelfSignedIntermediateIsALoop() throws Exception
    {
        final AsymmetricCipherKeyPair rootKeys = keys();
        final AsymmetricCipherKeyPair loopKeys = keys();
        final X509CertificateHolder root = ca("CN=Root", "CN=Root", rootKeys, rootKeys);
        final X509CertificateHolder selfSigned = ca("CN=Loop", "CN=Loop", loopKeys, loopKeys);
        final EkCertificates cas = new EkCertificates(List.of(root), List.of(selfSigned));
        final List<Reason> reasons = rejected(cas.verify(ekCertificate("CN=Loop", loopKeys).getEncoded(), ek, AT));
        assertEquals(List.of("ek_cert_chain_loop"), reasons.stream().map(Reason::code).toList());
        assertTrue(reasons.getFirst().message().contains("CA CN=Loop is self-signed but not a configured root"),
            reasons::toString);
    }

    @Test
    void intermediatesThatCertifyEachOtherAreALoop() throws Exception
    {
        final AsymmetricCipherKeyPair rootKeys = keys();
        final AsymmetricCipherKeyPair aKeys = keys();
        final AsymmetricCipherKeyPair bKeys = keys();
        final X509CertificateHolder root = ca("CN=Root", "CN=Root", rootKeys, rootKeys);
        final X509CertificateHolder a = ca("CN=B", "CN=A", aKeys, bKeys);
        final X509CertificateHolder b = ca("CN=A", "CN=B", bKeys, aKeys);
        final EkCertificates cas = new EkCertificates(List.of(root), List.of(a, b));
        final List<Reason> reasons = rejected(cas.verify(ekCertificate("CN=A", aKeys).getEncoded(), ek, AT));
        assertEquals(List.of("ek_cert_chain_loop"), reasons.stream().map(Reason::code).toList());
        assertTrue(reasons.getFirst().message().contains("CA CN=B was issued by CA CN=A, which is already in the " +
            "chain"), reasons::toString);
    }

    @Test
    void deeplyNestedDerIsMalformedNotAStackOverflow() throws Exception
    {
        final AsymmetricCipherKeyPair rootKeys = keys();
        final EkCertificates cas = new EkCertificates(List.of(ca("CN=Root", "CN=Root", rootKeys, rootKeys)),
            List.of());
        final List<Reason> reasons = rejected(cas.verify(DeepDer.nestedSequences(30_000), ek, AT));
        assertEquals(List.of("ek_cert_malformed"), reasons.stream().map(Reason::code).toList());
        assertTrue(reasons.getFirst().message().contains("nests more than 64"), reasons::toString);
    }

    private static List<Reason> rejected(final EkCertificates.Result result)
    {
        return assertInstanceOf(EkCertificates.Rejected.class, result).reasons();
    }

    private X509CertificateHolder ekCertificate(final String issuer, final AsymmetricCipherKeyPair issuerKeys)
        throws Exception
    {
        final X509v3CertificateBuilder builder = builder(issuer, "CN=EK", ekKeys);
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyAgreement));
        return builder.build(signer(issuerKeys));
    }

    private static X509CertificateHolder ca(final String issuer, final String subject,
        final AsymmetricCipherKeyPair subjectKeys, final AsymmetricCipherKeyPair issuerKeys) throws Exception
    {
        final X509v3CertificateBuilder builder = builder(issuer, subject, subjectKeys);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
        return builder.build(signer(issuerKeys));
    }

    private static X509v3CertificateBuilder builder(final String issuer, final String subject,
        final AsymmetricCipherKeyPair keys) throws Exception
    {
        return new X509v3CertificateBuilder(new X500Name(issuer), new BigInteger(64, RANDOM).add(BigInteger.ONE),
            Date.from(Instant.parse("2024-01-01T00:00:00Z")), Date.from(Instant.parse("2034-01-01T00:00:00Z")),
            new X500Name(subject), SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(keys.getPublic()));
    }

    private static ContentSigner signer(final AsymmetricCipherKeyPair keys) throws Exception
    {
        final AlgorithmIdentifier algorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
        return new BcECContentSignerBuilder(algorithm, new DefaultDigestAlgorithmIdentifierFinder().find(algorithm))
            .build(keys.getPrivate());
    }

    private static AsymmetricCipherKeyPair keys()
    {
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(SECObjectIdentifiers.secp256r1),
            RANDOM));
        return generator.generateKeyPair();
    }

    /** The ECC EK public area of the TCG template L-2, with this key. */
    private static TpmPublic eccEk(final ECPublicKeyParameters key)
    {
        final ECPoint q = key.getQ().normalize();
        return new TpmPublic(TpmAlgorithm.SHA256, Templates.EK_ATTRIBUTES, Templates.EK_AUTH_POLICY_SHA256,
            new TpmPublic.Ecc(TpmPublic.Symmetric.AES_128_CFB, TpmPublic.Scheme.NULL, TpmPublic.NIST_P256,
                TpmPublic.Scheme.NULL, BigIntegers.asUnsignedByteArray(32, q.getAffineXCoord().toBigInteger()),
                BigIntegers.asUnsignedByteArray(32, q.getAffineYCoord().toBigInteger())));
    }
}
