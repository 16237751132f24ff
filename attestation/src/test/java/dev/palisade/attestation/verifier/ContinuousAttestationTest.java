package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.SoftwareAttester;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evidence re-collected on an interval keeps an attester trusted; when the rounds stop (or fail), its result lapses
 * and the ledger turns it contraindicated; failing rounds are retried with backoff.
 */
class ContinuousAttestationTest
{
    @Test
    void roundsKeepTheAttesterTrustedAndStoppingLetsItLapse() throws Exception
    {
        final long[] clock = {1_800_000_000L};
        final AttestationLedger ledger = new AttestationLedger(() -> clock[0]);
        final TpmAttestationVerifier verifier = new TpmAttestationVerifier(new NonceService(),
            EarSigner.generate("v"), ledger, 60, () -> clock[0], "test");
        final SoftwareAttester dpu = new SoftwareAttester();
        final TpmAttestationVerifier.Attester attester =
            new TpmAttestationVerifier.Attester("dpu-1", dpu.publicKey(), null, null);
        final CountDownLatch three = new CountDownLatch(3);
        final ContinuousAttestation[] running = new ContinuousAttestation[1];
        try (ContinuousAttestation loop = new ContinuousAttestation(() ->
        {
            final byte[] nonce = verifier.challenge();
            final SoftwareAttester.Quote q = dpu.quote(nonce, 0);
            verifier.appraise(attester, new TpmAttestationVerifier.Evidence(nonce, q.attest(), q.signature(),
                q.pcrValues(), QuoteVerifier.PcrFormat.VALUES));
            three.countDown();
        }, Duration.ofMillis(20), Duration.ofMillis(5), e -> { }).start())
        {
            assertTrue(three.await(10, TimeUnit.SECONDS), "three rounds ran");
            assertEquals(Status.WARNING, ledger.status("dpu-1"), "authentic, no reference values");
            running[0] = loop;
        }
        assertTrue(running[0].succeeded() >= 3, "closing waits for the round in progress");
        clock[0] += 61; // no round since: the last result expired
        assertEquals(Status.CONTRAINDICATED, ledger.status("dpu-1"));
        assertEquals(1, ledger.sweep());
    }

    @Test
    void failingRoundsAreRetriedWithBackoffAndReported() throws Exception
    {
        final AtomicInteger attempts = new AtomicInteger();
        final List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch done = new CountDownLatch(1);
        try (ContinuousAttestation loop = new ContinuousAttestation(() ->
        {
            if (attempts.incrementAndGet() <= 4)
            {
                throw new java.io.IOException("verifier unreachable");
            }
            done.countDown();
        }, Duration.ofSeconds(5), Duration.ofMillis(10), e -> failures.add(e.getMessage()))
            .onSchedule(delays::add).start())
        {
            assertTrue(done.await(10, TimeUnit.SECONDS), "a round succeeded after the failures");
            assertEquals(4, loop.failed());
            assertEquals(List.of("verifier unreachable", "verifier unreachable", "verifier unreachable",
                "verifier unreachable"), failures);
            while (delays.size() < 5)
            {
                Thread.onSpinWait();
            }
        }
        final long ms = 1_000_000L;
        assertEquals(List.of(10 * ms, 20 * ms, 40 * ms, 80 * ms), delays.subList(0, 4), "backoff doubles");
        final long afterSuccess = delays.get(4);
        assertTrue(afterSuccess > 4_500 * ms && afterSuccess <= 5_000 * ms, "the interval less jitter: " +
            afterSuccess);
    }
}
