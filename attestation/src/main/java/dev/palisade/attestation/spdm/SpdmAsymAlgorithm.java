package dev.palisade.attestation.spdm;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.Ed448PublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;

import java.util.ArrayList;
import java.util.List;

/**
 * The signature algorithms SPDM negotiates, with their bit in BaseAsymAlgo / BaseAsymSel (DSP0274 1.2,
 * "NEGOTIATE_ALGORITHMS request message", BaseAsymAlgo table) and the size of the Signature field each produces:
 * RSA the modulus size, ECDSA r || s each the size of the curve's field, EdDSA 64 (Ed25519) or 114 (Ed448) bytes.
 * <p>
 * Neither GET_MEASUREMENTS nor MEASUREMENTS names the algorithm: it was negotiated in ALGORITHMS, which a captured
 * transcript usually lacks. So the verifier infers it from the leaf certificate's key ({@link #candidatesFor}), and
 * uses BaseAsymSel when the VCA messages are given. SM2 (bit 9) is not supported.
 */
public enum SpdmAsymAlgorithm
{
    RSASSA_2048(0, Family.RSASSA, 2048, 256),
    RSAPSS_2048(1, Family.RSAPSS, 2048, 256),
    RSASSA_3072(2, Family.RSASSA, 3072, 384),
    RSAPSS_3072(3, Family.RSAPSS, 3072, 384),
    ECDSA_P256(4, Family.ECDSA, 256, 64),
    RSASSA_4096(5, Family.RSASSA, 4096, 512),
    RSAPSS_4096(6, Family.RSAPSS, 4096, 512),
    ECDSA_P384(7, Family.ECDSA, 384, 96),
    ECDSA_P521(8, Family.ECDSA, 521, 132),
    EDDSA_ED25519(10, Family.ED25519, 255, 64),
    EDDSA_ED448(11, Family.ED448, 448, 114);

    /** How the signature is computed and encoded. */
    public enum Family
    {
        /** RSASSA-PKCS1-v1_5 (TPM_ALG_RSASSA). */
        RSASSA,
        /** RSASSA-PSS with a salt as long as the hash (TPM_ALG_RSAPSS). */
        RSAPSS,
        /** ECDSA, Signature = r || s, each big-endian and as long as the field. */
        ECDSA,
        /** Ed25519 (pure). */
        ED25519,
        /** Ed448 (pure; SPDM 1.2 passes the signing context string as the Ed448 context). */
        ED448
    }

    private final int baseAsymBit;
    private final Family family;
    private final int keyBits;
    private final int signatureSizeBytes;

    SpdmAsymAlgorithm(final int baseAsymBit, final Family family, final int keyBits, final int signatureSizeBytes)
    {
        this.baseAsymBit = baseAsymBit;
        this.family = family;
        this.keyBits = keyBits;
        this.signatureSizeBytes = signatureSizeBytes;
    }

    public int baseAsymBit()
    {
        return baseAsymBit;
    }

    public Family family()
    {
        return family;
    }

    /** Size in bytes of the Signature field this algorithm fills. */
    public int signatureSizeBytes()
    {
        return signatureSizeBytes;
    }

    /**
     * The hash assumed when neither the ALGORITHMS response nor the configuration names one: the hash of matching
     * strength (SHA-256 for P-256 and RSA-2048, SHA-384 for P-384 and RSA-3072, SHA-512 for P-521, RSA-4096 and
     * Ed448, SHA-256 for Ed25519). NVIDIA devices pair P-384 with SHA-384.
     */
    public SpdmHashAlgorithm defaultHash()
    {
        return switch (this)
        {
            case RSASSA_2048, RSAPSS_2048, ECDSA_P256, EDDSA_ED25519 -> SpdmHashAlgorithm.SHA_256;
            case RSASSA_3072, RSAPSS_3072, ECDSA_P384 -> SpdmHashAlgorithm.SHA_384;
            case RSASSA_4096, RSAPSS_4096, ECDSA_P521, EDDSA_ED448 -> SpdmHashAlgorithm.SHA_512;
        };
    }

    /** @return whether {@code key} is a key this algorithm signs with (family, curve, modulus size). */
    public boolean fits(final AsymmetricKeyParameter key)
    {
        return candidatesFor(key).contains(this);
    }

    /**
     * The algorithms a key can sign SPDM messages with: one for EC and EdDSA keys, two for RSA (PKCS #1 v1.5 and
     * PSS use the same key), none for a key SPDM does not use (another curve, another RSA size).
     */
    public static List<SpdmAsymAlgorithm> candidatesFor(final AsymmetricKeyParameter key)
    {
        final List<SpdmAsymAlgorithm> candidates = new ArrayList<>(2);
        if (key instanceof RSAKeyParameters rsa)
        {
            final int bits = rsa.getModulus().bitLength();
            for (final SpdmAsymAlgorithm algorithm : values())
            {
                if ((algorithm.family == Family.RSASSA || algorithm.family == Family.RSAPSS) &&
                    algorithm.keyBits == bits)
                {
                    candidates.add(algorithm);
                }
            }
        }
        else if (key instanceof ECPublicKeyParameters ec)
        {
            final ECDomainParameters domain = ec.getParameters();
            if (isCurve(domain, SECObjectIdentifiers.secp256r1))
            {
                candidates.add(ECDSA_P256);
            }
            else if (isCurve(domain, SECObjectIdentifiers.secp384r1))
            {
                candidates.add(ECDSA_P384);
            }
            else if (isCurve(domain, SECObjectIdentifiers.secp521r1))
            {
                candidates.add(ECDSA_P521);
            }
        }
        else if (key instanceof Ed25519PublicKeyParameters)
        {
            candidates.add(EDDSA_ED25519);
        }
        else if (key instanceof Ed448PublicKeyParameters)
        {
            candidates.add(EDDSA_ED448);
        }
        return candidates;
    }

    private static boolean isCurve(final ECDomainParameters domain, final ASN1ObjectIdentifier oid)
    {
        final X9ECParameters named = ECNamedCurveTable.getByOID(oid);
        return named != null && domain.getCurve().equals(named.getCurve()) && domain.getG().equals(named.getG());
    }

    /** @return the algorithm whose bit is the only one set in a BaseAsymSel field, or null. */
    public static SpdmAsymAlgorithm fromBaseAsymSel(final int baseAsymSel)
    {
        if (Integer.bitCount(baseAsymSel) != 1)
        {
            return null;
        }
        final int bit = Integer.numberOfTrailingZeros(baseAsymSel);
        for (final SpdmAsymAlgorithm algorithm : values())
        {
            if (algorithm.baseAsymBit == bit)
            {
                return algorithm;
            }
        }
        return null;
    }
}
