package dev.palisade.attestation.tpm;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Appraises TPM 2.0 quotes: checks the TPMS_ATTEST's form, the attestation key's signature over it (ECDSA,
 * RSASSA-PKCS1-v1_5, RSA-PSS), that its qualifying data is the verifier's nonce, that the PCR values reported with it
 * hash to its pcrDigest, and that the values match the reference values. Each failure is a {@link Reason}; nothing
 * here throws on untrusted input.
 * <p>
 * Stateless and thread-safe. Reusing one attestation key object across appraisals lets Bouncy Castle keep its
 * precomputed multiples of the key's point, which roughly halves the cost of each ECDSA verification.
 */
public final class QuoteVerifier
{
    /** How the PCR values next to a quote are encoded. */
    public enum PcrFormat
    {
        /** tpm2-tools' serialized structures ({@code tpm2_quote -o F}, the default {@code -F serialized}). */
        SERIALIZED,
        /** The digests concatenated in the quote's selection order ({@code -F values}). */
        VALUES,
        /** Serialized when the length fits that layout, else values. */
        AUTO
    }

    private QuoteVerifier()
    {
    }

    /**
     * @param attest    the quote's TPMS_ATTEST bytes.
     * @param signature the TPMT_SIGNATURE bytes (or tpm2-tools' plain DER ECDSA form, taken as SHA-256).
     * @param ak        the attestation key's public key (trusted: enrolled, bound to the EK).
     * @param nonce     the qualifying data the verifier asked for.
     * @param pcrBytes  the PCR values reported with the quote, or null.
     * @param format    their encoding.
     * @param reference reference values, or null.
     */
    public static TpmAppraisal appraise(final byte[] attest, final byte[] signature, final AsymmetricKeyParameter ak,
        final byte[] nonce, final byte[] pcrBytes, final PcrFormat format, final PcrReference reference)
    {
        return appraise(attest, signature, ak, nonce, pcrBytes, format, reference, null);
    }

