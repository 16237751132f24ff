package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.client.Tpm2;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Attestation key enrolment by credential activation (TPM 2.0 Library Part 1 section 24; the flow of the TCG "TPM 2.0
 * Keys for Device Identity and Attestation" and of tpm2-tools' makecredential/activatecredential):
 * <ol>
 *   <li>the attester sends its EK public area, its AK public area and, if it has one, the EK certificate;</li>
 *   <li>the {@link Verifier} checks that the AK is a TPM-resident restricted signing key, that the EK certificate
 *       chains to a manufacturer and certifies that EK, and sends a {@link Challenge}: a random secret made into a
 *       credential for the AK's Name, encrypted to the EK ({@link MakeCredential});</li>
 *   <li>the {@link Attester} has its TPM activate the credential (TPM2_ActivateCredential), which the TPM does only
 *       if it holds the EK's private key and an object with exactly that Name is loaded, and returns the secret;</li>
 *   <li>the verifier compares it in constant time and only then trusts the AK: quotes signed by it come from the TPM
 *       whose EK was certified.</li>
 * </ol>
 * The AK's attributes are trusted because the verifier computes the Name from the public area itself: the TPM binds
 * the credential to that Name, and the Name is a hash of the attributes.
 */
public final class Enrolment
{
    private Enrolment()
    {
    }

    /** Whether an EK without a certificate may be enrolled: the default requires one. */
    public enum EkCertificatePolicy
    {
        /** Fail closed: no EK certificate, no enrolment. */
        REQUIRE_CERTIFICATE,
        /**
         * Weaker, explicit: enrol an EK without a certificate, for EKs trusted by other means (registered when the
         * device was built, or software TPMs in tests). A certificate that is given is still checked.
         */
        ACCEPT_EK_WITHOUT_CERTIFICATE
    }

    /**
     * What the verifier sends: the credential for the AK, and an id to answer to.
     *
     * @param akName the Name the credential is bound to, so the attester can pick the right key.
     */
    public record Challenge(String id, byte[] akName, byte[] credentialBlob, byte[] encryptedSecret)
    {
    }

    public sealed interface ChallengeResult permits Issued, Refused
    {
    }

    public record Issued(Challenge challenge) implements ChallengeResult
    {
    }

    /** The keys were refused before any challenge was made. */
    public record Refused(List<Reason> reasons) implements ChallengeResult
    {
        public Refused
        {
            reasons = List.copyOf(reasons);
        }
    }

    public sealed interface Outcome permits Enrolled, Rejected
    {
    }

    /**
     * The AK is trusted as belonging to the TPM with this EK.
     *
     * @param ekCertificate the checked EK certificate, or null when enrolled without one.
     */
    public record Enrolled(TpmPublic ek, TpmPublic ak, byte[] akName, X509CertificateHolder ekCertificate)
        implements Outcome
    {
    }

    public record Rejected(List<Reason> reasons) implements Outcome
    {
        public Rejected
        {
            reasons = List.copyOf(reasons);
        }
    }

    /**
     * The verifier's side. Challenges are single-use and expire; the secret never leaves this object except encrypted
     * to the EK.
     */
    public static final class Verifier
    {
        /** Outstanding challenges kept at most; more are refused rather than letting memory grow without bound. */
        public static final int MAX_PENDING = 10_000;

        private final EkCertificates ekCertificates;
        private final EkCertificatePolicy policy;
        private final Clock clock;
        private final Duration challengeLifetime;
        private final SecureRandom random;
        private final Map<String, Pending> pending = new ConcurrentHashMap<>();

        private record Pending(TpmPublic ek, TpmPublic ak, byte[] akName, X509CertificateHolder certificate,
            byte[] secret, Instant expires)
        {
        }

        /**
         * @param ekCertificates    the manufacturer CAs, or null to accept no certificate (which then needs
         *                          {@link EkCertificatePolicy#ACCEPT_EK_WITHOUT_CERTIFICATE}, and rejects any given).
         * @param challengeLifetime how long a challenge may be answered.
         */
        public Verifier(final EkCertificates ekCertificates, final EkCertificatePolicy policy, final Clock clock,
            final Duration challengeLifetime, final SecureRandom random)
        {
            this.ekCertificates = ekCertificates;
            this.policy = policy;
            this.clock = clock;
            this.challengeLifetime = challengeLifetime;
            this.random = random;
        }

        /**
         * Checks the keys and, if they pass, makes a challenge.
         * <p>
         * Reason codes: {@code ak_malformed}, {@code ak_not_restricted_signing} (the TPM would sign any digest with
         * it, so its quotes prove nothing), {@code ak_not_fixed} (fixedTPM and fixedParent: it could be a copy
         * outside this TPM), {@code ak_not_tpm_generated} (sensitiveDataOrigin), {@code ak_name_alg_too_weak} (a
         * nameAlg below SHA-256), {@code ak_key_too_small}, {@code ek_malformed}, {@code ek_not_storage_key}, {@code
         * ek_key_too_small} (RSA below 2048 bits, ECC below P-256), {@code ek_cannot_protect_credential} (the EK's
         * key cannot encrypt the credential seed), {@code ek_cert_missing}, {@code too_many_pending}, and those of
         * {@link EkCertificates}.
         *
         * @param ekCertificateDer the EK certificate from the TPM's NV, or null.
         */
        public ChallengeResult challenge(final TpmPublic ek, final TpmPublic ak, final byte[] ekCertificateDer)
        {
            final Instant now = clock.instant();
            pending.values().removeIf(p -> now.isAfter(p.expires()));
            final List<Reason> reasons = new ArrayList<>();
            checkAk(ak, reasons);
            checkEk(ek, reasons);
            X509CertificateHolder certificate = null;
            if (ekCertificateDer == null)
            {
                if (policy == EkCertificatePolicy.REQUIRE_CERTIFICATE)
                {
                    reasons.add(new Reason("ek_cert_missing", "no EK certificate was given, and this verifier " +
                        "requires one"));
                }
            }
            else if (ekCertificates == null)
            {
                reasons.add(new Reason("ek_cert_untrusted", "an EK certificate was given but no manufacturer CA " +
                    "is configured"));
            }
            else
            {
                switch (ekCertificates.verify(ekCertificateDer, ek, now))
                {
                    case EkCertificates.Trusted trusted -> certificate = trusted.certificate();
                    case EkCertificates.Rejected rejected -> reasons.addAll(rejected.reasons());
                }
            }
            if (pending.size() >= MAX_PENDING)
            {
                reasons.add(new Reason("too_many_pending", MAX_PENDING + " challenges are outstanding"));
            }
            if (!reasons.isEmpty())
            {
                return new Refused(reasons);
            }
            final byte[] akName = ak.name();
            final byte[] secret = new byte[TpmAlgorithm.digestSize(ek.nameAlg())];
            random.nextBytes(secret);
            final MakeCredential.Credential credential;
            try
            {
                credential = MakeCredential.make(ek, akName, secret, random);
            }
            catch (final IllegalArgumentException e)
            {
                // The checks above should leave nothing MakeCredential refuses; if they do not, the attester's keys
                // are still refused, never an exception out of the verifier.
                Arrays.fill(secret, (byte)0);
                return new Refused(List.of(new Reason("ek_cannot_protect_credential", e.getMessage())));
            }
            final byte[] idBytes = new byte[16];
            random.nextBytes(idBytes);
            final String id = HexFormat.of().formatHex(idBytes);
            pending.put(id, new Pending(ek, ak, akName, certificate, secret, now.plus(challengeLifetime)));
            return new Issued(new Challenge(id, akName, credential.credentialBlob(), credential.encryptedSecret()));
        }

        /**
         * Judges the attester's answer to challenge {@code id}. A challenge is consumed by its first answer, right or
         * wrong.
         * <p>
         * Reason codes: {@code challenge_unknown} (never issued, already answered, or expired and purged), {@code
         * challenge_expired}, {@code credential_mismatch}.
         */
        public Outcome complete(final String id, final byte[] answer)
        {
            final Pending p = pending.remove(id);
            if (p == null)
            {
                return new Rejected(List.of(new Reason("challenge_unknown", "challenge " + id +
                    " was not issued here or was already answered")));
            }
            try
            {
                if (clock.instant().isAfter(p.expires()))
                {
                    return new Rejected(List.of(new Reason("challenge_expired", "challenge " + id + " expired at " +
                        p.expires())));
                }
                if (!MessageDigest.isEqual(p.secret(), answer))
                {
                    return new Rejected(List.of(new Reason("credential_mismatch", "the answer is not the secret: " +
                        "the TPM that holds the EK did not activate the credential for this AK")));
                }
                return new Enrolled(p.ek(), p.ak(), p.akName(), p.certificate());
            }
            finally
            {
                Arrays.fill(p.secret(), (byte)0);
            }
        }

        /** Outstanding challenges (for metrics). */
        public int pendingCount()
        {
            return pending.size();
        }

        private static void checkAk(final TpmPublic ak, final List<Reason> reasons)
        {
            try
            {
                ak.publicKey();
            }
            catch (final TpmFormatException e)
            {
                reasons.add(new Reason("ak_malformed", "the AK public area holds no usable key: " + e.getMessage()));
            }
            // TPM 2.0 Part 2 section 8.3, TPMA_OBJECT.restricted: only such a signing key refuses to sign digests it
            // did not compute itself (a quote's TPMS_ATTEST starts with TPM_GENERATED_VALUE, which it will not sign
            // for anyone else).
            if (!ak.isRestrictedSigningKey())
            {
                reasons.add(new Reason("ak_not_restricted_signing", String.format("the AK's attributes 0x%08x are " +
                    "not restricted|sign without decrypt", ak.objectAttributes())));
            }
            if (!ak.has(TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT))
            {
                reasons.add(new Reason("ak_not_fixed", String.format("the AK's attributes 0x%08x lack fixedTPM or " +
                    "fixedParent: it may be duplicated out of the TPM", ak.objectAttributes())));
            }
            if (!ak.has(TpmPublic.SENSITIVE_DATA_ORIGIN))
            {
                reasons.add(new Reason("ak_not_tpm_generated", "the AK lacks sensitiveDataOrigin: its private key " +
                    "was imported, not generated in the TPM"));
            }
            // TPM 2.0 Part 1 section 16 "Names": the credential is bound to the AK's Name, a nameAlg digest of its
            // public area, and that digest is all that ties the activation to the attributes checked above. SHA-1
            // is no longer collision resistant; tpm2_createak and the TCG templates use SHA-256.
            if (TpmAlgorithm.digestSize(ak.nameAlg()) < TpmAlgorithm.digestSize(TpmAlgorithm.SHA256))
            {
                reasons.add(new Reason("ak_name_alg_too_weak", "the AK's nameAlg is " +
                    TpmAlgorithm.hashName(ak.nameAlg()) + ": its Name, which the credential is bound to, must be " +
                    "SHA-256 or stronger"));
            }
            final String small = keyTooSmall(ak);
            if (small != null)
            {
                reasons.add(new Reason("ak_key_too_small", "the AK is " + small));
            }
        }

        /**
         * @return null when the key is at least RSA-2048 or a 256-bit curve, else what it is. RSA below 2048 bits
         * is breakable and too short for OAEP of a SHA-384/512 seed (RFC 8017 section 7.1.1); P-192 and P-224 give
         * less than 128-bit security (NIST SP 800-57 Part 1, Table 2).
         */
        private static String keyTooSmall(final TpmPublic key)
        {
            return switch (key.parameters())
            {
                case TpmPublic.Rsa rsa -> rsa.keyBits() < 2048 ? "RSA-" + rsa.keyBits() + ", below RSA-2048" : null;
                case TpmPublic.Ecc ecc -> ecc.curveId() == TpmPublic.NIST_P192 || ecc.curveId() == TpmPublic.NIST_P224 ?
                    String.format("on curve 0x%04x, below P-256", ecc.curveId()) : null;
            };
        }

        private static void checkEk(final TpmPublic ek, final List<Reason> reasons)
        {
            try
            {
                ek.publicKey();
            }
            catch (final TpmFormatException e)
            {
                reasons.add(new Reason("ek_malformed", "the EK public area holds no usable key: " + e.getMessage()));
                return;
            }
            final String small = keyTooSmall(ek);
            if (small != null)
            {
                reasons.add(new Reason("ek_key_too_small", "the EK is " + small + ": the TCG EK templates are " +
                    "RSA-2048 and up or P-256 and up"));
            }
            final TpmPublic.Symmetric symmetric = ek.parameters().symmetric();
            if (!ek.isRestrictedDecryptionKey() || !ek.has(TpmPublic.FIXED_TPM) ||
                symmetric.algorithm() != TpmAlgorithm.AES || symmetric.mode() != TpmAlgorithm.CFB)
            {
                reasons.add(new Reason("ek_not_storage_key", "the EK is not a fixedTPM restricted decryption key " +
                    "with AES-CFB: " + ek));
            }
        }
    }

    /** The attester's side: the TPM activates the credential. */
    public static final class Attester
    {
        private final Tpm2 tpm;

        public Attester(final Tpm2 tpm)
        {
            this.tpm = tpm;
        }

        /**
         * @return the secret, for {@link Verifier#complete}.
         * @throws IOException a {@link dev.palisade.attestation.tpm.client.TpmException} such as TPM_RC_INTEGRITY
         *                     when the credential was not made for this AK and EK, or was tampered with.
         */
        public byte[] answer(final Challenge challenge, final int akHandle, final int ekHandle) throws IOException
        {
            return tpm.activateCredential(akHandle, ekHandle, challenge.credentialBlob(), challenge.encryptedSecret());
        }
    }
}
