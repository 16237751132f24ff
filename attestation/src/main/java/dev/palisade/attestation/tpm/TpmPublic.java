package dev.palisade.attestation.tpm;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The public area of a TPM object, TPMT_PUBLIC (TPM 2.0 Library Part 2 section 12.2.4), and its sized form
 * TPM2B_PUBLIC (12.2.5), for RSA and ECC keys: what a verifier gets from an attester for an EK or an AK, and what a
 * client sends as a template to TPM2_CreatePrimary and TPM2_Create.
 * <pre>
 *   TPM2B_PUBLIC  size:u16 | TPMT_PUBLIC (exactly size bytes)
 *   TPMT_PUBLIC   type:u16 | nameAlg:u16 | objectAttributes:u32 | authPolicy:TPM2B_DIGEST | parameters | unique
 *   symmetric     TPMT_SYM_DEF_OBJECT  algorithm:u16 [keyBits:u16 mode:u16 unless algorithm is TPM_ALG_NULL]
 *   scheme        TPMT_*_SCHEME        scheme:u16 [hashAlg:u16 [count:u16 for ECDAA]]
 *   RSA (12.2.3.5) symmetric | scheme | keyBits:u16 | exponent:u32 | unique: TPM2B_PUBLIC_KEY_RSA (the modulus)
 *   ECC (12.2.3.6) symmetric | scheme | curveID:u16 | kdf: TPMT_KDF_SCHEME | unique: TPMS_ECC_POINT (x, y sized)
 * </pre>
 * Parsing is strict, because a public area is how a verifier learns what kind of key it is being asked to trust:
 * unknown selectors, reserved attribute bits, buffers larger than the key, an authPolicy that is not a digest of the
 * nameAlg, and trailing bytes are refused. A well-formed public area therefore marshals back to exactly the bytes it
 * was parsed from, which keeps {@link #name()} (a hash of those bytes) identical to the TPM's.
 */
public final class TpmPublic
{
    // TPMA_OBJECT (Part 2 section 8.3): the bits that say how a key may be used and whether it can leave the TPM.
    /** The object cannot be duplicated: its hierarchy, and so the TPM, is fixed. */
    public static final int FIXED_TPM = 1 << 1;
    /** Saved contexts of the object are flushed on TPM Reset and Restart. */
    public static final int ST_CLEAR = 1 << 2;
    /** The object cannot be duplicated to another parent. */
    public static final int FIXED_PARENT = 1 << 4;
    /** The TPM generated the sensitive part (the private key never existed outside it). */
    public static final int SENSITIVE_DATA_ORIGIN = 1 << 5;
    /** USER role actions may be authorized with the authValue (else only with a policy). */
    public static final int USER_WITH_AUTH = 1 << 6;
    /** ADMIN role actions need a policy session (the authValue is not enough). */
    public static final int ADMIN_WITH_POLICY = 1 << 7;
    /** Not subject to dictionary-attack protection. */
    public static final int NO_DA = 1 << 10;
    public static final int ENCRYPTED_DUPLICATION = 1 << 11;
    /** Decrypts only TPM-formatted data (a storage key), or signs only TPM-generated digests (an attestation key). */
    public static final int RESTRICTED = 1 << 16;
    public static final int DECRYPT = 1 << 17;
    /** sign (for asymmetric keys; "encrypt" for symmetric ones). */
    public static final int SIGN = 1 << 18;
    /** x509sign (added in Library 1.59): may sign only TBSCertificates. */
    public static final int X509_SIGN = 1 << 19;
    /** Bits 0, 3, 8-9, 12-15 and 20-31 are reserved: a TPM refuses them (TPM_RC_RESERVED_BITS), and so do we. */
    static final int RESERVED_ATTRIBUTES = 0xFFF0_F309;

    // TPM_ECC_CURVE (Part 2 section 6.4).
    public static final int NIST_P192 = 0x0001;
    public static final int NIST_P224 = 0x0002;
    public static final int NIST_P256 = 0x0003;
    public static final int NIST_P384 = 0x0004;
    public static final int NIST_P521 = 0x0005;
    public static final int BN_P256 = 0x0010;
    public static final int BN_P638 = 0x0011;
    public static final int SM2_P256 = 0x0020;

    // Algorithm ids TpmAlgorithm does not have (TCG Algorithm Registry).
    public static final int ALG_MGF1 = 0x0007;
    public static final int ALG_SM4 = 0x0013;
    public static final int ALG_ECDAA = 0x001A;
    public static final int ALG_SM2 = 0x001B;
    public static final int ALG_ECSCHNORR = 0x001C;
    public static final int ALG_ECMQV = 0x001D;
    public static final int ALG_KDF1_SP800_56A = 0x0020;
    public static final int ALG_KDF2 = 0x0021;
    public static final int ALG_KDF1_SP800_108 = 0x0022;
    public static final int ALG_CAMELLIA = 0x0026;
    public static final int ALG_CTR = 0x0040;
    public static final int ALG_OFB = 0x0041;
    public static final int ALG_CBC = 0x0042;
    public static final int ALG_ECB = 0x0044;

    /** sizeof(TPMT_PUBLIC) in the reference implementation is well under this; it bounds a TPM2B_PUBLIC. */
    static final int MAX_PUBLIC = 1024;
    /** MAX_RSA_KEY_BYTES: RSA-4096. */
    static final int MAX_RSA_KEY_BYTES = 512;
    /** sizeof(TPMU_HA): the largest digest, SHA-512. */
    static final int MAX_DIGEST = 64;

    private final int nameAlg;
    private final int objectAttributes;
    private final byte[] authPolicy;
    private final Parameters parameters;

    /**
     * @param nameAlg          the hash of the object's name ({@link TpmAlgorithm#SHA256}…).
     * @param objectAttributes TPMA_OBJECT bits ({@link #FIXED_TPM}…).
     * @param authPolicy       the policy digest that authorizes the object, or empty.
     * @param parameters       the key's type, parameters and unique field.
     */
    public TpmPublic(final int nameAlg, final int objectAttributes, final byte[] authPolicy,
        final Parameters parameters)
    {
        if (TpmAlgorithm.digestSize(nameAlg) < 0)
        {
            throw new IllegalArgumentException("nameAlg " + TpmAlgorithm.hashName(nameAlg) + " is not a hash");
        }
        this.nameAlg = nameAlg;
        this.objectAttributes = objectAttributes;
        this.authPolicy = authPolicy.clone();
        this.parameters = java.util.Objects.requireNonNull(parameters, "parameters");
    }

    /** TPMT_SYM_DEF_OBJECT (Part 2 section 11.1.7): how a storage key protects its children; NULL for others. */
    public record Symmetric(int algorithm, int keyBits, int mode)
    {
        public static final Symmetric NULL = new Symmetric(TpmAlgorithm.NULL, 0, TpmAlgorithm.NULL);
        public static final Symmetric AES_128_CFB = new Symmetric(TpmAlgorithm.AES, 128, TpmAlgorithm.CFB);

        public boolean isNull()
        {
            return algorithm == TpmAlgorithm.NULL;
        }
    }

    /**
     * An asymmetric scheme or KDF with its hash (TPMT_RSA_SCHEME, TPMT_ECC_SCHEME, TPMT_KDF_SCHEME; Part 2 section
     * 11.2). {@code hashAlg} is {@link TpmAlgorithm#NULL} for schemes without one (NULL,
     * RSAES); {@code count} is only marshalled for ECDAA.
     */
    public record Scheme(int scheme, int hashAlg, int count)
    {
        public static final Scheme NULL = new Scheme(TpmAlgorithm.NULL, TpmAlgorithm.NULL, 0);

        public static Scheme of(final int scheme, final int hashAlg)
        {
            return new Scheme(scheme, hashAlg, 0);
        }

        public boolean isNull()
        {
            return scheme == TpmAlgorithm.NULL;
        }
    }

    /** TPMU_PUBLIC_PARMS with the matching TPMU_PUBLIC_ID: what differs between RSA and ECC keys. */
    public sealed interface Parameters permits Rsa, Ecc
    {
        /** The TPMI_ALG_PUBLIC value: {@link TpmAlgorithm#RSA} or {@link TpmAlgorithm#ECC}. */
        int type();

        Symmetric symmetric();

        Scheme scheme();
    }

    /**
     * TPMS_RSA_PARMS (Part 2 section 12.2.3.5) and the modulus (TPM2B_PUBLIC_KEY_RSA).
     *
     * @param exponent the public exponent, unsigned; 0 means the default 65537.
     * @param modulus  the modulus, big-endian; empty (or any entropy) in a template.
     */
    public record Rsa(Symmetric symmetric, Scheme scheme, int keyBits, int exponent, byte[] modulus)
        implements Parameters
    {
        public Rsa
        {
            modulus = modulus.clone();
        }

        @Override
        public byte[] modulus()
        {
            return modulus.clone();
        }

        @Override
        public int type()
        {
            return TpmAlgorithm.RSA;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Rsa r && r.symmetric.equals(symmetric) && r.scheme.equals(scheme) &&
                r.keyBits == keyBits && r.exponent == exponent && Arrays.equals(r.modulus, modulus);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(modulus) * 31 + keyBits;
        }

        @Override
        public String toString()
        {
            return "rsa" + keyBits + "(scheme " + schemeName(scheme) + ", sym " + symmetricName(symmetric) + ")";
        }
    }

    /**
     * TPMS_ECC_PARMS (Part 2 section 12.2.3.6) and the public point (TPMS_ECC_POINT).
     *
     * @param x the point's x coordinate, big-endian; empty (or entropy) in a template.
     * @param y the point's y coordinate.
     */
    public record Ecc(Symmetric symmetric, Scheme scheme, int curveId, Scheme kdf, byte[] x, byte[] y)
        implements Parameters
    {
        public Ecc
        {
            x = x.clone();
            y = y.clone();
        }

        @Override
        public byte[] x()
        {
            return x.clone();
        }

        @Override
        public byte[] y()
        {
            return y.clone();
        }

        @Override
        public int type()
        {
            return TpmAlgorithm.ECC;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Ecc e && e.symmetric.equals(symmetric) && e.scheme.equals(scheme) &&
                e.curveId == curveId && e.kdf.equals(kdf) && Arrays.equals(e.x, x) && Arrays.equals(e.y, y);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(x) * 31 + curveId;
        }

        @Override
        public String toString()
        {
            return "ecc(curve " + String.format("0x%04x", curveId) + ", scheme " + schemeName(scheme) + ", sym " +
                symmetricName(symmetric) + ")";
        }
    }

    public int type()
    {
        return parameters.type();
    }

    public int nameAlg()
    {
        return nameAlg;
    }

    public int objectAttributes()
    {
        return objectAttributes;
    }

    /** @return whether every bit of {@code attributes} (TPMA_OBJECT) is set. */
    public boolean has(final int attributes)
    {
        return (objectAttributes & attributes) == attributes;
    }

    public byte[] authPolicy()
    {
        return authPolicy.clone();
    }

    public Parameters parameters()
    {
        return parameters;
    }

    /**
     * An attestation key's defining property (TPMA_OBJECT.restricted with sign, Part 2 section 8.3: the TPM signs with
     * it only digests it computed itself, so a quote cannot be forged by asking it to sign a look-alike): restricted
     * and sign, and not decrypt.
     */
    public boolean isRestrictedSigningKey()
    {
        return has(RESTRICTED | SIGN) && (objectAttributes & DECRYPT) == 0;
    }

    /** A storage key (an EK): restricted and decrypt, not sign, with a symmetric algorithm for its children. */
    public boolean isRestrictedDecryptionKey()
    {
        return has(RESTRICTED | DECRYPT) && (objectAttributes & SIGN) == 0 && !parameters.symmetric().isNull();
    }

    /**
     * Parses a public area.
     *
     * @param bytes a TPM2B_PUBLIC when {@code sized} (tpm2-tools' {@code -f tss} public files, TPM2_ReadPublic's
     *              outPublic), else a bare TPMT_PUBLIC.
     * @throws TpmFormatException naming the field and byte offset that does not decode.
     */
    public static TpmPublic parse(final byte[] bytes, final boolean sized) throws TpmFormatException
    {
        final TpmReader in = new TpmReader(bytes);
        final TpmPublic out = sized ? readSized(in, "TPM2B_PUBLIC") : read(in);
        in.expectEnd(sized ? "TPM2B_PUBLIC" : "TPMT_PUBLIC");
        return out;
    }

    /** Reads a TPM2B_PUBLIC from {@code in}: its size must be non-zero and cover exactly one TPMT_PUBLIC. */
    public static TpmPublic readSized(final TpmReader in, final String field) throws TpmFormatException
    {
        final int at = in.position();
        final byte[] inner = in.sized(field, MAX_PUBLIC);
        if (inner.length == 0)
        {
            throw new TpmFormatException(field + ".size", at, "is 0: no public area");
        }
        final TpmReader innerReader = new TpmReader(inner);
        try
        {
            final TpmPublic out = read(innerReader);
            innerReader.expectEnd(field + ".publicArea");
            return out;
        }
        catch (final TpmFormatException e)
        {
            // Report the offset in the outer buffer: the inner one starts after the 2-byte size.
            throw new TpmFormatException(e.field(), e.offset() + at + 2, e.getMessage().substring(
                e.getMessage().indexOf(": ") + 2));
        }
    }

    /** Reads one TPMT_PUBLIC from {@code in} (which may hold more after it). */
    public static TpmPublic read(final TpmReader in) throws TpmFormatException
    {
        final int typeAt = in.position();
        final int type = in.u16("TPMT_PUBLIC.type");
        if (type != TpmAlgorithm.RSA && type != TpmAlgorithm.ECC)
        {
            throw new TpmFormatException("TPMT_PUBLIC.type", typeAt, String.format(
                "0x%04x is not a supported key type (RSA 0x0001, ECC 0x0023)", type));
        }
        final int nameAlg = hash(in, "TPMT_PUBLIC.nameAlg");
        final int attributesAt = in.position();
        final int attributes = in.u32("TPMT_PUBLIC.objectAttributes");
        if ((attributes & RESERVED_ATTRIBUTES) != 0)
        {
            throw new TpmFormatException("TPMT_PUBLIC.objectAttributes", attributesAt, String.format(
                "reserved bits 0x%08x are set", attributes & RESERVED_ATTRIBUTES));
        }
        final int policyAt = in.position();
        final byte[] authPolicy = in.sized("TPMT_PUBLIC.authPolicy", MAX_DIGEST);
        if (authPolicy.length != 0 && authPolicy.length != TpmAlgorithm.digestSize(nameAlg))
        {
            // Part 3 section 12.1.1 (TPM2_Create): "authPolicy ... shall be the size of a digest produced by nameAlg".
            throw new TpmFormatException("TPMT_PUBLIC.authPolicy", policyAt, authPolicy.length + " bytes is neither " +
                "empty nor a " + TpmAlgorithm.hashName(nameAlg) + " digest");
        }
        final Symmetric symmetric = readSymmetric(in, "TPMT_PUBLIC.parameters.symDetail");
        final Parameters parameters;
        if (type == TpmAlgorithm.RSA)
        {
            final Scheme scheme = readScheme(in, "TPMS_RSA_PARMS.scheme", true);
            final int bitsAt = in.position();
            final int keyBits = in.u16("TPMS_RSA_PARMS.keyBits");
            if (keyBits != 1024 && keyBits != 2048 && keyBits != 3072 && keyBits != 4096)
            {
                throw new TpmFormatException("TPMS_RSA_PARMS.keyBits", bitsAt, keyBits +
                    " is not an RSA key size a TPM implements (1024, 2048, 3072, 4096)");
            }
            final int exponent = in.u32("TPMS_RSA_PARMS.exponent");
            final byte[] modulus = in.sized("TPMT_PUBLIC.unique.rsa", keyBits / 8);
            parameters = new Rsa(symmetric, scheme, keyBits, exponent, modulus);
        }
        else
        {
            final Scheme scheme = readScheme(in, "TPMS_ECC_PARMS.scheme", false);
            final int curveAt = in.position();
            final int curveId = in.u16("TPMS_ECC_PARMS.curveID");
            final int coordinateBytes = coordinateBytes(curveId);
            if (coordinateBytes < 0)
            {
                throw new TpmFormatException("TPMS_ECC_PARMS.curveID", curveAt, String.format(
                    "0x%04x is not a TPM_ECC_CURVE", curveId));
            }
            final Scheme kdf = readKdf(in, "TPMS_ECC_PARMS.kdf");
            final byte[] x = in.sized("TPMT_PUBLIC.unique.ecc.x", coordinateBytes);
            final byte[] y = in.sized("TPMT_PUBLIC.unique.ecc.y", coordinateBytes);
            parameters = new Ecc(symmetric, scheme, curveId, kdf, x, y);
        }
        return new TpmPublic(nameAlg, attributes, authPolicy, parameters);
    }

    private static int hash(final TpmReader in, final String field) throws TpmFormatException
    {
        final int at = in.position();
        final int alg = in.u16(field);
        if (TpmAlgorithm.digestSize(alg) < 0)
        {
            throw new TpmFormatException(field, at, String.format("0x%04x is not a supported hash (TPMI_ALG_HASH)",
                alg));
        }
        return alg;
    }

    private static Symmetric readSymmetric(final TpmReader in, final String field) throws TpmFormatException
    {
        final int at = in.position();
        final int algorithm = in.u16(field + ".algorithm");
        if (algorithm == TpmAlgorithm.NULL)
        {
            return Symmetric.NULL;
        }
        final int bitsAt = in.position();
        final int keyBits = in.u16(field + ".keyBits");
        final boolean validBits = switch (algorithm)
        {
            case TpmAlgorithm.AES, ALG_CAMELLIA -> keyBits == 128 || keyBits == 192 || keyBits == 256;
            case ALG_SM4 -> keyBits == 128;
            default -> throw new TpmFormatException(field + ".algorithm", at, String.format(
                "0x%04x is not a TPMI_ALG_SYM_OBJECT (AES, SM4, CAMELLIA or NULL)", algorithm));
        };
        if (!validBits)
        {
            throw new TpmFormatException(field + ".keyBits", bitsAt, keyBits + " is not a key size of " +
                String.format("0x%04x", algorithm));
        }
        final int modeAt = in.position();
        final int mode = in.u16(field + ".mode");
        if (mode != ALG_CTR && mode != ALG_OFB && mode != ALG_CBC && mode != TpmAlgorithm.CFB && mode != ALG_ECB &&
            mode != TpmAlgorithm.NULL)
        {
            throw new TpmFormatException(field + ".mode", modeAt, String.format("0x%04x is not a TPMI_ALG_SYM_MODE",
                mode));
        }
        return new Symmetric(algorithm, keyBits, mode);
    }

    private static Scheme readScheme(final TpmReader in, final String field, final boolean rsa)
        throws TpmFormatException
    {
        final int at = in.position();
        final int scheme = in.u16(field + ".scheme");
        final boolean known = rsa
            ? scheme == TpmAlgorithm.RSASSA || scheme == TpmAlgorithm.RSAPSS || scheme == TpmAlgorithm.OAEP ||
                scheme == TpmAlgorithm.RSAES || scheme == TpmAlgorithm.NULL
            : scheme == TpmAlgorithm.ECDSA || scheme == TpmAlgorithm.ECDH || scheme == ALG_ECDAA ||
                scheme == ALG_SM2 || scheme == ALG_ECSCHNORR || scheme == ALG_ECMQV || scheme == TpmAlgorithm.NULL;
        if (!known)
        {
            throw new TpmFormatException(field + ".scheme", at, String.format("0x%04x is not a %s scheme", scheme,
                rsa ? "TPMI_ALG_RSA_SCHEME" : "TPMI_ALG_ECC_SCHEME"));
        }
        if (scheme == TpmAlgorithm.NULL || scheme == TpmAlgorithm.RSAES)
        {
            return new Scheme(scheme, TpmAlgorithm.NULL, 0);
        }
        final int hashAlg = hash(in, field + ".details.hashAlg");
        final int count = scheme == ALG_ECDAA ? in.u16(field + ".details.count") : 0;
        return new Scheme(scheme, hashAlg, count);
    }

    private static Scheme readKdf(final TpmReader in, final String field) throws TpmFormatException
    {
        final int at = in.position();
        final int scheme = in.u16(field + ".scheme");
        if (scheme == TpmAlgorithm.NULL)
        {
            return Scheme.NULL;
        }
        if (scheme != ALG_MGF1 && scheme != ALG_KDF1_SP800_56A && scheme != ALG_KDF2 && scheme != ALG_KDF1_SP800_108)
        {
            throw new TpmFormatException(field + ".scheme", at, String.format("0x%04x is not a TPMI_ALG_KDF", scheme));
        }
        return new Scheme(scheme, hash(in, field + ".details.hashAlg"), 0);
    }

    /** @return the size of a coordinate on {@code curveId} in bytes, or -1 for an unknown curve. */
    public static int coordinateBytes(final int curveId)
    {
        return switch (curveId)
        {
            case NIST_P192 -> 24;
            case NIST_P224 -> 28;
            case NIST_P256, BN_P256, SM2_P256 -> 32;
            case NIST_P384 -> 48;
            case NIST_P521 -> 66;
            case BN_P638 -> 80;
            default -> -1;
        };
    }

    /** The TPMT_PUBLIC bytes (what the name hashes). */
    public byte[] marshal()
    {
        final TpmWriter out = new TpmWriter();
        write(out);
        return out.toByteArray();
    }

    /** The TPM2B_PUBLIC bytes: the TPMT_PUBLIC with its 16-bit size in front. */
    public byte[] marshalSized()
    {
        return new TpmWriter().sized(marshal()).toByteArray();
    }

    /** Writes the TPMT_PUBLIC to {@code out}. */
    public void write(final TpmWriter out)
    {
        out.u16(parameters.type()).u16(nameAlg).u32(objectAttributes).sized(authPolicy);
        final Symmetric symmetric = parameters.symmetric();
        out.u16(symmetric.algorithm());
        if (!symmetric.isNull())
        {
            out.u16(symmetric.keyBits()).u16(symmetric.mode());
        }
        writeScheme(out, parameters.scheme());
        switch (parameters)
        {
            case Rsa rsa -> out.u16(rsa.keyBits()).u32(rsa.exponent()).sized(rsa.modulus);
            case Ecc ecc ->
            {
                out.u16(ecc.curveId());
                writeScheme(out, ecc.kdf());
                out.sized(ecc.x).sized(ecc.y);
            }
        }
    }

    private static void writeScheme(final TpmWriter out, final Scheme scheme)
    {
        out.u16(scheme.scheme());
        if (scheme.hashAlg() != TpmAlgorithm.NULL && !scheme.isNull())
        {
            out.u16(scheme.hashAlg());
            if (scheme.scheme() == ALG_ECDAA)
            {
                out.u16(scheme.count());
            }
        }
    }

    /**
     * The object's Name (Part 1 section 16 "Names"): nameAlg (2 bytes) ‖ H_nameAlg(TPMT_PUBLIC). It is what a quote's
     * qualifiedSigner and TPM2_MakeCredential's objectName refer to, so it binds a public key to a TPM object.
     */
    public byte[] name()
    {
        final byte[] digest = TpmAlgorithm.hash(nameAlg, marshal());
        return new TpmWriter().u16(nameAlg).bytes(digest).toByteArray();
    }

    /**
     * The public key as a Bouncy Castle parameter, for signature checks and encryption.
     *
     * @throws TpmFormatException when the unique field is not a key: empty (a template), a modulus shorter than
     *                            keyBits or even, a point not on the curve, or a curve Bouncy Castle does not know.
     */
    public AsymmetricKeyParameter publicKey() throws TpmFormatException
    {
        try
        {
            return switch (parameters)
            {
                case Rsa rsa ->
                {
                    if (rsa.modulus.length != rsa.keyBits() / 8 || (rsa.modulus[0] & 0x80) == 0)
                    {
                        throw new TpmFormatException("TPMT_PUBLIC.unique.rsa", uniqueOffset(), rsa.modulus.length +
                            " bytes is not a " + rsa.keyBits() + "-bit modulus");
                    }
                    final long exponent = rsa.exponent() == 0 ? 65537 : Integer.toUnsignedLong(rsa.exponent());
                    yield new RSAKeyParameters(false, new BigInteger(1, rsa.modulus), BigInteger.valueOf(exponent));
                }
                case Ecc ecc ->
                {
                    final ECNamedDomainParameters domain = domain(ecc.curveId());
                    if (ecc.x.length == 0 || ecc.y.length == 0)
                    {
                        throw new TpmFormatException("TPMT_PUBLIC.unique.ecc", uniqueOffset(), "empty: a template, " +
                            "not a key");
                    }
                    final ECPoint point = domain.getCurve().validatePoint(new BigInteger(1, ecc.x),
                        new BigInteger(1, ecc.y));
                    yield new ECPublicKeyParameters(point, domain);
                }
            };
        }
        catch (final IllegalArgumentException | ArithmeticException e)
        {
            throw new TpmFormatException("TPMT_PUBLIC.unique", uniqueOffset(), "not a valid public key: " +
                e.getMessage());
        }
    }

    private ECNamedDomainParameters domain(final int curveId) throws TpmFormatException
    {
        final ASN1ObjectIdentifier oid = switch (curveId)
        {
            case NIST_P192 -> SECObjectIdentifiers.secp192r1;
            case NIST_P224 -> SECObjectIdentifiers.secp224r1;
            case NIST_P256 -> SECObjectIdentifiers.secp256r1;
            case NIST_P384 -> SECObjectIdentifiers.secp384r1;
            case NIST_P521 -> SECObjectIdentifiers.secp521r1;
            default -> null;
        };
        if (oid == null)
        {
            throw new TpmFormatException("TPMS_ECC_PARMS.curveID", 0, String.format(
                "curve 0x%04x has no X.509 form here (only the NIST curves)", curveId));
        }
        return ECNamedDomainParameters.lookup(oid);
    }

    private int uniqueOffset()
    {
        return switch (parameters)
        {
            case Rsa rsa -> marshal().length - 2 - rsa.modulus.length;
            case Ecc ecc -> marshal().length - 4 - ecc.x.length - ecc.y.length;
        };
    }

    /** The public key as DER SubjectPublicKeyInfo (RFC 5280; ECC keys with a named-curve OID, as openssl writes). */
    public byte[] subjectPublicKeyInfo() throws TpmFormatException
    {
        try
        {
            return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey()).getEncoded("DER");
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** The public key as a PEM "PUBLIC KEY" block: what {@code tpm2_readpublic -f pem} writes. */
    public String pem() throws TpmFormatException
    {
        final StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text))
        {
            writer.writeObject(new PemObject("PUBLIC KEY", subjectPublicKeyInfo()));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof TpmPublic p && Arrays.equals(p.marshal(), marshal());
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(marshal());
    }

    @Override
    public String toString()
    {
        return "TpmPublic[" + parameters + ", nameAlg " + TpmAlgorithm.hashName(nameAlg) + ", attributes " +
            String.format("0x%08x", objectAttributes) + ", authPolicy " + HexFormat.of().formatHex(authPolicy) + "]";
    }

    private static String schemeName(final Scheme scheme)
    {
        return scheme.isNull() ? "null" : String.format("0x%04x/%s", scheme.scheme(),
            TpmAlgorithm.hashName(scheme.hashAlg()));
    }

    private static String symmetricName(final Symmetric symmetric)
    {
        return symmetric.isNull() ? "null" : String.format("0x%04x-%d-0x%04x", symmetric.algorithm(),
            symmetric.keyBits(), symmetric.mode());
    }
}
