package dev.palisade.attestation.spdm;

import dev.palisade.attestation.DerNesting;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies SPDM 1.1 / 1.2 GET_MEASUREMENTS evidence as NVIDIA BlueField-3 and GPU attestation tools capture it: the
 * GET_MEASUREMENTS request immediately followed by its MEASUREMENTS response (optionally preceded by unsigned
 * exchanges), and the device's certificate chain. It checks, in the RATS verifier role (RFC 9334):
 * <ol>
 *   <li>framing: every field of DSP0274's request and response layouts, bounded by the input;</li>
 *   <li>authenticity: the last response's signature over L1/L2 with the leaf key ({@link SpdmSignatures}), the
 *       algorithm taken from ALGORITHMS when the VCA is given, else inferred from the leaf key;</li>
 *   <li>the chain: signatures, validity at the validation time, CA rules, anchoring in a configured root;</li>
 *   <li>freshness: the signed request's nonce is the one the verifier issued;</li>
 *   <li>the device's own DICE claims: no TcbInfo in the chain may say its layer is unconfigured, not secure, in
 *       recovery or in debug (TCG DICE Attestation Architecture, OperationalFlags) unless explicitly allowed;</li>
 *   <li>reference values: measurement values by index, DICE TcbInfo vendor / model / version / svn / fwid.</li>
 * </ol>
 * It never throws on evidence: every failure becomes a reason in the {@link SpdmAppraisal}. Fail-closed defaults:
 * without roots, an expected nonce or reference values the result is at best WARNING, never AFFIRMING.
 */
public final class SpdmVerifier
{
    private final List<X509CertificateHolder> roots;
    private final SpdmReferenceValues referenceValues;
    private final byte[] expectedNonce;
    private final Clock clock;
    private final byte[] vca;
    private final SpdmHashAlgorithm hash;
    private final SpdmAsymAlgorithm signatureAlgorithm;
    private final Set<TcbFlag> allowedTcbFlags;

