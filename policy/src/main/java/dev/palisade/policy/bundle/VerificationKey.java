package dev.palisade.policy.bundle;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A public key that checks policy signatures: its algorithm, its SubjectPublicKeyInfo (DER) and its key id, the SHA-256
 * of that DER, by which statements and bundles name it.
 */
public final class VerificationKey
{
    /** RFC 8410, 3: id-Ed25519. */
    private static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");

    private final SignatureAlgorithm algorithm;
    private final byte[] spki;
    private final byte[] keyId;
    private final AsymmetricKeyParameter key;

    private VerificationKey(final SignatureAlgorithm algorithm, final byte[] spki, final AsymmetricKeyParameter key)
    {
        this.algorithm = algorithm;
        this.spki = spki.clone();
        this.keyId = sha256(spki);
        this.key = key;
    }

    /**
     * Reads a SubjectPublicKeyInfo.
     *
     * @throws IllegalArgumentException when it does not decode, or is not an Ed25519 or P-256 key.
     */
    public static VerificationKey fromSpki(final byte[] spki)
    {
        final SubjectPublicKeyInfo info;
        final AsymmetricKeyParameter key;
        try
        {
            info = SubjectPublicKeyInfo.getInstance(spki);
            key = PublicKeyFactory.createKey(info);
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException("the public key does not decode: " + e.getMessage());
        }
        final ASN1ObjectIdentifier oid = info.getAlgorithm().getAlgorithm();
        if (key instanceof Ed25519PublicKeyParameters && ID_ED25519.equals(oid))
        {
            return new VerificationKey(SignatureAlgorithm.ED25519, spki, key);
        }
        if (key instanceof ECPublicKeyParameters && X9ObjectIdentifiers.id_ecPublicKey.equals(oid) &&
            SECObjectIdentifiers.secp256r1.equals(info.getAlgorithm().getParameters()))
        {
            return new VerificationKey(SignatureAlgorithm.ECDSA_P256, spki, key);
        }
        throw new IllegalArgumentException("a " + oid + " key: policy keys are Ed25519 or ECDSA P-256 (named curve)");
    }

    public SignatureAlgorithm algorithm()
    {
        return algorithm;
    }

    /** @return the SubjectPublicKeyInfo, DER. */
    public byte[] spki()
    {
        return spki.clone();
    }

    /** @return SHA-256 of the SubjectPublicKeyInfo. */
    public byte[] keyId()
    {
        return keyId.clone();
    }

    /** @return the key id in hex, as printed. */
    public String keyIdHex()
    {
        return HexFormat.of().formatHex(keyId);
    }

    boolean hasKeyId(final byte[] other)
    {
        return Arrays.equals(keyId, other);
    }

    /** @return whether {@code signature} is this key's signature over {@code message}; never throws on bad bytes. */
    public boolean verify(final byte[] message, final byte[] signature)
    {
        if (signature.length != algorithm.signatureLength())
        {
            return false;
        }
        return switch (algorithm)
        {
            case ED25519 ->
            {
                final Ed25519Signer verifier = new Ed25519Signer();
                verifier.init(false, key);
                verifier.update(message, 0, message.length);
                yield verifier.verifySignature(signature);
            }
            case ECDSA_P256 ->
            {
                final ECDSASigner verifier = new ECDSASigner();
                verifier.init(false, key);
                final BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
                final BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
                yield verifier.verifySignature(sha256(message), r, s);
            }
        };
    }

    static byte[] sha256(final byte[] bytes)
    {
        final SHA256Digest digest = new SHA256Digest();
        digest.update(bytes, 0, bytes.length);
        final byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof VerificationKey key && Arrays.equals(spki, key.spki);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(keyId);
    }

    @Override
    public String toString()
    {
        return algorithm.label() + " key " + keyIdHex().substring(0, 16);
    }
}
