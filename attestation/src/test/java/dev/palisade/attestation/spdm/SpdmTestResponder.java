package dev.palisade.attestation.spdm;

import dev.palisade.attestation.DeepDer;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.engines.RSAEngine;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.Ed448KeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed448KeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.Ed448Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A test SPDM responder built on Bouncy Castle: it makes DICE-like certificate chains (root CA, device CA with a
 * MultiTcbInfo, alias leaf with TcbInfo and UEID; {@link Variant}s change them) and GET_MEASUREMENTS / MEASUREMENTS
 * exchanges signed the way DSP0274 says. The signing code is written from the spec text, not shared with the
 * verifier, so that a misreading in one shows up as a failing test rather than agreeing with itself.
 */
final class SpdmTestResponder
{
    static final Instant NOT_BEFORE = Instant.parse("2024-01-01T00:00:00Z");
    static final Instant NOT_AFTER = Instant.parse("2034-01-01T00:00:00Z");
    /** A fixed clock for tests: inside every certificate's validity. */
    static final Instant VALIDATION_TIME = Instant.parse("2025-06-01T00:00:00Z");
    static final SecureRandom RANDOM = new SecureRandom();

    /** Leaf key kinds. */
    enum KeyKind
    {
        P256, P384, RSA3072, ED25519, ED448
    }

    private static final Map<KeyKind, Device> DEVICES = new EnumMap<>(KeyKind.class);

    /** A device: its chain, the leaf's private key, and the device CA's (to issue other leaves). */
    record Device(X509CertificateHolder root, X509CertificateHolder intermediate, X509CertificateHolder leaf,
        AsymmetricKeyParameter leafPrivate, KeyKind kind, AsymmetricKeyParameter intermediatePrivate)
    {
        List<X509CertificateHolder> chain()
        {
            return List.of(leaf, intermediate, root);
        }
    }

    private SpdmTestResponder()
    {
    }

    /** One cached device per key kind (RSA key generation is slow). */
    static synchronized Device device(final KeyKind kind)
    {
        return DEVICES.computeIfAbsent(kind, k -> newDevice(k, "Palisade Test"));
    }

    static Device newDevice(final KeyKind kind, final String organisation)
    {
        return newDevice(kind, organisation, NOT_BEFORE, NOT_AFTER);
    }

    static Device newDevice(final KeyKind kind, final String organisation, final Instant notBefore,
        final Instant notAfter)
    {
        return newDevice(kind, organisation, notBefore, notAfter, Variant.STANDARD);
    }

    /** Adds to or replaces ({@link X509v3CertificateBuilder#replaceExtension}) a certificate's extensions. */
    @FunctionalInterface
    interface ExtensionChanges
    {
        void apply(X509v3CertificateBuilder builder) throws Exception;
    }

    /**
     * How a test device differs from the standard one: the algorithm the device CA signs the leaf with, and changes
     * to the leaf's and the device CA's extensions, made after the standard ones are added.
     */
    record Variant(ASN1ObjectIdentifier leafSignature, ExtensionChanges leaf, ExtensionChanges intermediate)
    {
        static final Variant STANDARD = new Variant(X9ObjectIdentifiers.ecdsa_with_SHA384, b -> { }, b -> { });

        static Variant leaf(final ExtensionChanges leaf)
        {
            return new Variant(X9ObjectIdentifiers.ecdsa_with_SHA384, leaf, b -> { });
        }

        static Variant intermediate(final ExtensionChanges intermediate)
        {
            return new Variant(X9ObjectIdentifiers.ecdsa_with_SHA384, b -> { }, intermediate);
        }
    }

    static Device newDevice(final KeyKind kind, final String organisation, final Variant variant)
    {
        return newDevice(kind, organisation, NOT_BEFORE, NOT_AFTER, variant);
    }