    /**
     * As {@link #appraise(byte[], byte[], AsymmetricKeyParameter, byte[], byte[], PcrFormat, PcrReference)}, with a
     * TCG event log ({@link EventLog}): its replay must give the quoted PCR values; without PCR values, a replay that
     * hashes to the quote's pcrDigest stands for them.
     */
    public static TpmAppraisal appraise(final byte[] attest, final byte[] signature, final AsymmetricKeyParameter ak,
        final byte[] nonce, final byte[] pcrBytes, final PcrFormat format, final PcrReference reference,
        final byte[] eventLogBytes)
    {
        final List<Reason> reasons = new ArrayList<>();
        final List<Reason> warnings = new ArrayList<>();
        final TpmsAttest quote;
        try
        {
            quote = TpmsAttest.parse(attest);
        }
        catch (final TpmFormatException e)
        {
            reasons.add(new Reason("malformed_quote", "the quote (TPMS_ATTEST) does not decode: " + e.getMessage()));
            return new TpmAppraisal(Status.CONTRAINDICATED, reasons, warnings, false, false, null, null, null, null, null,
                0);
        }
        final TpmtSignature sig;
        try
        {
            sig = TpmtSignature.parseAny(signature);
        }
        catch (final TpmFormatException e)
        {
            reasons.add(new Reason("malformed_signature", "the signature (TPMT_SIGNATURE) does not decode: " +
                e.getMessage()));
            return new TpmAppraisal(Status.CONTRAINDICATED, reasons, warnings, false, false, null, quote, null, null,
                null, 0);
        }

        final boolean signatureValid = verifySignature(attest, sig, ak, reasons);
        final boolean nonceValid = MessageDigest.isEqual(quote.extraData(), nonce);
        if (!nonceValid)
        {
            reasons.add(new Reason("nonce_mismatch", "the quote's qualifying data " + hex(quote.extraData()) +
                " is not the nonce " + hex(nonce) + ": a replayed or foreign quote"));
        }

        Boolean digestValid = null;
        PcrValues vouched = null;
        if (pcrBytes != null)
        {
            try
            {
                final PcrValues values = parsePcrs(pcrBytes, format, quote.pcrSelect());
                final byte[] digest = values.digest(quote.pcrSelect(), sig.hashAlg());
                if (digest == null)
                {
                    digestValid = false;
                    reasons.add(new Reason("pcr_values_missing", "the PCR values do not cover the quote's selection " +
                        quote.pcrSelect()));
                }
                else
                {
                    digestValid = MessageDigest.isEqual(digest, quote.pcrDigest());
                    if (digestValid)
                    {
                        vouched = values;
                    }
                    else
                    {
                        reasons.add(new Reason("pcr_digest_mismatch", "the PCR values hash to " + hex(digest) +
                            ", the quote's pcrDigest is " + hex(quote.pcrDigest()) + ": they are not what was quoted"));
                    }
                }
            }
            catch (final TpmFormatException e)
            {
                digestValid = false;
                reasons.add(new Reason("malformed_pcrs", "the PCR values do not decode: " + e.getMessage()));
            }
        }

        Boolean logValid = null;
        int logEvents = 0;
        if (eventLogBytes != null)
        {
            try
            {
                final EventLog log = EventLog.parse(eventLogBytes);
                logEvents = log.events().size();
                final PcrValues replayed = log.replay();
                if (pcrBytes == null)
                {
                    // The log stands for the PCR values when its replay hashes to what the TPM quoted.
                    final byte[] digest = replayed.digest(quote.pcrSelect(), sig.hashAlg());
                    logValid = digest != null && MessageDigest.isEqual(digest, quote.pcrDigest());
                    digestValid = logValid;
                    if (logValid)
                    {
                        vouched = replayed;
                    }
                    else
                    {
                        reasons.add(new Reason("eventlog_mismatch", digest == null ?
                            "the event log has no events for some quoted PCRs " + quote.pcrSelect() :
                            "the event log replays to PCR values that hash to " + hex(digest) + ", not the quote's " +
                                hex(quote.pcrDigest())));
                    }
                }
                else if (vouched != null)
                {
                    logValid = true;
                    for (final PcrSelection selection : quote.pcrSelect())
                    {
                        for (final int pcr : selection.pcrs())
                        {
                            final byte[] replay = replayed.value(selection.hashAlg(), pcr);
                            final byte[] quoted = vouched.value(selection.hashAlg(), pcr);
                            if (replay != null && !MessageDigest.isEqual(replay, quoted))
                            {
                                logValid = false;
                                reasons.add(new Reason("eventlog_mismatch", TpmAlgorithm.hashName(selection.hashAlg()) +
                                    " PCR " + pcr + ": the event log replays to " + hex(replay) + ", the quote " +
                                    "vouches for " + hex(quoted)));
                            }
                        }
                    }
                }
            }
            catch (final TpmFormatException e)
            {
                logValid = false;
                reasons.add(new Reason("malformed_eventlog", "the event log does not decode: " + e.getMessage()));
            }
        }

        if (reference == null || reference.values().banks().isEmpty())
        {
            warnings.add(new Reason("no_reference_values", "no reference values: the quote is authentic, but what " +
                "it measured was not compared with anything"));
        }
        else
        {
            compare(quote, pcrBytes != null || eventLogBytes != null, vouched, reference, reasons);
        }
        if (!quote.safe())
        {
            warnings.add(new Reason("clock_not_safe", "the TPM's clock may have gone backwards since it was last " +
                "saved (clockInfo.safe is NO)"));
        }
        final Status status = !reasons.isEmpty() ? Status.CONTRAINDICATED :
            warnings.isEmpty() ? Status.AFFIRMING : Status.WARNING;
        return new TpmAppraisal(status, List.copyOf(reasons), List.copyOf(warnings), signatureValid, nonceValid,
            digestValid, quote, sig, vouched, logValid, logEvents);
    }

    private static void compare(final TpmsAttest quote, final boolean valuesGiven, final PcrValues vouched,
        final PcrReference reference, final List<Reason> reasons)
    {
        for (final Map.Entry<Integer, Map<Integer, byte[]>> bank : reference.values().banks().entrySet())
        {
            final String bankName = TpmAlgorithm.hashName(bank.getKey());
            for (final Map.Entry<Integer, byte[]> expected : bank.getValue().entrySet())
            {
                final int pcr = expected.getKey();
                final boolean quoted = quote.pcrSelect().stream()
                    .anyMatch(s -> s.hashAlg() == bank.getKey() && s.contains(pcr));
                if (!quoted)
                {
                    reasons.add(new Reason("pcr_not_quoted", bankName + " PCR " + pcr + " has a reference value but " +
                        "is not in the quote's selection " + quote.pcrSelect()));
                    continue;
                }
                if (!valuesGiven)
                {
                    reasons.add(new Reason("pcr_values_missing", bankName + " PCR " + pcr + " has a reference value, " +
                        "but no PCR values came with the quote to compare"));
                    continue;
                }
                if (vouched == null)
                {
                    continue; // the values are not the quoted ones: already a reason
                }
                final byte[] actual = vouched.value(bank.getKey(), pcr);
                if (!MessageDigest.isEqual(actual, expected.getValue()))
                {
                    reasons.add(new Reason("pcr_value_mismatch", bankName + " PCR " + pcr + " is " + hex(actual) +
                        ", the reference value is " + hex(expected.getValue())));
                }
            }
        }
    }