    private SpdmVerifier(final Builder builder)
    {
        this.roots = List.copyOf(builder.roots);
        this.referenceValues = builder.referenceValues;
        this.expectedNonce = builder.expectedNonce == null ? null : builder.expectedNonce.clone();
        this.clock = builder.clock;
        this.vca = builder.vca == null ? null : builder.vca.clone();
        this.hash = builder.hash;
        this.signatureAlgorithm = builder.signatureAlgorithm;
        this.allowedTcbFlags = builder.allowedTcbFlags.isEmpty() ? Set.of() : Set.copyOf(builder.allowedTcbFlags);
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Configuration; every option is optional, and leaving one out never weakens a check silently. */
    public static final class Builder
    {
        private List<X509CertificateHolder> roots = List.of();
        private SpdmReferenceValues referenceValues;
        private byte[] expectedNonce;
        private Clock clock = Clock.systemUTC();
        private byte[] vca;
        private SpdmHashAlgorithm hash;
        private SpdmAsymAlgorithm signatureAlgorithm;
        private Set<TcbFlag> allowedTcbFlags = Set.of();

        private Builder()
        {
        }

        /** Trusted roots; the chain must end in one (be one, or be signed by one). Without roots: not anchored. */
        public Builder roots(final List<X509CertificateHolder> roots)
        {
            this.roots = List.copyOf(roots);
            return this;
        }

        public Builder referenceValues(final SpdmReferenceValues referenceValues)
        {
            this.referenceValues = referenceValues;
            return this;
        }

        /** The 32-byte nonce the verifier gave the requester; the signed request must carry it. */
        public Builder expectedNonce(final byte[] expectedNonce)
        {
            this.expectedNonce = expectedNonce == null ? null : expectedNonce.clone();
            return this;
        }

        /** The instant certificates must be valid at (default: now). */
        public Builder validationTime(final Instant validationTime)
        {
            this.clock = Clock.fixed(validationTime, ZoneOffset.UTC);
            return this;
        }

        public Builder clock(final Clock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * The VCA messages of the connection (GET_VERSION .. ALGORITHMS). SPDM 1.2 signs them as the start of L1/L2,
         * so 1.2 evidence from a conformant responder verifies only with them; ALGORITHMS also names the hash and
         * signature algorithm, which then override {@link #hash} and {@link #signatureAlgorithm}.
         */
        public Builder vca(final byte[] vca)
        {
            this.vca = vca == null ? null : vca.clone();
            return this;
        }

        /** The negotiated BaseHashAlgo, when no VCA says it (default: {@link SpdmAsymAlgorithm#defaultHash()}). */
        public Builder hash(final SpdmHashAlgorithm hash)
        {
            this.hash = hash;
            return this;
        }

        /**
         * The negotiated BaseAsymAlgo, when no VCA says it. Without it an RSA leaf key is tried with RSASSA and then
         * RSASSA-PSS: both are SPDM algorithms for the same key, so neither is weaker than the other.
         */
        public Builder signatureAlgorithm(final SpdmAsymAlgorithm signatureAlgorithm)
        {
            this.signatureAlgorithm = signatureAlgorithm;
            return this;
        }

        /**
         * Weaker, explicit: accept DICE TcbInfos whose OperationalFlags include these, for a device known to run in
         * that state (a lab board in debug mode, say). By default a TcbInfo anywhere in the chain with notConfigured,
         * notSecure, recovery or debug set is {@link SpdmReasons#TCB_OPERATIONAL_FLAGS}, whatever the reference
         * values: a lower layer in debug or recovery may have exposed the secrets every layer above derives its key
         * from, the measurement-signing key included.
         */
        public Builder allowTcbFlags(final Set<TcbFlag> flags)
        {
            this.allowedTcbFlags = Set.copyOf(flags);
            return this;
        }

        public SpdmVerifier build()
        {
            return new SpdmVerifier(this);
        }
    }

    /**
     * Appraises a transcript (request || response, bytes) against a certificate chain given leaf-first or root-first.
     * Never throws for bad evidence; a null argument is a programming error.
     */
    public SpdmAppraisal verify(final byte[] transcriptBytes, final List<X509CertificateHolder> chain)
    {
        try
        {
            return verifyChecked(transcriptBytes, chain);
        }
        catch (final RuntimeException e)
        {
            // Certificates are untrusted, and Bouncy Castle throws on some of their contents only when they are read
            // (a UTF8String that is not UTF-8 in a name, say): whatever it throws is a rejection, never an escape.
            return new SpdmAppraisal(null, false, false, false, null, null, null, List.of(), null, null, null,
                List.of(), List.of(), Status.CONTRAINDICATED, List.of(new Reason(SpdmReasons.CERTIFICATE_MALFORMED,
                "a certificate does not read: " + e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
    }

    private SpdmAppraisal verifyChecked(final byte[] transcriptBytes, final List<X509CertificateHolder> chain)
    {
        final List<Reason> reasons = new ArrayList<>();
        final Instant validationTime = clock.instant();

        final SpdmCertificateChain.Result chainResult = SpdmCertificateChain.check(chain, roots, validationTime);
        reasons.addAll(chainResult.reasons());
        final List<X509CertificateHolder> ordered = chainResult.leafFirst();
        final List<DiceTcbInfo> tcbInfos = new ArrayList<>();
        final List<DiceUeid> ueids = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++)
        {
            DiceExtensions.read(i, ordered.get(i), tcbInfos, ueids, reasons);
        }
        checkTcbFlags(tcbInfos, reasons);

        final SpdmVca parsedVca = parseVca(reasons);
        final AsymmetricKeyParameter leafKey = leafKey(ordered, reasons);
        final Candidates candidates = algorithms(ordered, leafKey, parsedVca, reasons);
        final List<SpdmAsymAlgorithm> algorithms = candidates.algorithms();
        final SpdmHashAlgorithm hashAlgorithm = parsedVca != null ? parsedVca.hashAlgorithm() :
            hash != null ? hash : algorithms.isEmpty() ? null : algorithms.getFirst().defaultHash();
        final int signatureSize = algorithms.isEmpty() ? 0 : algorithms.getFirst().signatureSizeBytes();

        SpdmTranscript transcript = null;
        try
        {
            transcript = SpdmTranscript.parse(transcriptBytes, signatureSize);
        }
        catch (final SpdmFormatException e)
        {
            reasons.add(new Reason(e.code(), e.getMessage()));
        }

        String version = null;
        boolean signatureValid = false;
        SpdmAsymAlgorithm verifiedWith = null;
        byte[] nonce = null;
        byte[] responderNonce = null;
        byte[] opaque = null;
        List<SpdmMeasurement> measurements = List.of();
        if (transcript != null)
        {
            version = GetMeasurementsRequest.versionText(transcript.version());
            measurements = transcript.measurements();
            checkExchanges(transcript, parsedVca, reasons);
            final SpdmTranscript.Exchange signed = transcript.signedExchange();
            if (signed == null)
            {
                reasons.add(new Reason(SpdmReasons.SIGNATURE_NOT_REQUESTED, "no GET_MEASUREMENTS request asked for " +
                    "a signature (Param1 bit 0), so nothing in the transcript is authenticated"));
            }
            else
            {
                nonce = signed.request().nonce();
                responderNonce = signed.response().nonce();
                opaque = signed.response().opaqueData();
                checkNonce(nonce, reasons);
                verifiedWith = checkSignature(transcript, signed, parsedVca, leafKey, candidates, hashAlgorithm,
                    reasons);
                signatureValid = verifiedWith != null;
            }
        }
        checkReferences(transcript, measurements, tcbInfos, reasons);

        final Status status = SpdmAppraisal.statusOf(reasons, signatureValid, chainResult.valid());
        return new SpdmAppraisal(version, signatureValid, chainResult.valid(), chainResult.anchored(),
            chainResult.order(), verifiedWith == null ? (algorithms.size() == 1 ? algorithms.getFirst().name() : null) :
            verifiedWith.name(), hashAlgorithm == null ? null : hashAlgorithm.label(), measurements, nonce,
            responderNonce, opaque, tcbInfos, ueids, status, reasons);
    }

    private SpdmVca parseVca(final List<Reason> reasons)
    {
        if (vca == null)
        {
            return null;
        }
        try
        {
            return SpdmVca.parse(vca);
        }
        catch (final SpdmFormatException e)
        {
            reasons.add(new Reason(e.code(), "VCA: " + e.getMessage()));
            return null;
        }
    }

    private static AsymmetricKeyParameter leafKey(final List<X509CertificateHolder> ordered, final List<Reason> reasons)
    {
        if (ordered.isEmpty())
        {
            return null;
        }
        try
        {
            // An RSA key is DER inside the BIT STRING, parsed only now: bounded first (see DerNesting).
            DerNesting.check(ordered.getFirst().getSubjectPublicKeyInfo().getPublicKeyData().getBytes(), "the key");
            return PublicKeyFactory.createKey(ordered.getFirst().getSubjectPublicKeyInfo());
        }
        catch (final IOException | RuntimeException e)
        {
            reasons.add(new Reason(SpdmReasons.LEAF_KEY_UNSUPPORTED, "the leaf's public key (" +
                ordered.getFirst().getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm() + ") does not decode: " +
                e.getMessage()));
            return null;
        }
    }

    /**
     * The algorithms to try, all with the same signature size, and when there are none, why the signature cannot be
     * checked at all.
     */
    private record Candidates(List<SpdmAsymAlgorithm> algorithms, String unverifiableBecause)
    {
    }

    /** The algorithms to try, all with the same signature size: from ALGORITHMS, the configuration, or the key. */
    private Candidates algorithms(final List<X509CertificateHolder> ordered, final AsymmetricKeyParameter leafKey,
        final SpdmVca parsedVca, final List<Reason> reasons)
    {
        if (leafKey == null)
        {
            return new Candidates(List.of(), ordered.isEmpty() ? "no certificate chain was given, so there is no " +
                "leaf key" : "the leaf's public key does not decode");
        }
        final List<SpdmAsymAlgorithm> candidates = SpdmAsymAlgorithm.candidatesFor(leafKey);
        if (candidates.isEmpty())
        {
            final String problem = "the leaf key (" + leafKey.getClass().getSimpleName() + ") is not one SPDM signs " +
                "with (RSA 2048/3072/4096, ECDSA P-256/P-384/P-521, Ed25519, Ed448)";
            reasons.add(new Reason(SpdmReasons.LEAF_KEY_UNSUPPORTED, problem));
            return new Candidates(List.of(), problem);
        }
        final SpdmAsymAlgorithm negotiated = parsedVca != null ? parsedVca.asymAlgorithm() : signatureAlgorithm;
        if (negotiated == null)
        {
            return new Candidates(candidates, null);
        }
        if (!candidates.contains(negotiated))
        {
            final String problem = (parsedVca != null ? "ALGORITHMS in the VCA selected " :
                "the configured algorithm is ") + negotiated + " but the leaf key fits " + candidates;
            reasons.add(new Reason(SpdmReasons.LEAF_KEY_UNSUPPORTED, problem));
            return new Candidates(List.of(), problem);
        }
        return new Candidates(List.of(negotiated), null);
    }

    /** Checks that hold between the fields of the messages (DSP0274 1.2, GET_MEASUREMENTS / MEASUREMENTS rules). */
    private static void checkExchanges(final SpdmTranscript transcript, final SpdmVca parsedVca,
        final List<Reason> reasons)
    {
        final int version = transcript.version();
        if (parsedVca != null && parsedVca.version() != version)
        {
            reasons.add(new Reason(SpdmReasons.VERSION_MISMATCH, "the VCA negotiated SPDM " +
                GetMeasurementsRequest.versionText(parsedVca.version()) + " but GET_MEASUREMENTS uses " +
                GetMeasurementsRequest.versionText(version)));
        }
        final SpdmHashAlgorithm measurementHash = parsedVca == null ? null :
            SpdmHashAlgorithm.fromMeasurementHashAlgo(parsedVca.measurementHashAlgo());
        final Map<Integer, Integer> indexOffsets = new HashMap<>();
        for (final SpdmTranscript.Exchange exchange : transcript.exchanges())
        {
            final GetMeasurementsRequest request = exchange.request();
            final MeasurementsResponse response = exchange.response();
            final String where = "the exchange at byte " + request.offset();
            if (request.version() != version || response.version() != version)
            {
                reasons.add(new Reason(SpdmReasons.VERSION_MISMATCH, where + ": request SPDMVersion " +
                    String.format("0x%02X, response 0x%02X, transcript 0x%02X", request.version(), response.version(),
                    version)));
            }
            if (request.signatureRequested() && response.slotId() != request.slotId())
            {
                reasons.add(new Reason(SpdmReasons.SLOT_MISMATCH, where + ": the request named slot " +
                    request.slotId() + ", the response signed with slot " + response.slotId()));
            }
            if (version >= 0x12 && request.signatureRequested() &&
                (response.param2() & MeasurementsResponse.CONTENT_CHANGE_MASK) ==
                MeasurementsResponse.CONTENT_CHANGE_DETECTED)
            {
                reasons.add(new Reason(SpdmReasons.CONTENT_CHANGED, where + ": the responder reports that its " +
                    "measurements changed while L1/L2 was being built (Param2 bits 5:4 = 01b)"));
            }
            checkBlocks(where, request.operation(), response, measurementHash, reasons);
            checkRepeatedIndices(where, request.offset(), response, indexOffsets, reasons);
        }
    }

    /**
     * An index returned by two exchanges of one transcript: DSP0274 does not forbid asking twice, but the two values
     * may differ (the device changed in between), and a reference value would then be compared with one of them
     * chosen by position. Within one response a repeat is {@link SpdmReasons#MEASUREMENT_BLOCK_MALFORMED}.
     */
    private static void checkRepeatedIndices(final String where, final int requestOffset,
        final MeasurementsResponse response, final Map<Integer, Integer> indexOffsets, final List<Reason> reasons)
    {
        final Set<Integer> inThisResponse = new HashSet<>();
        for (final SpdmMeasurement block : response.blocks())
        {
            if (!inThisResponse.add(block.index()))
            {
                continue;
            }
            final Integer earlier = indexOffsets.putIfAbsent(block.index(), requestOffset);
            if (earlier != null)
            {
                reasons.add(new Reason(SpdmReasons.MEASUREMENT_INDEX_REPEATED, where + ": measurement index " +
                    block.index() + " was already returned by the exchange at byte " + earlier));
            }
        }
    }

    private static void checkBlocks(final String where, final int operation, final MeasurementsResponse response,
        final SpdmHashAlgorithm measurementHash, final List<Reason> reasons)
    {
        final List<SpdmMeasurement> blocks = response.blocks();
        if (operation == GetMeasurementsRequest.OPERATION_COUNT && !blocks.isEmpty())
        {
            reasons.add(new Reason(SpdmReasons.UNEXPECTED_BLOCKS, where + ": the request asked for the number of " +
                "indices, the response has " + blocks.size() + " blocks"));
        }
        else if (operation != GetMeasurementsRequest.OPERATION_COUNT &&
            operation != GetMeasurementsRequest.OPERATION_ALL &&
            (blocks.size() != 1 || blocks.getFirst().index() != operation))
        {
            reasons.add(new Reason(SpdmReasons.UNEXPECTED_BLOCKS, where + ": the request asked for index " + operation +
                ", the response has " + blocks.size() + " blocks" + (blocks.isEmpty() ? "" : ", the first with index " +
                blocks.getFirst().index())));
        }
        final Set<Integer> seen = new HashSet<>();
        for (final SpdmMeasurement block : blocks)
        {
            if (block.index() == 0 || block.index() == 0xFF)
            {
                reasons.add(new Reason(SpdmReasons.MEASUREMENT_BLOCK_MALFORMED, where + ": measurement index " +
                    block.index() + " is reserved"));
            }
            if (!seen.add(block.index()))
            {
                reasons.add(new Reason(SpdmReasons.MEASUREMENT_BLOCK_MALFORMED, where + ": measurement index " +
                    block.index() + " appears twice"));
            }
            if (measurementHash != null && block.isDmtf() && !block.raw() &&
                block.value().length != measurementHash.digestSizeBytes())
            {
                reasons.add(new Reason(SpdmReasons.MEASUREMENT_BLOCK_MALFORMED, where + ": measurement index " +
                    block.index() + " is a digest of " + block.value().length + " bytes, the negotiated " +
                    "MeasurementHashAlgo " + measurementHash.label() + " gives " + measurementHash.digestSizeBytes()));
            }
        }
    }

    private void checkNonce(final byte[] nonce, final List<Reason> reasons)
    {
        if (expectedNonce == null)
        {
            reasons.add(new Reason(SpdmReasons.FRESHNESS_NOT_CHECKED, "no expected nonce was given, so this evidence " +
                "may be a replay"));
        }
        else if (!MessageDigest.isEqual(expectedNonce, nonce))
        {
            reasons.add(new Reason(SpdmReasons.NONCE_MISMATCH, "the signed request's nonce " +
                HexFormat.of().formatHex(nonce) + " is not the expected " + HexFormat.of().formatHex(expectedNonce)));
        }
    }

    private static SpdmAsymAlgorithm checkSignature(final SpdmTranscript transcript,
        final SpdmTranscript.Exchange signed, final SpdmVca parsedVca, final AsymmetricKeyParameter leafKey,
        final Candidates candidates, final SpdmHashAlgorithm hashAlgorithm, final List<Reason> reasons)
    {
        final List<SpdmAsymAlgorithm> algorithms = candidates.algorithms();
        if (leafKey == null || algorithms.isEmpty() || hashAlgorithm == null)
        {
            reasons.add(new Reason(SpdmReasons.SIGNATURE_UNVERIFIABLE, "the signature cannot be checked: " +
                (candidates.unverifiableBecause() != null ? candidates.unverifiableBecause() :
                "no hash algorithm is known for it")));
            return null;
        }
        final int version = transcript.version();
        final byte[] measurementPart = transcript.signedBytes();
        final boolean withVca = parsedVca != null && version >= 0x12;
        final byte[] l1l2;
        if (withVca)
        {
            final byte[] vcaBytes = parsedVca.bytes();
            l1l2 = Arrays.copyOf(vcaBytes, vcaBytes.length + measurementPart.length);
            System.arraycopy(measurementPart, 0, l1l2, vcaBytes.length, measurementPart.length);
        }
        else
        {
            l1l2 = measurementPart;
        }
        final byte[] signature = signed.response().signature();
        for (final SpdmAsymAlgorithm algorithm : algorithms)
        {
            if (SpdmSignatures.verify(algorithm, hashAlgorithm, leafKey, version, l1l2, signature))
            {
                return algorithm;
            }
        }
        reasons.add(new Reason(SpdmReasons.SIGNATURE_INVALID, "the SPDM " +
            GetMeasurementsRequest.versionText(version) +
            " signature does not verify with the leaf key as " + (algorithms.size() == 1 ? algorithms.getFirst() :
            String.valueOf(algorithms)) + " and " + hashAlgorithm.label() + " over " + l1l2.length + " bytes of L1/L2" +
            (version >= 0x12 && parsedVca == null ? " (SPDM 1.2 signs the VCA messages too: give them if the " +
            "responder included them)" : "")));
        return null;
    }

    private void checkReferences(final SpdmTranscript transcript, final List<SpdmMeasurement> measurements,
        final List<DiceTcbInfo> tcbInfos, final List<Reason> reasons)
    {
        if (referenceValues == null)
        {
            reasons.add(new Reason(SpdmReasons.NO_REFERENCE_VALUES, "no reference values were given, so the " +
                "measurements were not compared with anything"));
            return;
        }
        if (transcript != null)
        {
            for (final Map.Entry<Integer, byte[]> entry : referenceValues.measurements().entrySet())
            {
                checkMeasurement(entry.getKey(), entry.getValue(), measurements, reasons);
            }
        }
        for (final SpdmReferenceValues.TcbReference reference : referenceValues.tcb())
        {
            checkTcb(reference, tcbInfos, reasons);
        }
    }

    private static void checkMeasurement(final int index, final byte[] expected,
        final List<SpdmMeasurement> measurements, final List<Reason> reasons)
    {
        for (final SpdmMeasurement measurement : measurements)
        {
            if (measurement.index() == index)
            {
                if (!MessageDigest.isEqual(expected, measurement.value()))
                {
                    reasons.add(new Reason(SpdmReasons.MEASUREMENT_MISMATCH, "measurement " + index + " is " +
                        HexFormat.of().formatHex(measurement.value()) + ", the reference is " +
                        HexFormat.of().formatHex(expected)));
                }
                return;
            }
        }
        reasons.add(new Reason(SpdmReasons.MEASUREMENT_MISSING, "measurement " + index + " has a reference value " +
            "but is not in the response"));
    }

    /**
     * Every TcbInfo the reference selects (by vendor and model; a reference with neither selects all) must satisfy
     * it: a chain can carry several TcbInfos with the same vendor and model (a layer that is a CA could issue a
     * further certificate with a forged one), and one that passes must not hide one that fails. A reference that
     * selects none fails too.
     */
    private static void checkTcb(final SpdmReferenceValues.TcbReference reference, final List<DiceTcbInfo> tcbInfos,
        final List<Reason> reasons)
    {
        final String name = reference.vendor() == null && reference.model() == null ? "TcbInfo (any vendor and " +
            "model)" : "TcbInfo vendor=" + reference.vendor() + " model=" + reference.model();
        boolean selected = false;
        for (final DiceTcbInfo info : tcbInfos)
        {
            if ((reference.vendor() != null && !reference.vendor().equals(info.vendor())) ||
                (reference.model() != null && !reference.model().equals(info.model())))
            {
                continue;
            }
            selected = true;
            final Reason failure = tcbFailure(name + " in certificate " + info.certIndex(), reference, info);
            if (failure != null)
            {
                reasons.add(failure);
            }
        }
        if (!selected)
        {
            reasons.add(new Reason(SpdmReasons.TCB_MISSING, "no " + name + " is in the certificate chain"));
        }
    }

    /**
     * TCG DICE Attestation Architecture, "OperationalFlags": a TcbInfo that reports its layer unconfigured, not
     * secure, in recovery or in debug contraindicates, wherever it is in the chain and whether or not a reference
     * value selects it, unless the flag is allowed. flagsMask (TcbInfo [10]) is not read, so a flag is taken as set
     * whenever its bit is: stricter, never laxer, than honouring the mask.
     */
    private void checkTcbFlags(final List<DiceTcbInfo> tcbInfos, final List<Reason> reasons)
    {
        for (final DiceTcbInfo info : tcbInfos)
        {
            final List<String> refused = new ArrayList<>();
            for (final String label : info.flags())
            {
                final TcbFlag flag = TcbFlag.ofLabel(label);
                if (flag != null && !allowedTcbFlags.contains(flag))
                {
                    refused.add(label);
                }
            }
            if (!refused.isEmpty())
            {
                reasons.add(new Reason(SpdmReasons.TCB_OPERATIONAL_FLAGS, "the " + info.source() + " of certificate " +
                    info.certIndex() + " (vendor=" + info.vendor() + " model=" + info.model() + ") has " +
                    "OperationalFlags " + String.join(", ", refused) + " set: that layer is not in a secure " +
                    "production state (allowTcbFlags accepts a flag explicitly)"));
            }
        }
    }

    private static Reason tcbFailure(final String name, final SpdmReferenceValues.TcbReference reference,
        final DiceTcbInfo info)
    {
        if (reference.version() != null && !reference.version().equals(info.version()))
        {
            return new Reason(SpdmReasons.TCB_VERSION_MISMATCH, name + " has version " + info.version() +
                ", the reference is " + reference.version());
        }
        if (reference.svnMin() != null && (info.svn() == null || info.svn().compareTo(reference.svnMin()) < 0))
        {
            return new Reason(SpdmReasons.TCB_SVN_TOO_LOW, name + " has svn " + info.svn() + ", the reference " +
                "requires at least " + reference.svnMin());
        }
        if (!reference.fwids().isEmpty())
        {
            for (final DiceTcbInfo.Fwid fwid : info.fwids())
            {
                for (final byte[] expected : reference.fwids())
                {
                    if (MessageDigest.isEqual(expected, fwid.digest()))
                    {
                        return null;
                    }
                }
            }
            return new Reason(SpdmReasons.TCB_FWID_MISMATCH, name + " has none of the reference FWIDs among its " +
                info.fwids().size() + " fwids");
        }
        return null;
    }

    /**
     * Decodes hex as people paste it: whitespace and newlines are ignored, and each run of digits may start with
     * {@code 0x}.
     *
     * @throws SpdmFormatException naming the line and column of the first character that is not hex, or an odd
     *                             number of digits.
     */
    public static byte[] parseHex(final String text) throws SpdmFormatException
    {
        final byte[] out = new byte[text.length() / 2 + 1];
        int count = 0;
        int line = 1;
        int column = 0;
        int high = -1;
        boolean tokenStart = true;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                tokenStart = true;
                continue;
            }
            if (Character.isWhitespace(c))
            {
                tokenStart = true;
                continue;
            }
            if (tokenStart && c == '0' && i + 1 < text.length() && (text.charAt(i + 1) | 0x20) == 'x')
            {
                i++;
                column++;
                tokenStart = false;
                continue;
            }
            tokenStart = false;
            final int digit = Character.digit(c, 16);
            if (digit < 0 || c > 0x7F)
            {
                throw new SpdmFormatException("hex_malformed", "hex", i, "line " + line + ", column " + column +
                    ": '" + c + "' is not a hex digit");
            }
            if (high < 0)
            {
                high = digit;
            }
            else
            {
                out[count++] = (byte)((high << 4) | digit);
                high = -1;
            }
        }
        if (high >= 0)
        {
            throw new SpdmFormatException("hex_malformed", "hex", text.length(), "odd number of hex digits (" +
                (count * 2 + 1) + ")");
        }
        return Arrays.copyOf(out, count);
    }

    /** Reads every CERTIFICATE block of a PEM file, in file order. */
    public static List<X509CertificateHolder> readPem(final Path path) throws IOException, SpdmFormatException
    {
        return readPem(Files.readString(path, StandardCharsets.US_ASCII));
    }

    /**
     * Reads every CERTIFICATE block of PEM text, in order.
     *
     * @throws SpdmFormatException naming the block that is not a certificate or does not decode, or when there is
     *                             none.
     */
    public static List<X509CertificateHolder> readPem(final String pem) throws SpdmFormatException
    {
        final List<X509CertificateHolder> certificates = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem)))
        {
            PemObject object;
            while ((object = reader.readPemObject()) != null)
            {
                if (!object.getType().equals("CERTIFICATE"))
                {
                    throw new SpdmFormatException("pem_malformed", "PEM block " + (certificates.size() + 1), 0,
                        "a '" + object.getType() + "' block, expected CERTIFICATE");
                }
                try
                {
                    // Bouncy Castle parses a certificate recursively: bounded first (see DerNesting).
                    DerNesting.check(object.getContent(), "the DER");
                    certificates.add(new X509CertificateHolder(object.getContent()));
                }
                catch (final IOException | RuntimeException e)
                {
                    throw new SpdmFormatException("pem_malformed", "PEM block " + (certificates.size() + 1), 0,
                        "the CERTIFICATE does not decode: " + e.getMessage());
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            throw new SpdmFormatException("pem_malformed", "PEM", 0, "not PEM: " + e.getMessage());
        }
        if (certificates.isEmpty())
        {
            throw new SpdmFormatException("pem_malformed", "PEM", 0, "no -----BEGIN CERTIFICATE----- block");
        }
        return certificates;
    }
}
