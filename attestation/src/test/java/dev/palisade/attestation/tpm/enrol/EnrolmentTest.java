package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmAppraisal;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.TpmWriter;
import dev.palisade.attestation.tpm.client.KeyType;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.attestation.tpm.client.SwtpmSupport;
import dev.palisade.attestation.tpm.client.Tpm2;
import dev.palisade.attestation.tpm.client.TpmException;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The enrolment flow end to end with a manufactured swtpm: the verifier trusts an AK only after the TPM whose EK the
 * swtpm-localca CA certified has activated a credential for it; keys that are not TPM-bound attestation keys, EKs
 * without certificates, wrong answers, replays and late answers are refused. Also measures (prints, does not assert)
 * enrolment and the challenge → quote → verdict round trip through our client.
 */
class EnrolmentTest
{
    private static final Duration LIFETIME = Duration.ofMinutes(5);

    @TempDir
    static Path state;
    private static SwtpmProcess swtpm;
    private static Tpm2 tpm;
    private static EkCertificates localCa;
    private static byte[] ekCertificate;

    private final SecureRandom random = new SecureRandom();
    private final MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofHours(1)));
    private Tpm2.LoadedKey ek;
    private Tpm2.LoadedKey ak;

    /** A clock tests move by hand. */
    private static final class MutableClock extends Clock
    {
        private Instant now;

        MutableClock(final Instant now)
        {
            this.now = now;
        }

        void advance(final Duration duration)
        {
            now = now.plus(duration);
        }

        @Override
        public Instant instant()
        {
            return now;
        }

        @Override
        public java.time.ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final java.time.ZoneId zone)
        {
            return this;
        }
    }

    @BeforeAll
    static void start() throws Exception
    {
        swtpm = SwtpmSupport.startManufactured(state.resolve("tpm"));
        tpm = swtpm.client();
        localCa = EkCertificates.fromPemFiles(List.of(SwtpmProcess.LOCAL_CA_ROOT),
            List.of(SwtpmProcess.LOCAL_CA_ISSUER));
        ekCertificate = tpm.nvRead(Tpm2.NV_EK_CERT_RSA_2048);
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (tpm != null)
        {
            tpm.close();
        }
        if (swtpm != null)
        {
            swtpm.close();
        }
    }

    @BeforeEach
    void createKeys() throws Exception
    {
        final long start = System.nanoTime();
        ek = tpm.createEk(KeyType.RSA);
        ak = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
        System.out.printf("EK (RSA-2048) + AK (ECC P-256) creation: %.1f ms%n", (System.nanoTime() - start) / 1e6);
    }

    @AfterEach
    void flushKeys()
    {
        if (ak != null)
        {
            tpm.flushQuietly(ak.handle());
        }
        if (ek != null)
        {
            tpm.flushQuietly(ek.handle());
        }
    }

    private Enrolment.Verifier verifier(final Enrolment.EkCertificatePolicy policy)
    {
        return new Enrolment.Verifier(localCa, policy, clock, LIFETIME, random);
    }

    @Test
    void anAkIsEnrolledOnlyAfterTheCertifiedTpmActivatesItsCredential() throws Exception
    {
        final Enrolment.Verifier verifier = verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE);
        final Enrolment.Attester attester = new Enrolment.Attester(tpm);
        final long start = System.nanoTime();
        final Enrolment.Challenge challenge = assertInstanceOf(Enrolment.Issued.class,
            verifier.challenge(ek.publicArea(), ak.publicArea(), ekCertificate)).challenge();
        assertArrayEquals(ak.name(), challenge.akName());
        final byte[] answer = attester.answer(challenge, ak.handle(), ek.handle());
        final Enrolment.Enrolled enrolled = assertInstanceOf(Enrolment.Enrolled.class,
            verifier.complete(challenge.id(), answer));
        System.out.printf("enrolment (checks + MakeCredential + ActivateCredential + compare): %.1f ms%n",
            (System.nanoTime() - start) / 1e6);
        assertEquals(ak.publicArea(), enrolled.ak());
        assertArrayEquals(ak.name(), enrolled.akName());
        assertNotNull(enrolled.ekCertificate());
        assertEquals(0, verifier.pendingCount());

        // Then the enrolled AK is what quotes are checked with: challenge (nonce) → quote → verdict, timed.
        final AsymmetricKeyParameter akKey = enrolled.ak().publicKey();
        final int[] pcrs = {0, 1, 2, 3, 4, 5, 6, 7, 16};
        final long[] roundTripNs = new long[22];
        for (int i = 0; i < roundTripNs.length; i++)
        {
            final long t0 = System.nanoTime();
            final byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            final Tpm2.Quote quote = tpm.quote(ak.handle(), nonce, TpmAlgorithm.SHA256, pcrs);
            final Map<Integer, byte[]> values = tpm.pcrRead(TpmAlgorithm.SHA256, pcrs);
            final TpmWriter pcrValues = new TpmWriter();
            values.values().forEach(pcrValues::bytes);
            final TpmAppraisal appraisal = QuoteVerifier.appraise(quote.attest(), quote.signature(), akKey, nonce,
                pcrValues.toByteArray(), QuoteVerifier.PcrFormat.VALUES, null);
            roundTripNs[i] = System.nanoTime() - t0;
            assertTrue(appraisal.signatureValid() && appraisal.nonceValid() && appraisal.pcrDigestValid(),
                appraisal.reasons()::toString);
        }
        // The first two warm up the JIT and the TPM's key cache.
        final long[] measured = Arrays.copyOfRange(roundTripNs, 2, roundTripNs.length);
        Arrays.sort(measured);
        System.out.printf("challenge -> TPM2_Quote (ECDSA P-256, 9 PCRs) + TPM2_PCR_Read -> verify, swtpm over TCP: " +
            "median %.2f ms, min %.2f ms, max %.2f ms (n=%d)%n", measured[measured.length / 2] / 1e6,
            measured[0] / 1e6, measured[measured.length - 1] / 1e6, measured.length);
    }

    @Test
    void aWrongAnswerIsRejectedAndSpendsTheChallenge() throws Exception
    {
        final Enrolment.Verifier verifier = verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE);
        final Enrolment.Challenge challenge = assertInstanceOf(Enrolment.Issued.class,
            verifier.challenge(ek.publicArea(), ak.publicArea(), ekCertificate)).challenge();
        final byte[] right = new Enrolment.Attester(tpm).answer(challenge, ak.handle(), ek.handle());
        final byte[] wrong = right.clone();
        wrong[0] ^= 1;
        assertEquals(Set.of("credential_mismatch"), codes(verifier.complete(challenge.id(), wrong)));
        // One answer per challenge: the right one now comes too late.
        assertEquals(Set.of("challenge_unknown"), codes(verifier.complete(challenge.id(), right)));
        assertEquals(Set.of("challenge_unknown"), codes(verifier.complete("0123", right)));
    }

    @Test
    void aLateAnswerIsRejected() throws Exception
    {
        final Enrolment.Verifier verifier = verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE);
        final Enrolment.Challenge challenge = assertInstanceOf(Enrolment.Issued.class,
            verifier.challenge(ek.publicArea(), ak.publicArea(), ekCertificate)).challenge();
        final byte[] answer = new Enrolment.Attester(tpm).answer(challenge, ak.handle(), ek.handle());
        clock.advance(LIFETIME.plusSeconds(1));
        assertEquals(Set.of("challenge_expired"), codes(verifier.complete(challenge.id(), answer)));
    }

    @Test
    void withoutAnEkCertificateOnlyAnExplicitPolicyEnrols() throws Exception
    {
        assertEquals(Set.of("ek_cert_missing"), codes(verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE)
            .challenge(ek.publicArea(), ak.publicArea(), null)));
        final Enrolment.Verifier lenient = verifier(Enrolment.EkCertificatePolicy.ACCEPT_EK_WITHOUT_CERTIFICATE);
        final Enrolment.Challenge challenge = assertInstanceOf(Enrolment.Issued.class,
            lenient.challenge(ek.publicArea(), ak.publicArea(), null)).challenge();
        final Enrolment.Enrolled enrolled = assertInstanceOf(Enrolment.Enrolled.class, lenient.complete(challenge.id(),
            new Enrolment.Attester(tpm).answer(challenge, ak.handle(), ek.handle())));
        assertNull(enrolled.ekCertificate());
        // A certificate that is given is still checked, even under the lenient policy.
        final Tpm2.LoadedKey eccEk = tpm.createEk(KeyType.ECC);
        tpm.flushContext(eccEk.handle());
        assertEquals(Set.of("ek_cert_key_mismatch"), codes(lenient.challenge(eccEk.publicArea(), ak.publicArea(),
            ekCertificate)));
    }

    @Test
    void keysThatAreNotTpmBoundAttestationKeysAreRefused()
    {
        final Enrolment.Verifier verifier = verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE);
        final TpmPublic good = ak.publicArea();
        assertEquals(Set.of("ak_not_restricted_signing"), codes(verifier.challenge(ek.publicArea(),
            withAttributes(good, good.objectAttributes() & ~TpmPublic.RESTRICTED), ekCertificate)));
        assertEquals(Set.of("ak_not_restricted_signing"), codes(verifier.challenge(ek.publicArea(),
            withAttributes(good, good.objectAttributes() | TpmPublic.DECRYPT), ekCertificate)));
        assertEquals(Set.of("ak_not_fixed"), codes(verifier.challenge(ek.publicArea(),
            withAttributes(good, good.objectAttributes() & ~TpmPublic.FIXED_TPM), ekCertificate)));
        assertEquals(Set.of("ak_not_tpm_generated"), codes(verifier.challenge(ek.publicArea(),
            withAttributes(good, good.objectAttributes() & ~TpmPublic.SENSITIVE_DATA_ORIGIN), ekCertificate)));
        // The EK must be a storage key; an AK in its place is refused (and its certificate does not match).
        final Set<String> notStorage = codes(verifier.challenge(ak.publicArea(), ak.publicArea(), ekCertificate));
        assertTrue(notStorage.containsAll(Set.of("ek_not_storage_key", "ek_cert_key_mismatch")),
            notStorage::toString);
        assertEquals(0, verifier.pendingCount());
    }

    @Test
    void aCredentialForAnAkOutsideThisTpmCannotBeAnswered() throws Exception
    {
        // An AK whose public area the attester presents but whose key is not loaded next to the EK (here: made,
        // then flushed; in an attack: a software key with TPM-like attributes). The credential is bound to that
        // name, so activating it with the loaded AK fails the HMAC.
        final Tpm2.LoadedKey absent = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
        tpm.flushContext(absent.handle());
        final Enrolment.Verifier verifier = verifier(Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE);
        final Enrolment.Challenge challenge = assertInstanceOf(Enrolment.Issued.class,
            verifier.challenge(ek.publicArea(), absent.publicArea(), ekCertificate)).challenge();
        final TpmException e = assertThrows(TpmException.class,
            () -> new Enrolment.Attester(tpm).answer(challenge, ak.handle(), ek.handle()));
        assertEquals("TPM_RC_INTEGRITY", e.name());
        assertEquals(1, verifier.pendingCount());
    }

    private static TpmPublic withAttributes(final TpmPublic area, final int attributes)
    {
        return new TpmPublic(area.nameAlg(), attributes, area.authPolicy(), area.parameters());
    }

    private static Set<String> codes(final Object result)
    {
        final List<Reason> reasons = switch (result)
        {
            case Enrolment.Refused refused -> refused.reasons();
            case Enrolment.Rejected rejected -> rejected.reasons();
            default -> throw new AssertionError("expected a refusal, got " + result);
        };
        final Set<String> codes = new TreeSet<>();
        reasons.forEach(r -> codes.add(r.code()));
        return codes;
    }
}