    private static PcrValues parsePcrs(final byte[] bytes, final PcrFormat format, final List<PcrSelection> selection)
        throws TpmFormatException
    {
        return switch (format)
        {
            case SERIALIZED -> PcrValues.parseSerialized(bytes);
            case VALUES -> PcrValues.parseValues(bytes, selection);
            case AUTO -> looksSerialized(bytes) ? PcrValues.parseSerialized(bytes) :
                PcrValues.parseValues(bytes, selection);
        };
    }

    private static boolean looksSerialized(final byte[] bytes)
    {
        return bytes.length >= 136 + 532 && (bytes.length - 136) % 532 == 0;
    }

    /** Verifies {@code sig} over {@code message}; adds the reason it fails. */
    static boolean verifySignature(final byte[] message, final TpmtSignature sig, final AsymmetricKeyParameter key,
        final List<Reason> reasons)
    {
        final Digest digest = TpmAlgorithm.digest(sig.hashAlg());
        try
        {
            final boolean valid;
            if (sig.sigAlg() == TpmAlgorithm.ECDSA)
            {
                if (!(key instanceof ECPublicKeyParameters ec))
                {
                    reasons.add(new Reason("signature_key_mismatch", "an ECDSA signature, but the attestation key " +
                        "is not an EC key"));
                    return false;
                }
                final byte[] hash = new byte[digest.getDigestSize()];
                digest.update(message, 0, message.length);
                digest.doFinal(hash, 0);
                final ECDSASigner signer = new ECDSASigner();
                signer.init(false, ec);
                valid = signer.verifySignature(hash, new BigInteger(1, sig.r()), new BigInteger(1, sig.s()));
            }
            else
            {
                if (!(key instanceof RSAKeyParameters rsa) || rsa.isPrivate())
                {
                    reasons.add(new Reason("signature_key_mismatch", "an RSA signature, but the attestation key is " +
                        "not an RSA public key"));
                    return false;
                }
                valid = sig.sigAlg() == TpmAlgorithm.RSASSA ? rsassa(message, sig, rsa) : rsapss(message, sig, rsa);
            }
            if (!valid)
            {
                reasons.add(new Reason("signature_invalid", "the " + sig.schemeName() + " signature does not verify " +
                    "with the attestation key: the quote was altered or signed by another key"));
            }
            return valid;
        }
        catch (final RuntimeException e)
        {
            reasons.add(new Reason("signature_invalid", "the " + sig.schemeName() + " signature does not verify: " +
                e.getMessage()));
            return false;
        }
    }

    private static boolean rsassa(final byte[] message, final TpmtSignature sig, final RSAKeyParameters key)
    {
        final RSADigestSigner signer = new RSADigestSigner(TpmAlgorithm.digest(sig.hashAlg()));
        signer.init(false, key);
        signer.update(message, 0, message.length);
        return signer.verifySignature(sig.s());
    }

    /** TPMs salt RSA-PSS with the hash's length, or the most the key allows (FIPS 186-4 mode): accept either. */
    private static boolean rsapss(final byte[] message, final TpmtSignature sig, final RSAKeyParameters key)
    {
        final int hashLength = TpmAlgorithm.digestSize(sig.hashAlg());
        final int maxSalt = (key.getModulus().bitLength() + 7) / 8 - hashLength - 2;
        for (final int salt : new int[] {hashLength, maxSalt})
        {
            final PSSSigner signer = new PSSSigner(new RSABlindedEngine(), TpmAlgorithm.digest(sig.hashAlg()), salt);
            signer.init(false, key);
            signer.update(message, 0, message.length);
            if (signer.verifySignature(sig.s()))
            {
                return true;
            }
        }
        return false;
    }

    private static String hex(final byte[] bytes)
    {
        return bytes == null ? "(none)" : HexFormat.of().formatHex(bytes);
    }
}
