package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.Names;
import dev.palisade.attestation.DerNesting;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentVerifierProviderBuilder;
import org.bouncycastle.operator.bc.BcRSAContentVerifierProviderBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Checks an EK certificate, the manufacturer's statement "this key is the EK of a genuine TPM" (TCG EK Credential
 * Profile 2.x section 3): it must chain to a configured manufacturer CA, be valid at the given time, and certify the
 * very key the TPM presents as its EK. An EK certificate is untrusted input (it comes from the attester's NV), so
 * every problem comes back as a {@link Reason} with a stable code; only I/O on the configuration throws.
 * <p>
 * The chain is built and checked here with Bouncy Castle rather than with PKIX: EK certificates routinely carry what
 * PKIX validators reject (an empty subject with a critical subjectAltName of TCG attributes,
 * subjectDirectoryAttributes, the TCG EK extended key usage), and what matters is issuer signatures, validity and CA
 * constraints.
 */
public final class EkCertificates
{
    /** Chains longer than this are refused (a root, a few intermediates and the EK certificate). */
    public static final int MAX_CHAIN = 8;

    private final List<X509CertificateHolder> roots;
    private final List<X509CertificateHolder> intermediates;

    /**
     * @param roots         trust anchors: the manufacturers' root CAs.
     * @param intermediates issuing CAs that may appear between a root and an EK certificate (untrusted on their own).
     */
    public EkCertificates(final List<X509CertificateHolder> roots, final List<X509CertificateHolder> intermediates)
    {
        if (roots.isEmpty())
        {
            throw new IllegalArgumentException("no root CA configured: no EK certificate could be trusted");
        }
        this.roots = List.copyOf(roots);
        this.intermediates = List.copyOf(intermediates);
    }

    /** Reads the roots and intermediates from PEM files (each may hold several CERTIFICATE blocks). */
    public static EkCertificates fromPemFiles(final List<Path> roots, final List<Path> intermediates)
        throws IOException
    {
        final List<X509CertificateHolder> rootCertificates = new ArrayList<>();
        for (final Path file : roots)
        {
            rootCertificates.addAll(readPem(file));
        }
        final List<X509CertificateHolder> intermediateCertificates = new ArrayList<>();
        for (final Path file : intermediates)
        {
            intermediateCertificates.addAll(readPem(file));
        }
        return new EkCertificates(rootCertificates, intermediateCertificates);
    }

    /** Every CERTIFICATE block of a PEM file. */
    public static List<X509CertificateHolder> readPem(final Path file) throws IOException
    {
        final List<X509CertificateHolder> out = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(Files.readString(file))))
        {
            for (PemObject object = reader.readPemObject(); object != null; object = reader.readPemObject())
            {
                if (object.getType().equals("CERTIFICATE"))
                {
                    out.add(new X509CertificateHolder(object.getContent()));
                }
            }
        }
        if (out.isEmpty())
        {
            throw new IOException(file + " holds no PEM CERTIFICATE block");
        }
        return out;
    }

    /** The outcome: trusted with its chain, or rejected with every reason found. */
    public sealed interface Result permits Trusted, Rejected
    {
    }

    /**
     * @param certificate the EK certificate.
     * @param chain       the certificate, the intermediates it was issued through, and the root, in that order.
     */
    public record Trusted(X509CertificateHolder certificate, List<X509CertificateHolder> chain) implements Result
    {
    }

    public record Rejected(List<Reason> reasons) implements Result
    {
        public Rejected
        {
            reasons = List.copyOf(reasons);
        }

        /** @return whether a reason with {@code code} is among the reasons. */
        public boolean has(final String code)
        {
            return reasons.stream().anyMatch(r -> r.code().equals(code));
        }
    }

    /**
     * Checks {@code certificateDer} as the certificate of {@code ek} at time {@code at}.
     * <p>
     * Reason codes: {@code ek_cert_malformed}, {@code ek_public_malformed}, {@code ek_cert_key_mismatch},
     * {@code ek_cert_not_yet_valid}, {@code ek_cert_expired}, {@code ek_cert_issuer_unknown} (no configured CA has
     * the issuer's name), {@code ek_cert_signature_invalid} (a CA has the name but did not sign it), {@code
     * ca_cert_not_yet_valid}, {@code ca_cert_expired}, {@code ca_cert_not_ca} (an issuer without basicConstraints
     * cA or keyCertSign), {@code ek_cert_chain_too_long}, {@code ek_cert_chain_loop} (the configured intermediates
     * lead back to one already in the chain without reaching a root).
     */
    public Result verify(final byte[] certificateDer, final TpmPublic ek, final Instant at)
    {
        try
        {
            return verifyChecked(certificateDer, ek, at);
        }
        catch (final RuntimeException e)
        {
            // Bouncy Castle throws on some certificate contents only when they are read: a rejection, not an escape.
            return new Rejected(List.of(new Reason("ek_cert_malformed", "a certificate does not read: " +
                e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
    }

    private Result verifyChecked(final byte[] certificateDer, final TpmPublic ek, final Instant at)
    {
        final List<Reason> reasons = new ArrayList<>();
        final X509CertificateHolder certificate;
        try
        {
            // Bouncy Castle parses a certificate recursively: bounded first, or deep nesting overflows the stack.
            DerNesting.check(certificateDer, "the DER");
            certificate = new X509CertificateHolder(certificateDer);
        }
        catch (final IOException | RuntimeException e)
        {
            return new Rejected(List.of(new Reason("ek_cert_malformed", "the EK certificate is not one DER X.509 " +
                "certificate: " + e.getMessage())));
        }
        checkKey(certificate, ek, reasons);
        checkValidity(certificate, at, "ek_cert", "the EK certificate", reasons);
        final List<X509CertificateHolder> chain = new ArrayList<>(List.of(certificate));
        X509CertificateHolder current = certificate;
        while (true)
        {
            if (chain.size() > MAX_CHAIN)
            {
                reasons.add(new Reason("ek_cert_chain_too_long", "more than " + MAX_CHAIN + " certificates"));
                break;
            }
            final X509CertificateHolder root = issuerAmong(roots, current);
            if (root != null)
            {
                checkValidity(root, at, "ca_cert", "root CA " + Names.print(root.getSubject()), reasons);
                checkCa(root, reasons);
                chain.add(root);
                break;
            }
            final X509CertificateHolder intermediate = issuerAmong(unused(intermediates, chain), current);
            if (intermediate == null)
            {
                final X509CertificateHolder looped = issuerAmong(unused(chain, List.of(certificate)), current);
                if (looped != null)
                {
                    // A self-signed intermediate, or two that certify each other: each signature holds, but the
                    // path goes round without reaching a configured root.
                    reasons.add(new Reason("ek_cert_chain_loop", (looped == current ? describe(current,
                        certificate) + " is self-signed but not a configured root" : describe(current, certificate) +
                        " was issued by CA " + Names.print(looped.getSubject()) + ", which is already in the chain") +
                        ": the configured intermediates loop without reaching a configured root"));
                    break;
                }
                final boolean named = hasSubject(roots, current) || hasSubject(intermediates, current);
                reasons.add(named
                    ? new Reason("ek_cert_signature_invalid", "no configured CA named " + Names.print(current.getIssuer()) +
                        " signed " + describe(current, certificate))
                    : new Reason("ek_cert_issuer_unknown", describe(current, certificate) + " was issued by " +
                        Names.print(current.getIssuer()) + ", which is not a configured manufacturer CA"));
                break;
            }
            checkValidity(intermediate, at, "ca_cert", "intermediate CA " + Names.print(intermediate.getSubject()), reasons);
            checkCa(intermediate, reasons);
            chain.add(intermediate);
            current = intermediate;
        }
        return reasons.isEmpty() ? new Trusted(certificate, List.copyOf(chain)) : new Rejected(reasons);
    }

    private static String describe(final X509CertificateHolder current, final X509CertificateHolder leaf)
    {
        return current == leaf ? "the EK certificate" : "CA " + Names.print(current.getSubject());
    }

    /** TCG EK Credential Profile section 3: the certificate's subjectPublicKey is the EK's public key. */
    private static void checkKey(final X509CertificateHolder certificate, final TpmPublic ek,
        final List<Reason> reasons)
    {
        final AsymmetricKeyParameter tpmKey;
        try
        {
            tpmKey = ek.publicKey();
        }
        catch (final TpmFormatException e)
        {
            reasons.add(new Reason("ek_public_malformed", "the EK public area holds no usable key: " + e.getMessage()));
            return;
        }
        final AsymmetricKeyParameter certifiedKey;
        try
        {
            DerNesting.check(certificate.getSubjectPublicKeyInfo().getPublicKeyData().getBytes(), "the key");
            // PublicKeyFactory also reads the id-RSAES-OAEP algorithm identifier some EK certificates use.
            certifiedKey = PublicKeyFactory.createKey(certificate.getSubjectPublicKeyInfo());
        }
        catch (final IOException | RuntimeException e)
        {
            reasons.add(new Reason("ek_cert_malformed", "the EK certificate's public key does not decode: " +
                e.getMessage()));
            return;
        }
        if (!sameKey(tpmKey, certifiedKey))
        {
            reasons.add(new Reason("ek_cert_key_mismatch", "the EK certificate certifies another key than the " +
                "TPM's EK (" + ek.parameters() + ")"));
        }
    }

    static boolean sameKey(final AsymmetricKeyParameter a, final AsymmetricKeyParameter b)
    {
        if (a instanceof RSAKeyParameters ra && b instanceof RSAKeyParameters rb)
        {
            return ra.getModulus().equals(rb.getModulus()) && ra.getExponent().equals(rb.getExponent());
        }
        if (a instanceof ECPublicKeyParameters ea && b instanceof ECPublicKeyParameters eb)
        {
            return ea.getParameters().getCurve().equals(eb.getParameters().getCurve()) &&
                ea.getParameters().getG().equals(eb.getParameters().getG()) && ea.getQ().equals(eb.getQ());
        }
        return false;
    }

    private static void checkValidity(final X509CertificateHolder certificate, final Instant at, final String prefix,
        final String what, final List<Reason> reasons)
    {
        final Date when = Date.from(at);
        if (when.before(certificate.getNotBefore()))
        {
            reasons.add(new Reason(prefix + "_not_yet_valid", what + " is valid from " +
                certificate.getNotBefore().toInstant() + ", checked at " + at));
        }
        else if (when.after(certificate.getNotAfter()))
        {
            reasons.add(new Reason(prefix + "_expired", what + " expired at " + certificate.getNotAfter().toInstant() +
                ", checked at " + at));
        }
    }

    /** RFC 5280 section 4.2.1.9 and 4.2.1.3: an issuer must be a CA and, if it has key usage, have keyCertSign. */
    private static void checkCa(final X509CertificateHolder ca, final List<Reason> reasons)
    {
        final BasicConstraints constraints = BasicConstraints.fromExtensions(ca.getExtensions());
        final KeyUsage usage = KeyUsage.fromExtensions(ca.getExtensions());
        if (constraints == null || !constraints.isCA() || (usage != null && !usage.hasUsages(KeyUsage.keyCertSign)))
        {
            reasons.add(new Reason("ca_cert_not_ca", Names.print(ca.getSubject()) + " issued a certificate but is not a CA " +
                "(basicConstraints cA, keyUsage keyCertSign)"));
        }
    }

    /** @return {@code candidates} without those in {@code used}. */
    private static List<X509CertificateHolder> unused(final List<X509CertificateHolder> candidates,
        final List<X509CertificateHolder> used)
    {
        final List<X509CertificateHolder> out = new ArrayList<>(candidates);
        out.removeAll(used);
        return out;
    }

    /** @return the candidate whose subject is {@code certificate}'s issuer and whose key verifies its signature. */
    private static X509CertificateHolder issuerAmong(final List<X509CertificateHolder> candidates,
        final X509CertificateHolder certificate)
    {
        for (final X509CertificateHolder candidate : candidates)
        {
            if (candidate.getSubject().equals(certificate.getIssuer()) && signedBy(certificate, candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static boolean hasSubject(final List<X509CertificateHolder> candidates,
        final X509CertificateHolder certificate)
    {
        return candidates.stream().anyMatch(c -> c.getSubject().equals(certificate.getIssuer()));
    }

    /** Checks the signature with the lightweight API: RSA (PKCS#1 v1.5, PSS) or ECDSA issuers. */
    static boolean signedBy(final X509CertificateHolder certificate, final X509CertificateHolder issuer)
    {
        try
        {
            // An ECDSA signature and an RSA key are DER inside BIT STRINGs, parsed only now: bounded first.
            DerNesting.check(certificate.getSignature(), "the signature");
            DerNesting.check(issuer.getSubjectPublicKeyInfo().getPublicKeyData().getBytes(), "the issuer's key");
            final ASN1ObjectIdentifier keyAlgorithm = issuer.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm();
            final ContentVerifierProvider verifier;
            if (keyAlgorithm.equals(PKCSObjectIdentifiers.rsaEncryption) ||
                keyAlgorithm.equals(PKCSObjectIdentifiers.id_RSASSA_PSS))
            {
                verifier = new BcRSAContentVerifierProviderBuilder(new DefaultDigestAlgorithmIdentifierFinder())
                    .build(issuer);
            }
            else if (keyAlgorithm.equals(X9ObjectIdentifiers.id_ecPublicKey))
            {
                verifier = new BcECContentVerifierProviderBuilder(new DefaultDigestAlgorithmIdentifierFinder())
                    .build(issuer);
            }
            else
            {
                return false;
            }
            return certificate.isSignatureValid(verifier);
        }
        catch (final OperatorCreationException | CertException | RuntimeException e)
        {
            // A key or signature that does not decode signs nothing.
            return false;
        }
    }
}
