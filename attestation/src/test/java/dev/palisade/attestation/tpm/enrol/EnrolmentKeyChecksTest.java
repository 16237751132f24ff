package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.client.Templates;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifier's key checks that need no TPM: public areas an attester could send, built here with real keys. An EK
 * too small for the credential protocol (RSA-1024 with a SHA-384 nameAlg cannot even OAEP-encrypt the seed) and an AK
 * whose Name is a SHA-1 digest are refused with their reasons, never an exception out of {@code challenge}. A fixed
 * clock throughout.
 */
class EnrolmentKeyChecksTest
{
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T00:00:00Z"), ZoneOffset.UTC);

    private final Enrolment.Verifier verifier = new Enrolment.Verifier(null,
        Enrolment.EkCertificatePolicy.ACCEPT_EK_WITHOUT_CERTIFICATE, CLOCK, Duration.ofMinutes(5), RANDOM);

    @Test
    void wellFormedKeysGetAChallenge()
    {
        assertInstanceOf(Enrolment.Issued.class, verifier.challenge(rsaEk(2048, TpmAlgorithm.SHA256),
            eccAk(TpmAlgorithm.SHA256), null));
        assertInstanceOf(Enrolment.Issued.class, verifier.challenge(rsaEk(2048, TpmAlgorithm.SHA512),
            eccAk(TpmAlgorithm.SHA384), null));
        assertInstanceOf(Enrolment.Issued.class, verifier.challenge(eccEk(SECObjectIdentifiers.secp256r1,
            TpmPublic.NIST_P256), eccAk(TpmAlgorithm.SHA256), null));
    }

    @Test
    void anRsa1024EkIsRefusedRatherThanThrowing()
    {
        // OAEP with SHA-384 fits 1024 - 2 * 384 - 16 bits = 30 bytes; the seed is 48: DataLengthException before.
        assertEquals(Set.of("ek_key_too_small"), codes(verifier.challenge(rsaEk(1024, TpmAlgorithm.SHA384),
            eccAk(TpmAlgorithm.SHA256), null)));
        assertEquals(Set.of("ek_key_too_small"), codes(verifier.challenge(rsaEk(1024, TpmAlgorithm.SHA256),
            eccAk(TpmAlgorithm.SHA256), null)));
        assertEquals(0, verifier.pendingCount());
    }

    @Test
    void makeCredentialTurnsAnOaepLengthFailureIntoARefusal()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> MakeCredential.make(rsaEk(1024, TpmAlgorithm.SHA512), eccAk(TpmAlgorithm.SHA256).name(),
                new byte[64], RANDOM));
        assertTrue(e.getMessage().startsWith("the EK's RSA key cannot encrypt the seed"), e.getMessage());
    }

    @Test
    void eccEksBelowP256AreRefused()
    {
        assertEquals(Set.of("ek_key_too_small"), codes(verifier.challenge(eccEk(SECObjectIdentifiers.secp224r1,
            TpmPublic.NIST_P224), eccAk(TpmAlgorithm.SHA256), null)));
    }

    @Test
    void anAkWhoseNameIsSha1IsRefused()
    {
        final Set<String> codes = codes(verifier.challenge(rsaEk(2048, TpmAlgorithm.SHA256),
            eccAk(TpmAlgorithm.SHA1), null));
        assertEquals(Set.of("ak_name_alg_too_weak"), codes);
    }

    @Test
    void anRsa1024AkIsRefused()
    {
        final RSAKeyParameters key = rsaKey(1024);
        final TpmPublic ak = new TpmPublic(TpmAlgorithm.SHA256, Templates.AK_ATTRIBUTES, new byte[0],
            new TpmPublic.Rsa(TpmPublic.Symmetric.NULL, TpmPublic.Scheme.of(TpmAlgorithm.RSASSA, TpmAlgorithm.SHA256),
                1024, 0, BigIntegers.asUnsignedByteArray(128, key.getModulus())));
        assertEquals(Set.of("ak_key_too_small"), codes(verifier.challenge(rsaEk(2048, TpmAlgorithm.SHA256), ak,
            null)));
    }

    /** An EK public area as the TCG template describes it, but with this modulus size and nameAlg. */
    private static TpmPublic rsaEk(final int bits, final int nameAlg)
    {
        final RSAKeyParameters key = rsaKey(bits);
        return new TpmPublic(nameAlg, Templates.EK_ATTRIBUTES, Templates.EK_AUTH_POLICY_SHA256, new TpmPublic.Rsa(
            TpmPublic.Symmetric.AES_128_CFB, TpmPublic.Scheme.NULL, bits, 0,
            BigIntegers.asUnsignedByteArray(bits / 8, key.getModulus())));
    }

    private static TpmPublic eccEk(final ASN1ObjectIdentifier curve, final int curveId)
    {
        final ECPoint q = ecKey(curve).getQ().normalize();
        final int size = (q.getCurve().getFieldSize() + 7) / 8;
        return new TpmPublic(TpmAlgorithm.SHA256, Templates.EK_ATTRIBUTES, Templates.EK_AUTH_POLICY_SHA256,
            new TpmPublic.Ecc(TpmPublic.Symmetric.AES_128_CFB, TpmPublic.Scheme.NULL, curveId, TpmPublic.Scheme.NULL,
                BigIntegers.asUnsignedByteArray(size, q.getAffineXCoord().toBigInteger()),
                BigIntegers.asUnsignedByteArray(size, q.getAffineYCoord().toBigInteger())));
    }

    /** An ECDSA P-256 AK as tpm2_createak makes it, but with this nameAlg. */
    private static TpmPublic eccAk(final int nameAlg)
    {
        final ECPoint q = ecKey(SECObjectIdentifiers.secp256r1).getQ().normalize();
        return new TpmPublic(nameAlg, Templates.AK_ATTRIBUTES, new byte[0], new TpmPublic.Ecc(
            TpmPublic.Symmetric.NULL, TpmPublic.Scheme.of(TpmAlgorithm.ECDSA, TpmAlgorithm.SHA256), TpmPublic.NIST_P256,
            TpmPublic.Scheme.NULL, BigIntegers.asUnsignedByteArray(32, q.getAffineXCoord().toBigInteger()),
            BigIntegers.asUnsignedByteArray(32, q.getAffineYCoord().toBigInteger())));
    }

    private static RSAKeyParameters rsaKey(final int bits)
    {
        final RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
        generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(65537), RANDOM, bits, 80));
        return (RSAKeyParameters)generator.generateKeyPair().getPublic();
    }

    private static ECPublicKeyParameters ecKey(final ASN1ObjectIdentifier curve)
    {
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(curve), RANDOM));
        final AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        return (ECPublicKeyParameters)pair.getPublic();
    }

    private static Set<String> codes(final Enrolment.ChallengeResult result)
    {
        final List<Reason> reasons = assertInstanceOf(Enrolment.Refused.class, result).reasons();
        final Set<String> codes = new TreeSet<>();
        reasons.forEach(r -> codes.add(r.code()));
        return codes;
    }
}
