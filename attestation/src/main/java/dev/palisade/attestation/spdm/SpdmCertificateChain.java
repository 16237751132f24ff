package dev.palisade.attestation.spdm;

import dev.palisade.attestation.Names;
import dev.palisade.attestation.DerNesting;
import dev.palisade.attestation.Reason;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;
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
 * to what a fixed chain needs: names chain, signatures verify with an accepted algorithm, each certificate is valid at
 * the validation time, issuers are CAs (basicConstraints cA, keyUsage keyCertSign, pathLenConstraint), the leaf is
 * an SPDM signing key (digitalSignature, not a CA, responder-auth if it lists purposes), no critical extension is left
 * unprocessed, and the chain ends in a configured root.
 * <p>
 * Chains arrive leaf-first (SPDM GET_CERTIFICATE order is root-first, NVIDIA's tools print leaf-first), so the order
 * is detected and reported; any other order is refused rather than searched, since a verifier that builds paths
 * from a bag of certificates accepts more than the device sent.
 * <p>
 * Without configured roots the chain can only be internally consistent: it is reported as valid but not anchored
 * ({@link SpdmReasons#CHAIN_NOT_ANCHORED}, a warning), which keeps the evidence from being affirmed.
 * <p>
 * Certificates are attacker-supplied, and Bouncy Castle parses extension values, signature values and public keys
 * only when asked: each is bounded by {@link DerNesting} before it is parsed.
 */
final class SpdmCertificateChain
{
    /** id-DMTF-eku-responder-auth (DSP0274 1.2, ANNEX C "OID reference"): the key authenticates an SPDM Responder. */
    static final KeyPurposeId RESPONDER_AUTH =
        KeyPurposeId.getInstance(new ASN1ObjectIdentifier("1.3.6.1.4.1.412.274.3"));

    /**
     * Extensions whose content this check acts on, so that a critical one is honoured (RFC 5280 section 4.2: a
     * critical extension that is not processed makes the certificate unacceptable):
     * <ul>
     *   <li>basicConstraints and keyUsage: the CA rules for issuers, and cA false / digitalSignature for the leaf;</li>
     *   <li>extendedKeyUsage: on the leaf it must allow SPDM responder authentication ({@link #checkLeaf}). On a CA
     *       certificate RFC 5280 gives it no role in path validation (keyUsage keyCertSign governs what a CA key
     *       may do), and SPDM CAs mark it critical (libspdm's test PKI does), so there it is read and accepted;</li>
     *   <li>the TCG DICE TcbInfo, MultiTcbInfo and UEID: decoded by {@link DiceExtensions}; TcbInfo flags and
     *       reference values are checked by {@link SpdmVerifier}.</li>
     * </ul>
     */
    private static final Set<ASN1ObjectIdentifier> PROCESSED_EXTENSIONS = Set.of(
        Extension.basicConstraints, Extension.keyUsage, Extension.extendedKeyUsage,
        DiceExtensions.TCB_INFO, DiceExtensions.MULTI_TCB_INFO, DiceExtensions.UEID);

    /**
     * Extensions that only inform, so that marking them critical changes nothing a verifier must enforce: key
     * identifiers (the chain is built from names and signatures), alternative names (nothing here matches names
     * against an expectation), and id-DMTF-spdm-extension (DSP0274 1.2, "SPDM extension": a list of informational
     * OIDs such as hardware-identity). Not here, so refused when critical: certificatePolicies and policyConstraints
     * (no RFC 5280 section 6.1 policy processing is done), nameConstraints, cRLDistributionPoints and
     * authorityInfoAccess (no revocation checking is done), and anything unknown.
     */
    private static final Set<ASN1ObjectIdentifier> INFORMATIONAL_EXTENSIONS = Set.of(
        Extension.subjectKeyIdentifier, Extension.authorityKeyIdentifier, Extension.subjectAlternativeName,
        Extension.issuerAlternativeName, new ASN1ObjectIdentifier("1.3.6.1.4.1.412.274.6"));

    /**
     * Certificate signature algorithms relied upon: RSA PKCS#1 v1.5, ECDSA (RFC 5758, RFC 8692 / NIST for SHA-3) and
     * RSASSA-PSS (RFC 4055, checked separately for its hash) with SHA-2 or SHA-3, and EdDSA (RFC 8410), the
     * signature families DSP0274 1.2 BaseAsymAlgo names. SHA-1 and MD5 signatures can be forged by collision.
     */
    private static final Set<ASN1ObjectIdentifier> SIGNATURE_ALGORITHMS = Set.of(
        PKCSObjectIdentifiers.sha256WithRSAEncryption, PKCSObjectIdentifiers.sha384WithRSAEncryption,
        PKCSObjectIdentifiers.sha512WithRSAEncryption, NISTObjectIdentifiers.id_rsassa_pkcs1_v1_5_with_sha3_256,
        NISTObjectIdentifiers.id_rsassa_pkcs1_v1_5_with_sha3_384,
        NISTObjectIdentifiers.id_rsassa_pkcs1_v1_5_with_sha3_512, X9ObjectIdentifiers.ecdsa_with_SHA256,
        X9ObjectIdentifiers.ecdsa_with_SHA384, X9ObjectIdentifiers.ecdsa_with_SHA512,
        NISTObjectIdentifiers.id_ecdsa_with_sha3_256, NISTObjectIdentifiers.id_ecdsa_with_sha3_384,
        NISTObjectIdentifiers.id_ecdsa_with_sha3_512, EdECObjectIdentifiers.id_Ed25519, EdECObjectIdentifiers.id_Ed448);

    /** Hashes RSASSA-PSS may use, for the message and for MGF1. */
    private static final Set<ASN1ObjectIdentifier> PSS_HASHES = Set.of(NISTObjectIdentifiers.id_sha256,
        NISTObjectIdentifiers.id_sha384, NISTObjectIdentifiers.id_sha512, NISTObjectIdentifiers.id_sha3_256,
        NISTObjectIdentifiers.id_sha3_384, NISTObjectIdentifiers.id_sha3_512);

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
                final String weak = signatureAlgorithmProblem(certificate.getSignatureAlgorithm());
                if (weak != null)
                {
                    reasons.add(weakSignature(name, weak));
                }
                else if (!signedBy(certificate, issuer))
                {
                    reasons.add(new Reason(SpdmReasons.CHAIN_BROKEN, name + " is not signed by the key of " +
                        describe(i + 1, n, issuer)));
                }
                checkIssuer(describe(i + 1, n, issuer), issuer, i, reasons);
            }
        }
        checkLeaf(ordered.getFirst(), reasons);
        final X509CertificateHolder top = ordered.getLast();
        final String topWeak = signatureAlgorithmProblem(top.getSignatureAlgorithm());
        boolean anchored = false;
        if (roots.isEmpty())
        {
            if (top.getSubject().equals(top.getIssuer()))
            {
                if (topWeak != null)
                {
                    reasons.add(weakSignature(describe(n - 1, n, top), topWeak));
                }
                else if (!signedBy(top, top))
                {
                    reasons.add(new Reason(SpdmReasons.CHAIN_BROKEN, describe(n - 1, n, top) +
                        " is self-issued but its self-signature does not verify"));
                }
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
                        reasons.add(new Reason(SpdmReasons.CHAIN_EXPIRED, "the configured root " + Names.print(root.getSubject()) +
                            " is not valid at " + validationTime));
                    }
                    checkIssuer("the configured root " + Names.print(root.getSubject()), root, n - 1, reasons);
                    break;
                }
            }
            if (!anchored && topWeak != null && roots.stream().anyMatch(r -> r.getSubject().equals(top.getIssuer())))
            {
                // The configured root is there, but a signature made with this algorithm is not evidence it signed.
                reasons.add(weakSignature(describe(n - 1, n, top), topWeak));
            }
            else if (!anchored)
            {
                reasons.add(new Reason(SpdmReasons.CHAIN_UNTRUSTED_ROOT, "the chain ends at " + Names.print(top.getSubject()) +
                    " (issuer " + Names.print(top.getIssuer()) + "), which is none of the " + roots.size() + " configured roots"));
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
        return role + " " + Names.print(certificate.getSubject());
    }

    /**
     * @param issuerPosition position of the issuer's first subject in the leaf-first chain: the number of CA
     *                       certificates between it and the leaf is {@code issuerPosition}, minus the leaf.
     */
    private static void checkIssuer(final String name, final X509CertificateHolder issuer, final int issuerPosition,
        final List<Reason> reasons)
    {
        final BasicConstraints constraints;
        try
        {
            constraints = BasicConstraints.getInstance(extensionValue(issuer, Extension.basicConstraints));
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
            usage = KeyUsage.getInstance(extensionValue(issuer, Extension.keyUsage));
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

    /**
     * The leaf is the key that signs SPDM messages (DSP0274 1.2, "Leaf certificate"): its keyUsage, when present,
     * allows digitalSignature (RFC 5280 4.2.1.3); it is not a CA (RFC 5280 4.2.1.9; libspdm's GET_CERTIFICATE leaf
     * check requires cA false), since a CA key that signs measurements could also issue a further certificate with
     * whatever DICE TcbInfo it liked; and when it lists extended key usages, they allow SPDM responder authentication
     * (id-DMTF-eku-responder-auth) or any purpose, since RFC 5280 4.2.1.12 limits the key to the purposes listed.
     * libspdm is laxer there (it refuses only a responder leaf that lists requester-auth without responder-auth);
     * this follows RFC 5280, as webpki-based SPDM verifiers do.
     */
    private static void checkLeaf(final X509CertificateHolder leaf, final List<Reason> reasons)
    {
        final String name = "the leaf " + Names.print(leaf.getSubject());
        try
        {
            final KeyUsage usage = KeyUsage.getInstance(extensionValue(leaf, Extension.keyUsage));
            if (usage != null && !usage.hasUsages(KeyUsage.digitalSignature))
            {
                reasons.add(new Reason(SpdmReasons.LEAF_KEY_USAGE, name + " may not sign: its keyUsage lacks " +
                    "digitalSignature"));
            }
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.LEAF_KEY_USAGE, name + " has a keyUsage that does not decode: " +
                e.getMessage()));
        }
        try
        {
            final BasicConstraints constraints =
                BasicConstraints.getInstance(extensionValue(leaf, Extension.basicConstraints));
            if (constraints != null && constraints.isCA())
            {
                reasons.add(new Reason(SpdmReasons.LEAF_IS_CA, name + " is a CA (basicConstraints cA is TRUE): " +
                    "the key that signs the measurements must not be able to issue certificates"));
            }
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.LEAF_IS_CA, name + " has a basicConstraints that does not decode: " +
                e.getMessage()));
        }
        try
        {
            final ExtendedKeyUsage purposes =
                ExtendedKeyUsage.getInstance(extensionValue(leaf, Extension.extendedKeyUsage));
            if (purposes != null && !purposes.hasKeyPurposeId(RESPONDER_AUTH) &&
                !purposes.hasKeyPurposeId(KeyPurposeId.anyExtendedKeyUsage))
            {
                final List<String> listed = new ArrayList<>();
                for (final KeyPurposeId purpose : purposes.getUsages())
                {
                    listed.add(purpose.getId());
                }
                reasons.add(new Reason(SpdmReasons.LEAF_EXTENDED_KEY_USAGE, name + " limits its key to " + listed +
                    ", which lists neither id-DMTF-eku-responder-auth (1.3.6.1.4.1.412.274.3) nor " +
                    "anyExtendedKeyUsage"));
            }
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.LEAF_EXTENDED_KEY_USAGE, name + " has an extendedKeyUsage that does " +
                "not decode: " + e.getMessage()));
        }
    }

    /**
     * The parsed value of {@code certificate}'s extension {@code oid}, or null when it has none.
     *
     * @throws IllegalArgumentException when the value nests too deep ({@link DerNesting}) or does not decode.
     */
    static ASN1Primitive extensionValue(final X509CertificateHolder certificate, final ASN1ObjectIdentifier oid)
    {
        final Extension extension = certificate.getExtension(oid);
        if (extension == null)
        {
            return null;
        }
        DerNesting.check(extension.getExtnValue().getOctets(), "the " + oid + " extension");
        return extension.getParsedValue().toASN1Primitive();
    }

    /** @return null when certificates signed with {@code algorithm} are relied upon, else the algorithm's name. */
    static String signatureAlgorithmProblem(final AlgorithmIdentifier algorithm)
    {
        final ASN1ObjectIdentifier oid = algorithm.getAlgorithm();
        if (SIGNATURE_ALGORITHMS.contains(oid))
        {
            return null;
        }
        if (oid.equals(PKCSObjectIdentifiers.id_RSASSA_PSS))
        {
            try
            {
                // RFC 4055 section 3.1: absent parameters mean SHA-1 for the hash and for MGF1.
                final RSASSAPSSparams parameters = RSASSAPSSparams.getInstance(algorithm.getParameters());
                final RSASSAPSSparams effective = parameters == null ? new RSASSAPSSparams() : parameters;
                final ASN1ObjectIdentifier hash = effective.getHashAlgorithm().getAlgorithm();
                final AlgorithmIdentifier mgf = effective.getMaskGenAlgorithm();
                final ASN1ObjectIdentifier mgfHash = mgf.getAlgorithm().equals(PKCSObjectIdentifiers.id_mgf1) ?
                    AlgorithmIdentifier.getInstance(mgf.getParameters()).getAlgorithm() : null;
                if (PSS_HASHES.contains(hash) && mgfHash != null && PSS_HASHES.contains(mgfHash))
                {
                    return null;
                }
                return "RSASSA-PSS with hash " + digestName(hash) + " and " + (mgfHash == null ? "mask generation " +
                    mgf.getAlgorithm() : "MGF1 with " + digestName(mgfHash));
            }
            catch (final RuntimeException e)
            {
                return "RSASSA-PSS with parameters that do not decode";
            }
        }
        return new DefaultAlgorithmNameFinder().getAlgorithmName(oid) + " (" + oid + ")";
    }

    private static String digestName(final ASN1ObjectIdentifier oid)
    {
        return new DefaultAlgorithmNameFinder().getAlgorithmName(oid);
    }

    private static Reason weakSignature(final String name, final String algorithm)
    {
        return new Reason(SpdmReasons.CHAIN_SIGNATURE_ALGORITHM, name + " is signed with " + algorithm + ", which " +
            "this verifier does not rely on (accepted: RSA PKCS#1 v1.5 or PSS and ECDSA with SHA-2 or SHA-3, " +
            "Ed25519, Ed448)");
    }

    private static void checkCriticalExtensions(final String name, final X509CertificateHolder certificate,
        final List<Reason> reasons)
    {
        for (final Object oid : certificate.getCriticalExtensionOIDs())
        {
            if (!PROCESSED_EXTENSIONS.contains((ASN1ObjectIdentifier)oid) &&
                !INFORMATIONAL_EXTENSIONS.contains((ASN1ObjectIdentifier)oid))
            {
                reasons.add(new Reason(SpdmReasons.CHAIN_UNKNOWN_CRITICAL_EXTENSION, name +
                    " has the critical extension " + oid + ", which this verifier does not process"));
            }
        }
    }

    /**
     * @return whether {@code certificate}'s signature verifies with {@code issuer}'s key, with an algorithm this
     * verifier relies on.
     */
    static boolean signedBy(final X509CertificateHolder certificate, final X509CertificateHolder issuer)
    {
        if (signatureAlgorithmProblem(certificate.getSignatureAlgorithm()) != null)
        {
            return false;
        }
        try
        {
            // An ECDSA signature and an RSA key are DER inside BIT STRINGs, parsed only now.
            DerNesting.check(certificate.getSignature(), "the signature");
            DerNesting.check(issuer.getSubjectPublicKeyInfo().getPublicKeyData().getBytes(), "the issuer's key");
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