    static Device newDevice(final KeyKind kind, final String organisation, final Instant notBefore,
        final Instant notAfter, final Variant variant)
    {
        try
        {
            final AsymmetricCipherKeyPair rootKeys = ecKeys(SECObjectIdentifiers.secp384r1);
            final AsymmetricCipherKeyPair intermediateKeys = ecKeys(SECObjectIdentifiers.secp384r1);
            final AsymmetricCipherKeyPair leafKeys = keys(kind);
            final X500Name rootName = new X500Name("CN=" + organisation + " Root CA,O=" + organisation);
            final X500Name intermediateName = new X500Name("CN=" + organisation + " Device CA,O=" + organisation);
            final X500Name leafName = new X500Name("CN=" + organisation + " Alias,O=" + organisation);

            final X509v3CertificateBuilder root = builder(rootName, rootName, rootKeys, notBefore, notAfter);
            root.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            root.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            final X509CertificateHolder rootCertificate = root.build(signer(rootKeys.getPrivate()));

            final X509v3CertificateBuilder intermediate =
                builder(rootName, intermediateName, intermediateKeys, notBefore, notAfter);
            intermediate.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            intermediate.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            intermediate.addExtension(DiceExtensions.MULTI_TCB_INFO, false, new DERSequence(new ASN1Encodable[] {
                tcbInfo("Palisade", "DPU-ROM", "1.0.0", 1, 0, fwid(0x11), NO_FLAGS),
                tcbInfo("Palisade", "DPU-FMC", "2.3.1", 5, 1, fwid(0x22), NO_FLAGS)}));
            variant.intermediate().apply(intermediate);
            final X509CertificateHolder intermediateCertificate =
                intermediate.build(signer(rootKeys.getPrivate()));

            final X509v3CertificateBuilder leaf = builder(intermediateName, leafName, leafKeys, notBefore, notAfter);
            leaf.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            // TCG recommends marking TcbInfo critical: a relying party that cannot read it must not trust the key.
            leaf.addExtension(DiceExtensions.TCB_INFO, true, tcbInfo("Palisade", "DPU-RT", "3.1.4", 7, 2,
                fwid(0x33), NOT_IMMUTABLE));
            leaf.addExtension(DiceExtensions.UEID, false, new DERSequence(new DEROctetString(ueid())));
            variant.leaf().apply(leaf);
            final X509CertificateHolder leafCertificate =
                leaf.build(signer(intermediateKeys.getPrivate(), variant.leafSignature()));
            return new Device(rootCertificate, intermediateCertificate, leafCertificate, leafKeys.getPrivate(), kind,
                intermediateKeys.getPrivate());
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** A P-384 end-entity certificate below the device's leaf, signed with the leaf's (P-384) key. */
    static X509CertificateHolder issueBelowLeaf(final Device device)
    {
        try
        {
            final AsymmetricCipherKeyPair keys = ecKeys(SECObjectIdentifiers.secp384r1);
            final X509v3CertificateBuilder builder = builder(device.leaf().getSubject(),
                new X500Name("CN=Below the leaf"), keys, NOT_BEFORE, NOT_AFTER);
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            return builder.build(signer(device.leafPrivate()));
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A certificate with the leaf's names and key but other extensions, issued by the device CA: {@code extensions}
     * starts from an empty set.
     */
    static X509CertificateHolder reissueLeaf(final Device device, final ExtensionChanges extensions)
    {
        try
        {
            final X509v3CertificateBuilder builder = new X509v3CertificateBuilder(device.leaf().getIssuer(),
                new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(NOT_BEFORE), Date.from(NOT_AFTER),
                device.leaf().getSubject(), device.leaf().getSubjectPublicKeyInfo());
            extensions.apply(builder);
            return builder.build(signer(device.intermediatePrivate()));
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** Deeply nested DER: see {@link DeepDer#nestedSequences}. */
    static byte[] nestedSequences(final int depth)
    {
        return DeepDer.nestedSequences(depth);
    }

    static byte[] ueid()
    {
        final byte[] ueid = new byte[17];
        ueid[0] = 0x02; // EAT UEID type 0x02: IEEE EUI-64 style identifiers use 0x02/0x03; 17 bytes here
        for (int i = 1; i < ueid.length; i++)
        {
            ueid[i] = (byte)i;
        }
        return ueid;
    }

    /** A SHA-384 FWID whose digest is 48 copies of {@code fill}. */
    static DERSequence fwid(final int fill)
    {
        final byte[] digest = new byte[48];
        Arrays.fill(digest, (byte)fill);
        return new DERSequence(new ASN1Encodable[] {NISTObjectIdentifiers.id_sha384, new DEROctetString(digest)});
    }

    /**
     * OperationalFlags as a 32-bit DER BIT STRING (bit 0 is the most significant bit of the first byte): none set,
     * notImmutable (bit 7: a mutable firmware layer, which only describes it), and debug (bit 3).
     */
    static final byte[] NO_FLAGS = {0, 0, 0, 0};
    static final byte[] NOT_IMMUTABLE = {0x01, 0, 0, 0};
    static final byte[] DEBUG = {0x10, 0, 0, 0};

    /** DiceTcbInfo with IMPLICIT context tags [0]..[9] (TCG DICE Attestation Architecture). */
    static DERSequence tcbInfo(final String vendor, final String model, final String version, final int svn,
        final int layer, final DERSequence fwid, final byte[] flags)
    {
        return new DERSequence(new ASN1Encodable[] {
            new DERTaggedObject(false, 0, new DERUTF8String(vendor)),
            new DERTaggedObject(false, 1, new DERUTF8String(model)),
            new DERTaggedObject(false, 2, new DERUTF8String(version)),
            new DERTaggedObject(false, 3, new ASN1Integer(svn)),
            new DERTaggedObject(false, 4, new ASN1Integer(layer)),
            new DERTaggedObject(false, 5, new ASN1Integer(0)),
            new DERTaggedObject(false, 6, new DERSequence(fwid)),
            new DERTaggedObject(false, 7, new DERBitString(flags)),
            new DERTaggedObject(false, 8, new DEROctetString(new byte[] {(byte)0xCA, (byte)0xFE})),
            new DERTaggedObject(false, 9, new DEROctetString("runtime".getBytes(StandardCharsets.US_ASCII)))});
    }

    private static X509v3CertificateBuilder builder(final X500Name issuer, final X500Name subject,
        final AsymmetricCipherKeyPair keys, final Instant notBefore, final Instant notAfter) throws Exception
    {
        final SubjectPublicKeyInfo spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(keys.getPublic());
        return new X509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
            Date.from(notBefore), Date.from(notAfter), subject, spki);
    }

    private static ContentSigner signer(final AsymmetricKeyParameter caPrivate) throws Exception
    {
        return signer(caPrivate, X9ObjectIdentifiers.ecdsa_with_SHA384);
    }

    /** An ECDSA signer for {@code algorithm} (ecdsa-with-SHA384, or ecdsa-with-SHA1 to test its refusal). */
    private static ContentSigner signer(final AsymmetricKeyParameter caPrivate, final ASN1ObjectIdentifier algorithm)
        throws Exception
    {
        final AlgorithmIdentifier signature = new AlgorithmIdentifier(algorithm);
        return new BcECContentSignerBuilder(signature, new DefaultDigestAlgorithmIdentifierFinder().find(signature))
            .build(caPrivate);
    }

    static AsymmetricCipherKeyPair keys(final KeyKind kind)
    {
        return switch (kind)
        {
            case P256 -> ecKeys(SECObjectIdentifiers.secp256r1);
            case P384 -> ecKeys(SECObjectIdentifiers.secp384r1);
            case RSA3072 ->
            {
                final RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
                generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(65537), RANDOM, 3072, 100));
                yield generator.generateKeyPair();
            }
            case ED25519 ->
            {
                final Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
                generator.init(new Ed25519KeyGenerationParameters(RANDOM));
                yield generator.generateKeyPair();
            }
            case ED448 ->
            {
                final Ed448KeyPairGenerator generator = new Ed448KeyPairGenerator();
                generator.init(new Ed448KeyGenerationParameters(RANDOM));
                yield generator.generateKeyPair();
            }
        };
    }

    private static AsymmetricCipherKeyPair ecKeys(final ASN1ObjectIdentifier curve)
    {
        final X9ECParameters x9 = ECNamedCurveTable.getByOID(curve);
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(new ECNamedDomainParameters(curve, x9), RANDOM));
        return generator.generateKeyPair();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Messages

    /** GET_MEASUREMENTS (DSP0274 "GET_MEASUREMENTS request message"). */
    static byte[] request(final int version, final boolean signed, final int operation, final byte[] nonce,
        final int slot)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(version);
        out.write(0xE0);
        out.write(signed ? 0x01 : 0x00);
        out.write(operation);
        if (signed)
        {
            out.writeBytes(nonce);
            out.write(slot);
        }
        return out.toByteArray();
    }

    /** A DMTF measurement block: Index, MeasurementSpecification 1, MeasurementSize, Type, ValueSize, Value. */
    static byte[] block(final int index, final int type, final byte[] value)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(index);
        out.write(0x01);
        writeLe(out, value.length + 3, 2);
        out.write(type);
        writeLe(out, value.length, 2);
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** MEASUREMENTS without its signature. */
    static byte[] response(final int version, final int param1, final int param2, final List<byte[]> blocks,
        final byte[] responderNonce, final byte[] opaque)
    {
        final ByteArrayOutputStream record = new ByteArrayOutputStream();
        blocks.forEach(record::writeBytes);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(version);
        out.write(0x60);
        out.write(param1);
        out.write(param2);
        out.write(blocks.size());
        writeLe(out, record.size(), 3);
        out.writeBytes(record.toByteArray());
        out.writeBytes(responderNonce);
        writeLe(out, opaque.length, 2);
        out.writeBytes(opaque);
        return out.toByteArray();
    }

    /**
     * VCA for {@code version}: GET_VERSION, VERSION (1.1 and 1.2 entries), GET_CAPABILITIES, CAPABILITIES (20 bytes
     * in 1.2, 12 in 1.1), NEGOTIATE_ALGORITHMS and ALGORITHMS with the given selections and SHA-384 measurements.
     */
    static byte[] vca(final int version, final SpdmAsymAlgorithm asym, final SpdmHashAlgorithm hash)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x10, (byte)0x84, 0, 0});
        out.writeBytes(new byte[] {0x10, 0x04, 0, 0, 0, 2, 0x00, 0x11, 0x00, 0x12});
        final int capabilitiesSize = version >= 0x12 ? 20 : 12;
        final byte[] getCapabilities = new byte[capabilitiesSize];
        getCapabilities[0] = (byte)version;
        getCapabilities[1] = (byte)0xE1;
        getCapabilities[5] = 12;
        out.writeBytes(getCapabilities);
        final byte[] capabilities = new byte[capabilitiesSize];
        capabilities[0] = (byte)version;
        capabilities[1] = 0x61;
        capabilities[5] = 12;
        capabilities[8] = 0x16; // CERT_CAP | MEAS_CAP (signed)
        out.writeBytes(capabilities);
        final byte[] negotiate = new byte[32];
        negotiate[0] = (byte)version;
        negotiate[1] = (byte)0xE3;
        negotiate[4] = 32;
        negotiate[6] = 0x01;
        negotiate[8] = (byte)0xFF;
        negotiate[9] = 0x0F;
        negotiate[12] = 0x3F;
        out.writeBytes(negotiate);
        final byte[] algorithms = new byte[36];
        algorithms[0] = (byte)version;
        algorithms[1] = 0x63;
        algorithms[4] = 36;
        algorithms[6] = 0x01;
        putLe(algorithms, 8, 1 << 2); // MeasurementHashAlgo: TPM_ALG_SHA_384
        putLe(algorithms, 12, 1 << asym.baseAsymBit());
        putLe(algorithms, 16, 1 << hash.baseHashBit());
        out.writeBytes(algorithms);
        return out.toByteArray();
    }

