package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Reason;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.bc.BcECContentVerifierProviderBuilder;
import org.bouncycastle.operator.bc.BcEdDSAContentVerifierProviderBuilder;
import org.bouncycastle.operator.bc.BcRSAContentVerifierProviderBuilder;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Checks an SPDM certificate chain (DSP0274 1.2, "Certificates and certificate chains": the leaf signs, each
 * certificate is signed by the next, the last is a root or is signed by one) in the RFC 5280 section 6 way, reduced
 * to what a fixed chain needs: names chain, signatures verify, each certificate is valid at the validation time,
 * issuers are CAs (basicConstraints cA, keyUsage keyCertSign, pathLenConstraint), no critical extension is left
 * unprocessed, and the chain ends in a configured root.
 * <p>
 * Chains arrive leaf-first (SPDM GET_CERTIFICATE order is root-first, NVIDIA's tools print leaf-first), so the order
 * is detected and reported; any other order is refused rather than searched, since a verifier that builds paths
 * from a bag of certificates accepts more than the device sent.
 * <p>
 * Without configured roots the chain can only be internally consistent: it is reported as valid but not anchored
 * ({@link SpdmReasons#CHAIN_NOT_ANCHORED}, a warning), which keeps the evidence from being affirmed.
 */
final class SpdmCertificateChain
{
    /** Extensions this check processes, or that carry information only (so that marking them critical is harmless). */
    private static final Set<ASN1ObjectIdentifier> KNOWN_EXTENSIONS = Set.of(
        Extension.basicConstraints, Extension.keyUsage, Extension.extendedKeyUsage, Extension.subjectKeyIdentifier,
        Extension.authorityKeyIdentifier, Extension.subjectAlternativeName, Extension.issuerAlternativeName,
        Extension.cRLDistributionPoints, Extension.authorityInfoAccess, Extension.certificatePolicies,
        DiceExtensions.TCB_INFO, DiceExtensions.MULTI_TCB_INFO, DiceExtensions.UEID,
        // id-DMTF-spdm-extension (DSP0274 1.2, "SPDM extension"): informational OID list.
        new ASN1ObjectIdentifier("1.3.6.1.4.1.412.274.6"));

    /**
     * @param leafFirst the chain leaf first (as given, reversed, or as given when the order is unknown).
     * @param order     {@code leaf_first}, {@code root_first}, {@code single}, {@code unordered} or {@code empty}.
     */
    record Result(List<X509CertificateHolder> leafFirst, String order, boolean valid, boolean anchored,
        List<Reason> reasons)
    {
    }

    private SpdmCertificateChain()
    {
    }

    static Result check(final List<X509CertificateHolder> chain, final List<X509CertificateHolder> roots,
        final Instant validationTime)
    {
        final List<Reason> reasons = new ArrayList<>();
        if (chain.isEmpty())
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_EMPTY, "no certificates were given"));
            return new Result(List.of(), "empty", false, false, reasons);
        }
        final List<X509CertificateHolder> ordered = new ArrayList<>(chain);
        final String order;
        if (chain.size() == 1)
        {
            order = "single";
        }
        else if (isLeafFirst(chain))
        {
            order = "leaf_first";
        }
        else if (isLeafFirst(chain.reversed()))
        {
            order = "root_first";
            ordered.clear();
            ordered.addAll(chain.reversed());
        }
        else
        {
            order = "unordered";
            reasons.add(new Reason(SpdmReasons.CHAIN_OUT_OF_ORDER, "the " + chain.size() + " certificates are " +
                "neither leaf-first nor root-first (each certificate's issuer must be the next one's subject)"));
        }
        final Date at = Date.from(validationTime);
        final int n = ordered.size();
        for (int i = 0; i < n; i++)
        {
            final X509CertificateHolder certificate = ordered.get(i);
            final String name = describe(i, n, certificate);
            if (!certificate.isValidOn(at))
            {
                final boolean notYet = at.before(certificate.getNotBefore());
                reasons.add(new Reason(SpdmReasons.CHAIN_EXPIRED, name + (notYet ? " is not valid before " +
                    certificate.getNotBefore().toInstant() : " expired at " + certificate.getNotAfter().toInstant()) +
                    " (validation time " + validationTime + ")"));
            }
            checkCriticalExtensions(name, certificate, reasons);
            if (i + 1 < n)
            {
                final X509CertificateHolder issuer = ordered.get(i + 1);
                if (!signedBy(certificate, issuer))
                {
                    reasons.add(new Reason(SpdmReasons.CHAIN_BROKEN, name + " is not signed by the key of " +
                        describe(i + 1, n, issuer)));
                }
                checkIssuer(describe(i + 1, n, issuer), issuer, i, reasons);
            }
        }
        checkLeafKeyUsage(ordered.getFirst(), reasons);
        final X509CertificateHolder top = ordered.getLast();
        boolean anchored = false;
        if (roots.isEmpty())
        {
            if (top.getSubject().equals(top.getIssuer()) && !signedBy(top, top))
            {
                reasons.add(new Reason(SpdmReasons.CHAIN_BROKEN, describe(n - 1, n, top) +
                    " is self-issued but its self-signature does not verify"));
            }
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_ANCHORED, "no root certificates are configured: the chain " +
                "is internally consistent at best and proves nothing about who made the device"));
        }
        else
        {
            for (final X509CertificateHolder root : roots)
            {
                if (root.equals(top))
                {
                    anchored = true;
                    break;
                }
                if (root.getSubject().equals(top.getIssuer()) && signedBy(top, root))
                {
                    anchored = true;
                    if (!root.isValidOn(at))
                    {
                        reasons.add(new Reason(SpdmReasons.CHAIN_EXPIRED, "the configured root " + root.getSubject() +
                            " is not valid at " + validationTime));
                    }
                    checkIssuer("the configured root " + root.getSubject(), root, n - 1, reasons);
                    break;
                }
            }
            if (!anchored)
            {
                reasons.add(new Reason(SpdmReasons.CHAIN_UNTRUSTED_ROOT, "the chain ends at " + top.getSubject() +
                    " (issuer " + top.getIssuer() + "), which is none of the " + roots.size() + " configured roots"));
            }
        }
        boolean valid = true;
        for (final Reason reason : reasons)
        {
            // An untrusted root is about anchoring, not consistency: chain_valid still says whether the chain holds.
            if (!SpdmReasons.WARNINGS.contains(reason.code()) &&
                !reason.code().equals(SpdmReasons.CHAIN_UNTRUSTED_ROOT))
            {
                valid = false;
            }
        }
        return new Result(List.copyOf(ordered), order, valid, anchored, reasons);
    }

    private static boolean isLeafFirst(final List<X509CertificateHolder> chain)
    {
        for (int i = 0; i + 1 < chain.size(); i++)
        {
            if (!chain.get(i).getIssuer().equals(chain.get(i + 1).getSubject()))
            {
                return false;
            }
        }
        return true;
    }

    private static String describe(final int i, final int n, final X509CertificateHolder certificate)
    {
        final String role = i == 0 ? "leaf" : i == n - 1 ? "top certificate" : "certificate " + i;
        return role + " " + certificate.getSubject();
    }

    /**
     * @param issuerPosition position of the issuer's first subject in the leaf-first chain: the number of CA
     *                       certificates between it and the leaf is {@code issuerPosition}, minus the leaf.
     */
    private static void checkIssuer(final String name, final X509CertificateHolder issuer, final int issuerPosition,
        final List<Reason> reasons)
    {
        final Extensions extensions = issuer.getExtensions();
        final BasicConstraints constraints;
        try
        {
            constraints = extensions == null ? null : BasicConstraints.fromExtensions(extensions);
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_CA, name + " has a basicConstraints that does not decode"));
            return;
        }
        if (constraints == null || !constraints.isCA())
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_CA, name + " issues a certificate but is not a CA " +
                "(basicConstraints cA is not set)"));
            return;
        }
        // RFC 5280 4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below the issuer.
        final int intermediatesBelow = issuerPosition;
        if (constraints.getPathLenConstraint() != null &&
            constraints.getPathLenConstraint().intValue() < intermediatesBelow)
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_CA, name + " allows " + constraints.getPathLenConstraint() +
                " CA certificates below it, the chain has " + intermediatesBelow));
        }
        final KeyUsage usage;
        try
        {
            usage = extensions == null ? null : KeyUsage.fromExtensions(extensions);
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_CA, name + " has a keyUsage that does not decode"));
            return;
        }
        if (usage != null && !usage.hasUsages(KeyUsage.keyCertSign))
        {
            reasons.add(new Reason(SpdmReasons.CHAIN_NOT_CA, name + " issues a certificate but its keyUsage lacks " +
                "keyCertSign"));
        }
    }

    private static void checkLeafKeyUsage(final X509CertificateHolder leaf, final List<Reason> reasons)
    {
        try
        {
            final KeyUsage usage = leaf.getExtensions() == null ? null : KeyUsage.fromExtensions(leaf.getExtensions());
            if (usage != null && !usage.hasUsages(KeyUsage.digitalSignature))
            {
                reasons.add(new Reason(SpdmReasons.LEAF_KEY_USAGE, "the leaf " + leaf.getSubject() +
                    " may not sign: its keyUsage lacks digitalSignature"));
            }
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.LEAF_KEY_USAGE, "the leaf's keyUsage does not decode"));
        }
    }

    private static void checkCriticalExtensions(final String name, final X509CertificateHolder certificate,
        final List<Reason> reasons)
    {
        for (final Object oid : certificate.getCriticalExtensionOIDs())
        {
            if (!KNOWN_EXTENSIONS.contains((ASN1ObjectIdentifier)oid))
            {
                reasons.add(new Reason(SpdmReasons.CHAIN_UNKNOWN_CRITICAL_EXTENSION, name +
                    " has the critical extension " + oid + ", which this verifier does not process"));
            }
        }
    }

    /** @return whether {@code certificate}'s signature verifies with {@code issuer}'s key. */
    static boolean signedBy(final X509CertificateHolder certificate, final X509CertificateHolder issuer)
    {
        try
        {
            return certificate.isSignatureValid(verifierFor(issuer));
        }
        catch (final Exception e)
        {
            // OperatorCreationException, CertException, or a RuntimeException from a key Bouncy Castle cannot use.
            return false;
        }
    }

    private static ContentVerifierProvider verifierFor(final X509CertificateHolder issuer) throws Exception
    {
        final ASN1ObjectIdentifier keyAlgorithm = issuer.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm();
        final DefaultDigestAlgorithmIdentifierFinder digests = new DefaultDigestAlgorithmIdentifierFinder();
        if (keyAlgorithm.equals(X9ObjectIdentifiers.id_ecPublicKey))
        {
            return new BcECContentVerifierProviderBuilder(digests).build(issuer);
        }
        if (keyAlgorithm.equals(PKCSObjectIdentifiers.rsaEncryption) ||
            keyAlgorithm.equals(PKCSObjectIdentifiers.id_RSASSA_PSS))
        {
            return new BcRSAContentVerifierProviderBuilder(digests).build(issuer);
        }
        if (keyAlgorithm.equals(EdECObjectIdentifiers.id_Ed25519) ||
            keyAlgorithm.equals(EdECObjectIdentifiers.id_Ed448))
        {
            return new BcEdDSAContentVerifierProviderBuilder().build(issuer);
        }
        throw new IOException("unsupported issuer key algorithm " + keyAlgorithm);
    }
}
