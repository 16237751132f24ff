package dev.palisade.attestation.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * The small X.509 toolkit the control plane needs for mutual TLS: EC P-256 keys, a certificate authority that issues
 * client and server certificates, PEM in and out, and reading names back from a peer's certificate.
 * <p>
 * Identities ride in subjectAltName URIs, so that nothing depends on parsing distinguished names:
 * {@code urn:palisade:dpu:<id>} (a DPU agent's identity, issued at enrolment), {@code urn:palisade:ak:<hex>} (the Name
 * of the TPM attestation key the certificate was bound to at enrolment), {@code urn:palisade:role:<role>} (a role on a
 * DPU's management API).
 */
public final class Pki
{
    public static final String DPU_URI_PREFIX = "urn:palisade:dpu:";
    public static final String AK_URI_PREFIX = "urn:palisade:ak:";
    public static final String ROLE_URI_PREFIX = "urn:palisade:role:";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a certificate may be used for in TLS. */
    public enum Usage
    {
        CLIENT,
        SERVER,
        CLIENT_AND_SERVER
    }

    private Pki()
    {
    }

    /** @return a fresh EC P-256 key pair. */
    public static KeyPair newKeyPair()
    {
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    /** A certificate authority: its key and self-signed certificate. */
    public record Authority(PrivateKey key, X509CertificateHolder certificate)
    {
        /** @return a new self-signed CA named {@code commonName}, valid from now for {@code validity}. */
        public static Authority create(final String commonName, final Duration validity)
        {
            final KeyPair pair = newKeyPair();
            final X500Name name = name(commonName);
            final Instant now = Instant.now();
            final X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name,
                SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()));
            try
            {
                final JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                builder.addExtension(Extension.subjectKeyIdentifier, false,
                    utils.createSubjectKeyIdentifier(pair.getPublic()));
                return new Authority(pair.getPrivate(), builder.build(signer(pair.getPrivate())));
            }
            catch (final CertIOException | GeneralSecurityException e)
            {
                throw new IllegalStateException("cannot make a CA certificate", e);
            }
        }

        /** Reads a CA from its PEM private key (PKCS#8) and certificate. */
        public static Authority fromPem(final String keyPem, final String certificatePem)
        {
            return new Authority(privateKeyFromPem(keyPem), certificateFromPem(certificatePem));
        }

        public String certificatePem()
        {
            return Pki.certificatePem(certificate);
        }

        public String keyPem()
        {
            return privateKeyPem(key);
        }

        /**
         * Issues a certificate for {@code subjectKey}.
         *
         * @param uris      subjectAltName URIs (identities: see the class comment).
         * @param hosts     subjectAltName DNS names or IP addresses, for a server.
         * @param notBefore the start of validity (a few minutes of skew are allowed for).
         */
        public X509CertificateHolder issue(final PublicKey subjectKey, final String commonName, final Usage usage,
            final List<String> uris, final List<String> hosts, final Instant notBefore, final Duration validity)
        {
            final X509v3CertificateBuilder builder = new X509v3CertificateBuilder(certificate.getSubject(), serial(),
                Date.from(notBefore.minus(Duration.ofMinutes(5))), Date.from(notBefore.plus(validity)),
                name(commonName), SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded()));
            try
            {
                final JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(switch (usage)
                {
                    case CLIENT -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
                    case SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
                    case CLIENT_AND_SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth,
                        KeyPurposeId.id_kp_serverAuth};
                }));
                builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(
                    subjectKey));
                builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(
                    SubjectPublicKeyInfo.getInstance(certificate.getSubjectPublicKeyInfo().getEncoded())));
                final List<GeneralName> names = new ArrayList<>();
                for (final String uri : uris)
                {
                    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
                }
                for (final String host : hosts)
                {
                    names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host) :
                        new GeneralName(GeneralName.dNSName, host));
                }
                if (!names.isEmpty())
                {
                    builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
                }
                return builder.build(signer(key));
            }
            catch (final IOException | GeneralSecurityException e)
            {
                throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
            }
        }
    }

    private static boolean isIpLiteral(final String host)
    {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static X500Name name(final String commonName)
    {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial()
    {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static ContentSigner signer(final PrivateKey key)
    {
        try
        {
            return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        }
        catch (final OperatorCreationException e)
        {
            throw new IllegalStateException("cannot sign with " + key.getAlgorithm(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PEM

    public static String certificatePem(final X509CertificateHolder certificate)
    {
        try
        {
            return pem("CERTIFICATE", certificate.getEncoded());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public static String privateKeyPem(final PrivateKey key)
    {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    public static String publicKeyPem(final PublicKey key)
    {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    private static String pem(final String type, final byte[] der)
    {
        final StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out))
        {
            writer.writeObject(new PemObject(type, der));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static byte[] pemBlock(final String pem, final String type)
    {
        final PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem)))
        {
            object = reader.readPemObject();
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException("not PEM: " + e.getMessage());
        }
        if (object == null)
        {
            throw new IllegalArgumentException("no PEM block (expected -----BEGIN " + type + "-----)");
        }
        if (!object.getType().equals(type))
        {
            throw new IllegalArgumentException("a PEM '" + object.getType() + "' block, expected '" + type + "'");
        }
        return object.getContent();
    }

    /** @throws IllegalArgumentException when the PEM is not one X.509 certificate. */
    public static X509CertificateHolder certificateFromPem(final String pem)
    {
        try
        {
            return new X509CertificateHolder(pemBlock(pem, "CERTIFICATE"));
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException("the CERTIFICATE block does not decode: " + e.getMessage());
        }
    }

    /** Reads an EC private key in PKCS#8 PEM ("PRIVATE KEY"). */
    public static PrivateKey privateKeyFromPem(final String pem)
    {
        try
        {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pemBlock(pem,
                "PRIVATE KEY")));
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalArgumentException("the PRIVATE KEY block is not an EC key: " + e.getMessage());
        }
    }

    /** Reads an EC public key from DER SubjectPublicKeyInfo. */
    public static PublicKey publicKeyFromDer(final byte[] der)
    {
        try
        {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        }
        catch (final GeneralSecurityException | RuntimeException e)
        {
            throw new IllegalArgumentException("not an EC public key (SubjectPublicKeyInfo): " + e.getMessage());
        }
    }

    /** @return the JDK's view of a certificate (what TLS stacks hand back). */
    public static X509Certificate toX509(final X509CertificateHolder holder)
    {
        try
        {
            return (X509Certificate)CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(holder.getEncoded()));
        }
        catch (final CertificateException | IOException e)
        {
            throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Names from a peer's certificate

    /** @return the subjectAltName URIs of a certificate (none when it has no such extension). */
    public static List<String> uris(final X509Certificate certificate)
    {
        final List<String> uris = new ArrayList<>();
        try
        {
            final Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null)
            {
                for (final List<?> name : names)
                {
                    if (name.size() == 2 && Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(name.get(0)))
                    {
                        uris.add(String.valueOf(name.get(1)));
                    }
                }
            }
        }
        catch (final CertificateParsingException e)
        {
            return List.of();
        }
        return uris;
    }

    /** @return the value after {@code prefix} of the first subjectAltName URI with it, or null. */
    public static String uriValue(final X509Certificate certificate, final String prefix)
    {
        for (final String uri : uris(certificate))
        {
            if (uri.startsWith(prefix))
            {
                return uri.substring(prefix.length());
            }
        }
        return null;
    }

    /** @return every value after {@code prefix}, lower-cased (roles). */
    public static List<String> uriValues(final X509Certificate certificate, final String prefix)
    {
        final List<String> values = new ArrayList<>();
        for (final String uri : uris(certificate))
        {
            if (uri.startsWith(prefix))
            {
                values.add(uri.substring(prefix.length()).toLowerCase(Locale.ROOT));
            }
        }
        return values;
    }

    /** @return the SHA-256 fingerprint of a certificate's DER, hex. */
    public static String fingerprint(final X509Certificate certificate)
    {
        try
        {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(certificate.getEncoded()));
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