    /**
     * Signs L1/L2 as DSP0274 says. 1.1: RSA/ECDSA over L1/L2 with the hash, EdDSA over L1/L2. 1.2: over
     * "dmtf-spdm-v1.2.*" x 4 || 6 zero bytes || "responder-measurements signing" || Hash(L1/L2).
     */
    static byte[] sign(final SpdmAsymAlgorithm algorithm, final SpdmHashAlgorithm hash,
        final AsymmetricKeyParameter privateKey, final int version, final byte[] l1l2)
    {
        final byte[] message;
        if (version >= 0x12)
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final String prefix = "dmtf-spdm-v" + (version >> 4) + "." + (version & 0xF) + ".*";
            out.writeBytes((prefix + prefix + prefix + prefix).getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(new byte[6]);
            out.writeBytes("responder-measurements signing".getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(hash.digest(l1l2));
            message = out.toByteArray();
            if (message.length != 100 + hash.digestSizeBytes())
            {
                throw new IllegalStateException("combined prefix is not 100 bytes");
            }
        }
        else
        {
            message = l1l2;
        }
        return switch (algorithm.family())
        {
            case ECDSA ->
            {
                final ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(hash.newDigest()));
                signer.init(true, privateKey);
                final BigInteger[] rs = signer.generateSignature(hash.digest(message));
                final int half = algorithm.signatureSizeBytes() / 2;
                final byte[] out = new byte[2 * half];
                fixed(rs[0], out, 0, half);
                fixed(rs[1], out, half, half);
                yield out;
            }
            case RSASSA -> generate(new RSADigestSigner(hash.newDigest()), privateKey, message);
            case RSAPSS -> generate(new PSSSigner(new RSAEngine(), hash.newDigest(), hash.digestSizeBytes()),
                privateKey, message);
            case ED25519 -> generate(new Ed25519Signer(), privateKey, message);
            case ED448 -> generate(new Ed448Signer(version >= 0x12 ?
                "responder-measurements signing".getBytes(StandardCharsets.US_ASCII) : new byte[0]), privateKey,
                message);
        };
    }

