package dev.palisade.policy.bundle;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A private policy key (the offline root, or a policy-signing key) with its public half. Signing is deterministic.
 * {@link #toString()} names the key by its id and never shows key material.
 */
public final class SigningKey
{
    private final AsymmetricKeyParameter privateKey;
    private final VerificationKey publicKey;

    SigningKey(final AsymmetricKeyParameter privateKey, final AsymmetricKeyParameter publicKey)
    {
        if (!privateKey.isPrivate())
        {
            throw new IllegalArgumentException("not a private key");
        }
        this.privateKey = privateKey;
        try
        {
            this.publicKey = VerificationKey.fromSpki(
                SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey).getEncoded());
        }
        catch (final IOException e)
        {
            throw new IllegalArgumentException("the public key does not encode: " + e.getMessage(), e);
        }
    }

    /** Makes a new key pair. */
    public static SigningKey generate(final SignatureAlgorithm algorithm, final SecureRandom random)
    {
        final AsymmetricCipherKeyPair pair = switch (algorithm)
        {
            case ED25519 ->
            {
                final Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
                generator.init(new Ed25519KeyGenerationParameters(random));
                yield generator.generateKeyPair();
            }
            case ECDSA_P256 ->
            {
                final ECKeyPairGenerator generator = new ECKeyPairGenerator();
                generator.init(new ECKeyGenerationParameters(p256(), random));
                yield generator.generateKeyPair();
            }
        };
        return new SigningKey(pair.getPrivate(), pair.getPublic());
    }

    static ECNamedDomainParameters p256()
    {
        return new ECNamedDomainParameters(SECObjectIdentifiers.secp256r1,
            ECNamedCurveTable.getByOID(SECObjectIdentifiers.secp256r1));
    }

    /** Rebuilds the key pair from a private key (the public half is derived). */
    static SigningKey fromPrivate(final AsymmetricKeyParameter privateKey)
    {
        if (privateKey instanceof Ed25519PrivateKeyParameters ed)
        {
            return new SigningKey(ed, ed.generatePublicKey());
        }
        if (privateKey instanceof ECPrivateKeyParameters ec)
        {
            if (!(ec.getParameters() instanceof ECNamedDomainParameters named) ||
                !SECObjectIdentifiers.secp256r1.equals(named.getName()))
            {
                throw new IllegalArgumentException("an EC key on another curve: policy keys are P-256 or Ed25519");
            }
            return new SigningKey(ec, new ECPublicKeyParameters(
                named.getG().multiply(ec.getD()).normalize(), named));
        }
        throw new IllegalArgumentException("a " + privateKey.getClass().getSimpleName() +
            ": policy keys are Ed25519 or ECDSA P-256");
    }

    AsymmetricKeyParameter privateParameters()
    {
        return privateKey;
    }

    public VerificationKey publicKey()
    {
        return publicKey;
    }

    public SignatureAlgorithm algorithm()
    {
        return publicKey.algorithm();
    }

    /** @return the signature over {@code message}: Ed25519, or ECDSA P-256/SHA-256 as r ‖ s with RFC 6979 nonces. */
    public byte[] sign(final byte[] message)
    {
        return switch (publicKey.algorithm())
        {
            case ED25519 ->
            {
                final Ed25519Signer signer = new Ed25519Signer();
                signer.init(true, privateKey);
                signer.update(message, 0, message.length);
                yield signer.generateSignature();
            }
            case ECDSA_P256 ->
            {
                final ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
                signer.init(true, privateKey);
                final BigInteger[] rs = signer.generateSignature(VerificationKey.sha256(message));
                // Low-s is not required by the verifier, but keeping s canonical makes signatures unique.
                final BigInteger n = p256().getN();
                final BigInteger s = rs[1].compareTo(n.shiftRight(1)) > 0 ? n.subtract(rs[1]) : rs[1];
                final byte[] out = new byte[64];
                unsigned(rs[0], out, 0);
                unsigned(s, out, 32);
                yield out;
            }
        };
    }

    private static void unsigned(final BigInteger value, final byte[] out, final int offset)
    {
        final byte[] raw = value.toByteArray();
        final int length = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - length, out, offset + 32 - length, length);
    }

    @Override
    public String toString()
    {
        return "private " + publicKey;
    }
}