    private static byte[] generate(final Signer signer, final AsymmetricKeyParameter key, final byte[] message)
    {
        try
        {
            signer.init(true, key);
            signer.update(message, 0, message.length);
            return signer.generateSignature();
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static void fixed(final BigInteger value, final byte[] out, final int offset, final int size)
    {
        final byte[] bytes = value.toByteArray();
        final int start = Math.max(0, bytes.length - size);
        final int length = bytes.length - start;
        System.arraycopy(bytes, start, out, offset + size - length, length);
    }

    static void writeLe(final ByteArrayOutputStream out, final int value, final int size)
    {
        for (int i = 0; i < size; i++)
        {
            out.write((value >>> (8 * i)) & 0xFF);
        }
    }

    private static void putLe(final byte[] out, final int offset, final int value)
    {
        for (int i = 0; i < 4; i++)
        {
            out[offset + i] = (byte)(value >>> (8 * i));
        }
    }

    static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] filled(final int size, final int fill)
    {
        final byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte)fill);
        return bytes;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Whole vectors

    /** The standard three measurements: ROM digest, firmware digest, raw hardware configuration. */
    static final byte[] VALUE_1 = filled(48, 0xA1);
    static final byte[] VALUE_2 = filled(48, 0xB2);
    static final byte[] VALUE_3 = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    static final byte[] NONCE = filled(32, 0x5A);
    static final byte[] RESPONDER_NONCE = filled(32, 0xC3);
    static final byte[] OPAQUE = {0x01, 0x00, 0x04, 0x00, 'p', 'a', 'l', 'i'};

    /** A built transcript and the offsets of its regions, for tampering. */
    record Vector(Device device, SpdmAsymAlgorithm algorithm, SpdmHashAlgorithm hash, int version, byte[] vca,
        byte[] transcript, int responseStart, List<Integer> blockStarts, int responderNonceStart,
        int opaqueLengthStart, int opaqueStart, int signatureStart)
    {
        /** The verifier these vectors affirm with: root, references, nonce, fixed time, and the VCA if any. */
        SpdmVerifier.Builder verifier()
        {
            final SpdmVerifier.Builder builder = SpdmVerifier.builder()
                .roots(List.of(device.root()))
                .referenceValues(references())
                .expectedNonce(NONCE)
                .validationTime(VALIDATION_TIME);
            return vca == null ? builder : builder.vca(vca);
        }
    }

    static SpdmReferenceValues references()
    {
        return SpdmReferenceValues.of(Map.of(1, VALUE_1, 2, VALUE_2, 3, VALUE_3), List.of());
    }

    static Vector vector(final KeyKind kind, final SpdmAsymAlgorithm algorithm, final int version,
        final boolean withVca)
    {
        return vector(device(kind), algorithm, algorithm.defaultHash(), version, withVca);
    }

    static Vector vector(final Device device, final SpdmAsymAlgorithm algorithm, final SpdmHashAlgorithm hash,
        final int version, final boolean withVca)
    {
        final byte[] request = request(version, true, 0xFF, NONCE, 0);
        final List<byte[]> blocks = new ArrayList<>();
        blocks.add(block(1, 0x00, VALUE_1));
        blocks.add(block(2, 0x01, VALUE_2));
        blocks.add(block(3, 0x82, VALUE_3));
        final byte[] response = response(version, 0, 0, blocks, RESPONDER_NONCE, OPAQUE);
        final byte[] vca = withVca ? vca(version, algorithm, hash) : null;
        final byte[] measurementPart = concat(request, response);
        final byte[] l1l2 = withVca && version >= 0x12 ? concat(vca, measurementPart) : measurementPart;
        final byte[] signature = sign(algorithm, hash, device.leafPrivate(), version, l1l2);
        final byte[] transcript = concat(measurementPart, signature);
        final int responseStart = request.length;
        final List<Integer> blockStarts = new ArrayList<>();
        int position = responseStart + 8;
        for (final byte[] block : blocks)
        {
            blockStarts.add(position);
            position += block.length;
        }
        final int opaqueLengthStart = position + 32;
        return new Vector(device, algorithm, hash, version, vca, transcript, responseStart, blockStarts, position,
            opaqueLengthStart, opaqueLengthStart + 2, measurementPart.length);
    }
}
